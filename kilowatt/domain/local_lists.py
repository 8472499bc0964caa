"""Local authorization lists: the tokens a station may accept without asking us, versioned.

``LocalList`` is what we know a station holds (its version and entries). Updates are computed
from the tokens in the store: a full update replaces the station's list, a differential one
adds, changes or removes entries. The station's answer decides whether the list moves on::

    update = held.full_update([entry_for(token, token.uid, now) for token in tokens], None)
    held.applied(update, "Accepted", now)   # held.version == update.version
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kilowatt.domain.tokens import IdToken, WhitelistType, decide

__all__ = ["ListEntry", "ListUpdate", "LocalList", "entry_for"]


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One token in a station's list; ``status`` None: not in the list (removed)."""

    uid: str
    status: str | None  # AuthorizationStatus value
    expires_at: datetime | None = None
    token_type: str = "RFID"


@dataclass(frozen=True, slots=True)
class ListUpdate:
    version: int  # what the station's list is after the update
    full: bool
    entries: tuple[ListEntry, ...]


def entry_for(token: IdToken | None, uid: str, now: datetime) -> ListEntry:
    """What a local list should say of a token: its decision, or nothing when the token is
    gone or may never be whitelisted."""
    if token is None or token.whitelist is WhitelistType.NEVER:
        return ListEntry(uid, None)
    decision = decide(token, now)
    return ListEntry(uid, decision.status.value, token.expires_at, token.type.value)


@dataclass(slots=True)
class LocalList:
    """A station's local list as we know it: ``pending`` when it may be behind the store (an
    update failed or the station was offline) and the next update must be a full one."""

    station_id: str
    version: int = 0
    entries: dict[str, ListEntry] = field(default_factory=dict)
    last_status: str | None = None
    updated_at: datetime | None = None
    pending: bool = False

    def full_update(self, wanted: Iterable[ListEntry], max_entries: int | None) -> ListUpdate:
        """Everything listable, by uid, at most ``max_entries`` (the station's capacity)."""
        listed = sorted((e for e in wanted if e.status is not None), key=lambda e: e.uid)
        return ListUpdate(self.version + 1, True, tuple(listed[:max_entries]))

    def differential(self, changes: Sequence[ListEntry]) -> ListUpdate | None:
        """The changes the station does not hold yet; None when there are none."""
        news = tuple(c for c in changes if self.entries.get(c.uid) != _held(c))
        return ListUpdate(self.version + 1, False, news) if news else None

    def applied(self, update: ListUpdate, status: str, now: datetime) -> None:
        """The station answered ``status`` to ``update`` (all of its messages)."""
        self.last_status, self.updated_at = status, now
        if status != "Accepted":
            self.pending = True
            return
        if update.full:
            self.entries = {}
        for entry in update.entries:
            if entry.status is None:
                self.entries.pop(entry.uid, None)
            else:
                self.entries[entry.uid] = entry
        self.version, self.pending = update.version, False


def _held(change: ListEntry) -> ListEntry | None:
    return None if change.status is None else change
