"""eMSP Receiver: Locations of partner CPOs (PUT and PATCH of a location, an EVSE or a
connector; GET of our copy)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from kilowatt.domain.roaming_objects import ObjectKey, ReceivedModule
from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import ok
from kilowatt.services import roaming_received as received
from kilowatt.services.roaming_received import ConnectorPath

__all__ = ["router"]

router = APIRouter()

_LOCATION = "/locations/{country_code}/{party_id}/{location_id}"
_EVSE = _LOCATION + "/{evse_uid}"
_CONNECTOR = _EVSE + "/{connector_id}"
LocationBody = Annotated[dict[str, Any], Body(description="A Location, EVSE or Connector")]
_MODULE = ReceivedModule.LOCATIONS


@router.get(_LOCATION)
@router.get(_EVSE)
@router.get(_CONNECTOR)
async def get_location(
    country_code: str,
    party_id: str,
    location_id: str,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
    evse_uid: str | None = None,
    connector_id: str | None = None,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, location_id)
    path = None if evse_uid is None else ConnectorPath(evse_uid, connector_id)
    return ok(await received.get_object(_MODULE, key, caller, backend.received, path))


@router.put(_LOCATION)
async def put_location(
    country_code: str,
    party_id: str,
    location_id: str,
    body: LocationBody,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, location_id)
    await received.put_object(_MODULE, key, body, caller, backend.received)
    return ok()


@router.put(_EVSE)
@router.put(_CONNECTOR)
async def put_location_part(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    body: LocationBody,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
    connector_id: str | None = None,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, location_id)
    path = ConnectorPath(evse_uid, connector_id)
    await received.put_location_part(key, path, body, caller, backend.received)
    return ok()


@router.patch(_LOCATION)
async def patch_location(
    country_code: str,
    party_id: str,
    location_id: str,
    body: LocationBody,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, location_id)
    await received.patch_object(_MODULE, key, body, caller, backend.received)
    return ok()


@router.patch(_EVSE)
@router.patch(_CONNECTOR)
async def patch_location_part(
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    body: LocationBody,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
    connector_id: str | None = None,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, location_id)
    path = ConnectorPath(evse_uid, connector_id)
    await received.patch_location(key, path, body, caller, backend.received)
    return ok()
