"""In-process event publisher: hands events to the subscribers registered in this process."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from kilowatt.domain.events import Event

__all__ = ["InProcessEventPublisher"]

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], Awaitable[None]]


class InProcessEventPublisher:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            for subscriber in self._subscribers:
                try:
                    await subscriber(event)
                except Exception:
                    log.exception("event subscriber failed on %r", event)
