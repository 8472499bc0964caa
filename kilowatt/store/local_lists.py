"""Local authorization lists in the store: ``local_lists`` and ``local_list_entries``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from kilowatt.domain.local_lists import ListEntry, LocalList
from kilowatt.domain.tokens import IdToken
from kilowatt.store import mapping, tables
from kilowatt.store.repositories import StoreContext, _Repository

__all__ = ["LocalListRepository", "load_local_list"]


class LocalListRepository(_Repository):
    async def get(self, station_id: str) -> LocalList | None:
        return await load_local_list(self._context, station_id)

    def save(self, local_list: LocalList) -> None:
        row = {
            "station_id": local_list.station_id,
            "version": local_list.version,
            "last_status": local_list.last_status,
            "updated_at": local_list.updated_at,
            "pending": local_list.pending,
        }
        self._stage(self._sql.upsert(tables.local_lists, row))
        key = {"station_id": local_list.station_id}
        self._stage(self._sql.delete(tables.local_list_entries, key))
        for entry in local_list.entries.values():
            self._stage(self._sql.insert(tables.local_list_entries, key | _entry_row(entry)))

    async def stations_holding(self) -> Sequence[str]:
        t = tables.local_lists
        rows = await self._context.fetch_all(select(t.c.station_id).order_by(t.c.station_id))
        return [row["station_id"] for row in rows]

    async def tokens(self) -> Sequence[IdToken]:
        t = tables.id_tokens
        rows = await self._context.fetch_all(select(t).order_by(t.c.uid))
        return [mapping.token_from_row(row) for row in rows]


async def load_local_list(context: StoreContext, station_id: str) -> LocalList | None:
    t, e = tables.local_lists, tables.local_list_entries
    row = await context.fetch_one(select(t).where(t.c.station_id == station_id))
    if row is None:
        return None
    entries = await context.fetch_all(select(e).where(e.c.station_id == station_id))
    return LocalList(
        station_id=station_id,
        version=row["version"],
        entries={r["uid"]: _entry(r) for r in entries},
        last_status=row["last_status"],
        updated_at=row["updated_at"],
        pending=row["pending"],
    )


def _entry_row(entry: ListEntry) -> dict[str, Any]:
    return {
        "uid": entry.uid,
        "status": entry.status,
        "expires_at": entry.expires_at,
        "token_type": entry.token_type,
    }


def _entry(row: dict[str, Any]) -> ListEntry:
    return ListEntry(row["uid"], row["status"], row["expires_at"], row["token_type"])
