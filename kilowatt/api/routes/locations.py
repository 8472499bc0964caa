"""Locations: the sites stations stand at (OCPI Locations)."""

from __future__ import annotations

from fastapi import APIRouter, status

from kilowatt.api.deps import BackendDep, Limit, Offset
from kilowatt.api.schemas import LocationCreate, LocationPublic, LocationUpdate, StationPublic
from kilowatt.domain.errors import NotFound
from kilowatt.domain.locations import Location
from kilowatt.services import registry

router = APIRouter(tags=["locations"])

_ALL_STATIONS = 100_000  # far more than a site holds


@router.post("/locations", status_code=status.HTTP_201_CREATED)
async def create_location(body: LocationCreate, backend: BackendDep) -> LocationPublic:
    location = await registry.create_location(body.domain_fields(), backend.ctx)
    return LocationPublic.of(location)


@router.get("/locations")
async def list_locations(
    backend: BackendDep, limit: Limit = 100, offset: Offset = 0
) -> list[LocationPublic]:
    found = await backend.queries.locations(limit=limit, offset=offset)
    return [LocationPublic.of(location) for location in found]


async def _location(location_id: str, backend: BackendDep) -> Location:
    location = await backend.queries.location(location_id)
    if location is None:
        raise NotFound(f"no location {location_id}")
    return location


@router.get("/locations/{location_id}")
async def get_location(location_id: str, backend: BackendDep) -> LocationPublic:
    return LocationPublic.of(await _location(location_id, backend))


@router.patch("/locations/{location_id}")
async def update_location(
    location_id: str, body: LocationUpdate, backend: BackendDep
) -> LocationPublic:
    location = await registry.update_location(location_id, body.domain_fields(), backend.ctx)
    return LocationPublic.of(location)


@router.delete("/locations/{location_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_location(location_id: str, backend: BackendDep) -> None:
    """Remove a location; its stations stay registered, at no location."""
    stations = await backend.queries.stations(
        location_id=location_id, limit=_ALL_STATIONS, offset=0
    )
    await registry.delete_location(
        location_id, backend.ctx, station_ids=[station.id for station in stations]
    )


@router.get("/locations/{location_id}/stations")
async def location_stations(
    location_id: str, backend: BackendDep, limit: Limit = 100, offset: Offset = 0
) -> list[StationPublic]:
    await _location(location_id, backend)
    found = await backend.queries.stations(location_id=location_id, limit=limit, offset=offset)
    return [StationPublic.of(station) for station in found]
