"""eMSP Receiver: CDRs of our drivers' sessions at partner CPOs (POST; the Location header
names where the CPO can GET our copy)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from kilowatt.domain.roaming import OCPI_VERSION
from kilowatt.domain.roaming_objects import ObjectKey, ReceivedModule
from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import envelope, ok
from kilowatt.services import roaming_received as received

__all__ = ["router"]

router = APIRouter()


@router.post("/cdrs")
async def post_cdr(
    body: Annotated[dict[str, Any], Body(description="A CDR")],
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = await received.post_cdr(body, caller, backend.received, events=backend.ctx.events)
    url = f"{backend.base_url}/emsp/{OCPI_VERSION}/cdrs/{key.country_code}/{key.party_id}/{key.id}"
    return JSONResponse(envelope(None), 201, headers={"Location": url})


@router.get("/cdrs/{country_code}/{party_id}/{cdr_id}")
async def get_cdr(
    country_code: str, party_id: str, cdr_id: str, caller: RegisteredDep, backend: OcpiBackendDep
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, cdr_id)
    return ok(await received.get_object(ReceivedModule.CDRS, key, caller, backend.received))
