"""Reservations in the store; their ids come from ``id_allocations`` ("reservation_id")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from kilowatt.domain.reservations import Reservation, ReservationStatus
from kilowatt.store import tables
from kilowatt.store.remote_starts import next_sequence_value
from kilowatt.store.repositories import StoreContext, _Repository

__all__ = ["ReservationRepository", "reservation_from_row", "station_reservations"]

_FIELDS = (
    "id",
    "station_id",
    "evse_id",
    "id_token",
    "expires_at",
    "created_at",
    "authorization_reference",
)


class ReservationRepository(_Repository):
    async def next_id(self) -> int:
        return await next_sequence_value(self._context, "reservation_id")

    async def get(self, reservation_id: int) -> Reservation | None:
        t = tables.reservations
        row = await self._context.fetch_one(select(t).where(t.c.id == reservation_id))
        return reservation_from_row(row) if row else None

    async def active(self, station_id: str) -> Sequence[Reservation]:
        t = tables.reservations
        rows = await self._context.fetch_all(
            select(t).where(t.c.station_id == station_id, t.c.status == "ACTIVE")
        )
        return [reservation_from_row(row) for row in rows]

    async def evse_statuses(self, station_id: str) -> Mapping[int, Sequence[str]]:
        t = tables.connector_statuses
        rows = await self._context.fetch_all(
            select(t.c.evse_id, t.c.status).where(t.c.station_id == station_id, t.c.evse_id > 0)
        )
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(int(row["evse_id"]), []).append(str(row["status"]))
        return found

    def save(self, reservation: Reservation) -> None:
        row = {name: getattr(reservation, name) for name in _FIELDS}
        row |= {"status": reservation.status.value, "station_status": reservation.station_status}
        self._stage(self._sql.upsert(tables.reservations, row))


async def station_reservations(
    context: StoreContext, station_id: str, limit: int, offset: int
) -> list[Reservation]:
    t = tables.reservations
    statement = select(t).where(t.c.station_id == station_id).order_by(t.c.id.desc())
    rows = await context.fetch_all(statement.limit(limit).offset(offset))
    return [reservation_from_row(row) for row in rows]


def reservation_from_row(row: dict[str, Any]) -> Reservation:
    return Reservation(
        **{name: row[name] for name in _FIELDS},
        status=ReservationStatus(row["status"]),
        station_status=row["station_status"],
    )
