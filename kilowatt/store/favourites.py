"""The driver app's favourites (issue 7): locations each driver starred, ours and partner
CPOs' (received) ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from kilowatt.domain.roaming_objects import ObjectKey
from kilowatt.store import tables
from kilowatt.store.committer import GroupCommitter
from kilowatt.store.repositories import StoreContext

__all__ = ["SqlFavourites", "SqlPartnerFavourites"]


class SqlFavourites:
    """ports.Favourites: each write is committed (through the group committer) at once."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def of(self, driver_id: str) -> Sequence[str]:
        t = tables.driver_favourites
        statement = select(t.c.location_id).where(t.c.driver_id == driver_id)
        rows = await self._context.fetch_all(statement.order_by(t.c.created_at, t.c.location_id))
        return [row["location_id"] for row in rows]

    async def star(self, driver_id: str, location_id: str, at: datetime) -> None:
        row = {"driver_id": driver_id, "location_id": location_id, "created_at": at}
        write = self._context.statements.insert_ignore(tables.driver_favourites, row)
        await self._committer.commit([write])

    async def unstar(self, driver_id: str, location_id: str) -> None:
        key = {"driver_id": driver_id, "location_id": location_id}
        await self._committer.commit(
            [self._context.statements.delete(tables.driver_favourites, key)]
        )


class SqlPartnerFavourites:
    """ports.PartnerFavourites: partner CPOs' locations each driver starred, committed at once."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def of(self, driver_id: str) -> Sequence[ObjectKey]:
        t = tables.driver_partner_favourites
        statement = select(t).where(t.c.driver_id == driver_id)
        order = (t.c.created_at, t.c.country_code, t.c.party_id, t.c.location_id)
        rows = await self._context.fetch_all(statement.order_by(*order))
        return [ObjectKey(r["country_code"], r["party_id"], r["location_id"]) for r in rows]

    async def star(self, driver_id: str, location: ObjectKey, at: datetime) -> None:
        row = _key(driver_id, location) | {"created_at": at}
        write = self._context.statements.insert_ignore(tables.driver_partner_favourites, row)
        await self._committer.commit([write])

    async def unstar(self, driver_id: str, location: ObjectKey) -> None:
        key = _key(driver_id, location)
        await self._committer.commit(
            [self._context.statements.delete(tables.driver_partner_favourites, key)]
        )


def _key(driver_id: str, location: ObjectKey) -> dict[str, str]:
    return {
        "driver_id": driver_id,
        "country_code": location.country_code,
        "party_id": location.party_id,
        "location_id": location.id,
    }
