"""CPO Sender: Locations (list, one location, one EVSE, one connector)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kilowatt.domain.locations import Location
from kilowatt.ocpi.deps import OcpiBackend, OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import OcpiError, PagingDep, ok, page_response
from kilowatt.ocpi.mapping import SiteView, location_object
from kilowatt.ports import UpdatedWindow

__all__ = ["location_object_of", "published_locations", "router"]

router = APIRouter()


@router.get("/locations")
async def list_locations(
    request: Request, _: RegisteredDep, paging: PagingDep, backend: OcpiBackendDep
) -> JSONResponse:
    page = await backend.reads.published_locations(
        paging.window, limit=paging.limit, offset=paging.offset
    )
    items = [await _location(backend, location) for location in page.items]
    return page_response(request, paging, page, items)


@router.get("/locations/{location_id}")
async def get_location(location_id: str, _: RegisteredDep, backend: OcpiBackendDep) -> JSONResponse:
    return ok(await _known(backend, location_id))


@router.get("/locations/{location_id}/{evse_uid}")
async def get_evse(
    location_id: str, evse_uid: str, _: RegisteredDep, backend: OcpiBackendDep
) -> JSONResponse:
    return ok(_evse(await _known(backend, location_id), evse_uid))


@router.get("/locations/{location_id}/{evse_uid}/{connector_id}")
async def get_connector(
    location_id: str, evse_uid: str, connector_id: str, _: RegisteredDep, backend: OcpiBackendDep
) -> JSONResponse:
    evse = _evse(await _known(backend, location_id), evse_uid)
    found = (c for c in evse["connectors"] if c["id"] == connector_id)
    connector = next(found, None)
    if connector is None:
        raise OcpiError(404, 2003, f"no connector {connector_id} at EVSE {evse_uid}")
    return ok(connector)


async def _known(backend: OcpiBackend, location_id: str) -> dict[str, Any]:
    location = await backend.queries.location(location_id)
    if location is None or not location.publish:
        raise OcpiError(404, 2003, f"unknown location {location_id}")
    return await _location(backend, location)


def _evse(location: dict[str, Any], evse_uid: str) -> dict[str, Any]:
    evse = next((e for e in location["evses"] if e["uid"] == evse_uid), None)
    if evse is None:
        raise OcpiError(404, 2003, f"no EVSE {evse_uid} at location {location['id']}")
    return evse  # type: ignore[no-any-return]


async def _location(backend: OcpiBackend, location: Location) -> dict[str, Any]:
    stations = await backend.reads.location_stations(location.id)
    statuses = [r for s in stations for r in await backend.queries.connector_statuses(s.id)]
    site = SiteView(location, stations, statuses, backend.gateway.is_connected)
    return location_object(site, backend.party)


async def published_locations(backend: OcpiBackend) -> list[dict[str, Any]]:
    """Every published location as an OCPI object (what a new partner is sent)."""
    page = await backend.reads.published_locations(UpdatedWindow(), limit=100_000, offset=0)
    return [await _location(backend, location) for location in page.items]


async def location_object_of(backend: OcpiBackend, location_id: str) -> dict[str, Any] | None:
    """One location as pushed after an operator's change (``publish`` says whether partners
    may show it), None when it no longer exists."""
    location = await backend.queries.location(location_id)
    return None if location is None else await _location(backend, location)
