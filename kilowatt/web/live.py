"""Live sessions pushed to the page: the transaction events wake the streams watching them,
and so do the roaming events (a partner CPO's session update, its CDR, a command result)
wake the streams watching a driver's session at a partner or a command sent for it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from kilowatt.domain.events import (
    CdrIssued,
    CommandResultReceived,
    Event,
    PartnerCdrReceived,
    RoamingSessionChanged,
    TransactionEnded,
    TransactionMetered,
    TransactionStarted,
)
from kilowatt.domain.roaming_objects import ObjectKey

__all__ = [
    "Key",
    "LiveFeed",
    "partner_command_key",
    "partner_session_key",
    "partner_token_key",
]

_WAKING = (TransactionStarted, TransactionMetered, TransactionEnded, CdrIssued)

Key = tuple[str, str]  # what a stream waits on


def partner_session_key(key: ObjectKey) -> Key:
    """The key of a session a partner CPO sent us."""
    return _session_key(key.country_code, key.party_id, key.id)


def _session_key(country_code: str, party_id: str, session_id: str) -> Key:
    return ("partner-session", f"{country_code.upper()}/{party_id.upper()}/{session_id}")


def partner_token_key(token_uid: str) -> Key:
    """The key of any partner session charged with one of our drivers' tokens."""
    return ("partner-token", token_uid)


def partner_command_key(command_id: str) -> Key:
    """The key of a command we sent a partner CPO."""
    return ("partner-command", command_id)


def _keys(event: Event) -> list[Key]:
    if isinstance(event, _WAKING):
        return [(event.station_id, event.transaction_id)]
    if isinstance(event, RoamingSessionChanged):
        session = _session_key(event.country_code, event.party_id, event.session_id)
        return [session, partner_token_key(event.token_uid)]
    if isinstance(event, PartnerCdrReceived) and event.session_id is not None:
        session = _session_key(event.country_code, event.party_id, event.session_id)
        return [session, partner_token_key(event.token_uid)]
    if isinstance(event, CommandResultReceived):
        return [partner_command_key(event.command_id)]
    return []


class LiveFeed:
    """Subscribed to the event bus; each open stream waits on the keys of what it shows: a
    transaction's (station id, transaction id), or the ``partner_*_key`` values."""

    def __init__(self) -> None:
        self._waiting: dict[Key, set[asyncio.Event]] = {}

    async def on_event(self, event: Event) -> None:
        for key in _keys(event):
            for waiter in self._waiting.get(key, ()):
                waiter.set()

    @contextlib.contextmanager
    def listening(self, *keys: Key) -> Iterator[asyncio.Event]:
        """An asyncio.Event set when what any of ``keys`` names changes; clear it after a wait."""
        waiter = asyncio.Event()
        for key in keys:
            self._waiting.setdefault(key, set()).add(waiter)
        try:
            yield waiter
        finally:
            for key in keys:
                waiters = self._waiting[key]
                waiters.discard(waiter)
                if not waiters:
                    del self._waiting[key]
