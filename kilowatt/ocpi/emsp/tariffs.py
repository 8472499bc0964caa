"""eMSP Receiver: Tariffs of partner CPOs (PUT, DELETE, GET of our copy)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from kilowatt.domain.roaming_objects import ObjectKey, ReceivedModule
from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import ok
from kilowatt.services import roaming_received as received

__all__ = ["router"]

router = APIRouter()

_PATH = "/tariffs/{country_code}/{party_id}/{tariff_id}"
_MODULE = ReceivedModule.TARIFFS


@router.get(_PATH)
async def get_tariff(
    country_code: str, party_id: str, tariff_id: str, caller: RegisteredDep, backend: OcpiBackendDep
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, tariff_id)
    return ok(await received.get_object(_MODULE, key, caller, backend.received))


@router.put(_PATH)
async def put_tariff(
    country_code: str,
    party_id: str,
    tariff_id: str,
    body: Annotated[dict[str, Any], Body(description="A Tariff")],
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, tariff_id)
    await received.put_object(_MODULE, key, body, caller, backend.received)
    return ok()


@router.delete(_PATH)
async def delete_tariff(
    country_code: str, party_id: str, tariff_id: str, caller: RegisteredDep, backend: OcpiBackendDep
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, tariff_id)
    await received.delete_object(_MODULE, key, caller, backend.received)
    return ok()
