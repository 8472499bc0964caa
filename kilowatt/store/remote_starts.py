"""Remote starts in the store; their ids come from ``id_allocations`` ("remote_start_id")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, update

from kilowatt.domain.remote_starts import RemoteStartRecord
from kilowatt.store import tables
from kilowatt.store.repositories import StoreContext, _Repository

__all__ = [
    "RemoteStartRepository",
    "RequestIdSequence",
    "find_remote_start",
    "next_sequence_value",
]

_FIELDS = (
    "id",
    "station_id",
    "evse_id",
    "id_token",
    "requested_at",
    "station_status",
    "transaction_id",
    "authorization_reference",
)


class RequestIdSequence(_Repository):
    """OCPP ``requestId`` values from ``id_allocations`` ("request_id"), one per request."""

    async def next(self) -> int:
        return await next_sequence_value(self._context, "request_id")


class RemoteStartRepository(_Repository):
    async def next_id(self) -> int:
        return await next_sequence_value(self._context, "remote_start_id")

    async def get(self, station_id: str, remote_start_id: int) -> RemoteStartRecord | None:
        t = tables.remote_starts
        row = await self._context.fetch_one(
            select(t).where(t.c.id == remote_start_id, t.c.station_id == station_id)
        )
        return _record(row) if row else None

    async def unlinked(self, station_id: str) -> Sequence[RemoteStartRecord]:
        t = tables.remote_starts
        statement = select(t).where(
            t.c.station_id == station_id,
            t.c.transaction_id.is_(None),
            t.c.station_status.in_(("Requested", "Accepted")),
        )
        rows = await self._context.fetch_all(statement.order_by(t.c.requested_at, t.c.id))
        return [_record(row) for row in rows]

    def save(self, record: RemoteStartRecord) -> None:
        row = {name: getattr(record, name) for name in _FIELDS}
        self._stage(self._sql.upsert(tables.remote_starts, row))


async def find_remote_start(
    context: StoreContext, station_id: str, transaction_id: str, remote_start_id: int | None
) -> RemoteStartRecord | None:
    t = tables.remote_starts
    linked = t.c.transaction_id == transaction_id
    named = linked if remote_start_id is None else or_(linked, t.c.id == remote_start_id)
    row = await context.fetch_one(select(t).where(t.c.station_id == station_id, named))
    return _record(row) if row else None


async def next_sequence_value(context: StoreContext, name: str) -> int:
    """The next value of a named sequence in ``id_allocations``, in its own transaction."""
    t = tables.id_allocations
    async with context.engine.begin() as connection:
        result = await connection.execute(
            update(t)
            .where(t.c.name == name)
            .values(next_value=t.c.next_value + 1)
            .returning(t.c.next_value)
        )
        return int(result.scalar_one()) - 1


def _record(row: dict[str, Any]) -> RemoteStartRecord:
    return RemoteStartRecord(**{name: row[name] for name in _FIELDS})
