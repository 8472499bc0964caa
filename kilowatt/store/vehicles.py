"""Drivers' vehicles in the store: one row per vehicle, its connector types a JSON list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from kilowatt.domain.vehicles import Vehicle, VehicleDetails, connector_standards_of
from kilowatt.store import tables
from kilowatt.store.repositories import _Repository

__all__ = ["VehicleRepository"]

_DETAIL_FIELDS = tuple(VehicleDetails.__dataclass_fields__)


class VehicleRepository(_Repository):
    async def of(self, driver_id: str) -> Sequence[Vehicle]:
        t = tables.vehicles
        statement = select(t).where(t.c.driver_id == driver_id).order_by(t.c.created_at, t.c.id)
        return [_vehicle(row) for row in await self._context.fetch_all(statement)]

    def save(self, vehicle: Vehicle) -> None:
        self._stage(self._sql.upsert(tables.vehicles, _row(vehicle)))

    def remove(self, vehicle_id: str) -> None:
        self._stage(self._sql.delete(tables.vehicles, {"id": vehicle_id}))


def _row(vehicle: Vehicle) -> dict[str, Any]:
    details = {name: getattr(vehicle.details, name) for name in _DETAIL_FIELDS}
    details["connector_standards"] = [s.value for s in vehicle.details.connector_standards]
    return details | {
        "id": vehicle.id,
        "driver_id": vehicle.driver_id,
        "is_default": vehicle.is_default,
        "created_at": vehicle.created_at,
        "updated_at": vehicle.updated_at,
    }


def _vehicle(row: dict[str, Any]) -> Vehicle:
    details = {name: row[name] for name in _DETAIL_FIELDS}
    details["connector_standards"] = connector_standards_of(row["connector_standards"])
    return Vehicle(
        id=row["id"],
        driver_id=row["driver_id"],
        details=VehicleDetails(**details),
        is_default=bool(row["is_default"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
