"""Charging stations: register, change, approve, remove; their live state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from kilowatt.api.deps import BackendDep, KnownStation, Limit, Offset
from kilowatt.api.schemas import (
    ConnectorStatusPublic,
    StationCreate,
    StationPublic,
    StationStatePublic,
    StationUpdate,
)
from kilowatt.services import registry

router = APIRouter(tags=["stations"])


@router.post("/stations", status_code=status.HTTP_201_CREATED)
async def create_station(body: StationCreate, backend: BackendDep) -> StationPublic:
    fields: dict[str, Any] = body.model_dump(exclude={"password", "evses"}, exclude_none=True)
    fields["evses"] = [evse.to_domain(body.id) for evse in body.evses]
    station = await registry.create_station(fields, body.password, backend.ctx)
    return StationPublic.of(station)


@router.get("/stations")
async def list_stations(
    backend: BackendDep,
    location_id: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[StationPublic]:
    found = await backend.queries.stations(location_id=location_id, limit=limit, offset=offset)
    return [StationPublic.of(station) for station in found]


@router.get("/stations/{station_id}")
async def get_station(station: KnownStation) -> StationPublic:
    return StationPublic.of(station)


@router.patch("/stations/{station_id}")
async def update_station(
    station_id: str, body: StationUpdate, backend: BackendDep
) -> StationPublic:
    changes: dict[str, Any] = body.model_dump(exclude={"password", "evses"}, exclude_unset=True)
    if body.evses is not None:
        changes["evses"] = [evse.to_domain(station_id) for evse in body.evses]
    station = await registry.update_station(
        station_id, changes, backend.ctx, password=body.password
    )
    return StationPublic.of(station)


@router.delete("/stations/{station_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_station(station_id: str, backend: BackendDep) -> None:
    await registry.delete_station(station_id, backend.ctx)


@router.get("/stations/{station_id}/state")
async def station_state(station: KnownStation, backend: BackendDep) -> StationStatePublic:
    statuses = await backend.queries.connector_statuses(station.id)
    return StationStatePublic(
        id=station.id,
        connected=backend.gateway.is_connected(station.id),
        registration_status=station.registration_status,
        ocpp_version=station.ocpp_version.value if station.ocpp_version else None,
        last_boot_at=station.last_boot_at,
        last_heartbeat_at=station.last_heartbeat_at,
        connectors=[ConnectorStatusPublic.of(report) for report in statuses],
        offline_since=await backend.queries.offline_since(station.id),
    )
