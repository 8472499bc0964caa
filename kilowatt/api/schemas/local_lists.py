"""A station's local authorization list over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel

from kilowatt.domain.local_lists import LocalList

__all__ = ["LocalListPublic"]


class LocalListPublic(BaseModel):
    """What the station holds as far as we know; ``pending``: it may be behind the store and
    gets a full update when it is next online."""

    station_id: str
    version: int
    entries: int
    last_status: str | None
    updated_at: datetime | None
    pending: bool

    @classmethod
    def of(cls, held: LocalList) -> Self:
        return cls(
            station_id=held.station_id,
            version=held.version,
            entries=len(held.entries),
            last_status=held.last_status,
            updated_at=held.updated_at,
            pending=held.pending,
        )
