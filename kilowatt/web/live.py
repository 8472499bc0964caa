"""Live sessions pushed to the page: the transaction events wake the streams watching them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from kilowatt.domain.events import (
    CdrIssued,
    Event,
    TransactionEnded,
    TransactionMetered,
    TransactionStarted,
)

__all__ = ["LiveFeed"]

_WAKING = (TransactionStarted, TransactionMetered, TransactionEnded, CdrIssued)


class LiveFeed:
    """Subscribed to the event bus; each open stream waits on the key of its transaction."""

    def __init__(self) -> None:
        self._waiting: dict[tuple[str, str], set[asyncio.Event]] = {}

    async def on_event(self, event: Event) -> None:
        if isinstance(event, _WAKING):
            for waiter in self._waiting.get((event.station_id, event.transaction_id), ()):
                waiter.set()

    @contextlib.contextmanager
    def listening(self, key: tuple[str, str]) -> Iterator[asyncio.Event]:
        """An asyncio.Event set when the transaction ``key`` changes; clear it after a wait."""
        waiter = asyncio.Event()
        self._waiting.setdefault(key, set()).add(waiter)
        try:
            yield waiter
        finally:
            waiters = self._waiting[key]
            waiters.discard(waiter)
            if not waiters:
                del self._waiting[key]
