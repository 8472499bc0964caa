"""The device model in the store: rows of ``device_variables`` ↔ ``DeviceVariable``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from kilowatt.domain.device_model import DeviceVariable, StationSelector, VariableRef
from kilowatt.store import tables
from kilowatt.store.repositories import StoreContext, _Repository

__all__ = ["DeviceModelRepository", "select_variables", "variable_from_row"]


class DeviceModelRepository(_Repository):
    async def variables(
        self, station_id: str, *, component: str | None = None, variable: str | None = None
    ) -> Sequence[DeviceVariable]:
        rows = await self._context.fetch_all(select_variables(station_id, component, variable))
        return [variable_from_row(row) for row in rows]

    def save(self, station_id: str, variables: Sequence[DeviceVariable]) -> None:
        for found in variables:
            self._stage(self._sql.upsert(tables.device_variables, _row(station_id, found)))

    async def stations_matching(self, selector: StationSelector) -> Sequence[str]:
        return await stations_matching(self._context, selector)


def select_variables(station_id: str, component: str | None, variable: str | None) -> Select[Any]:
    t = tables.device_variables
    statement = select(t).where(t.c.station_id == station_id)
    if component is not None:
        statement = statement.where(t.c.component == component)
    if variable is not None:
        statement = statement.where(t.c.variable == variable)
    return statement.order_by(t.c.variable_key)


async def stations_matching(context: StoreContext, selector: StationSelector) -> list[str]:
    t = tables.charging_stations
    statement = select(t.c.id).order_by(t.c.id)
    for column, value in (
        (t.c.location_id, selector.location_id),
        (t.c.model, selector.model),
        (t.c.vendor, selector.vendor),
    ):
        if value is not None:
            statement = statement.where(column == value)
    return [row["id"] for row in await context.fetch_all(statement)]


def _row(station_id: str, found: DeviceVariable) -> dict[str, Any]:
    ref = found.ref
    return {
        "station_id": station_id,
        "variable_key": ref.key[:255],
        "component": ref.component,
        "component_instance": ref.component_instance,
        "evse_id": ref.evse_id,
        "connector_id": ref.connector_id,
        "variable": ref.variable,
        "variable_instance": ref.variable_instance,
        "attribute_type": ref.attribute_type,
        "value": found.value,
        "mutability": found.mutability,
        "characteristics": dict(found.characteristics) if found.characteristics else None,
        "source": found.source,
        "updated_at": found.updated_at,
    }


def variable_from_row(row: dict[str, Any]) -> DeviceVariable:
    ref = VariableRef(
        component=row["component"],
        variable=row["variable"],
        component_instance=row["component_instance"],
        evse_id=row["evse_id"],
        connector_id=row["connector_id"],
        variable_instance=row["variable_instance"],
        attribute_type=row["attribute_type"],
    )
    return DeviceVariable(
        ref=ref,
        value=row["value"],
        mutability=row["mutability"],
        updated_at=row["updated_at"],
        source=row["source"],
        characteristics=row["characteristics"],
    )
