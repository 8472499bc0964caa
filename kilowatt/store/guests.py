"""Ad hoc guests in the store (issue 7): one row per guest session, found by its secret's
digest, by id (a payment's driver_id) or by the token made for it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kilowatt.domain.guests import Guest
from kilowatt.store import tables
from kilowatt.store.repositories import _Repository

__all__ = ["GuestRepository"]

_FIELDS = tuple(Guest.__dataclass_fields__)


class GuestRepository(_Repository):
    async def get(self, guest_id: str) -> Guest | None:
        return await self._guest(tables.guests.c.id == guest_id)

    async def by_secret(self, digest: str) -> Guest | None:
        return await self._guest(tables.guests.c.secret_digest == digest)

    async def by_token(self, uid: str) -> Guest | None:
        return await self._guest(tables.guests.c.token_uid == uid)

    async def _guest(self, condition: Any) -> Guest | None:
        row = await self._context.fetch_one(select(tables.guests).where(condition))
        return Guest(**row) if row else None

    def save(self, guest: Guest) -> None:
        row = {name: getattr(guest, name) for name in _FIELDS}
        self._stage(self._sql.upsert(tables.guests, row))
