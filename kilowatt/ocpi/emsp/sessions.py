"""eMSP Receiver: Sessions of our drivers at partner CPOs (PUT, PATCH, GET of our copy)."""

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

_PATH = "/sessions/{country_code}/{party_id}/{session_id}"
SessionBody = Annotated[dict[str, Any], Body(description="A Session (PATCH: some fields)")]
_MODULE = ReceivedModule.SESSIONS


@router.get(_PATH)
async def get_session(
    country_code: str,
    party_id: str,
    session_id: str,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, session_id)
    return ok(await received.get_object(_MODULE, key, caller, backend.received))


@router.put(_PATH)
async def put_session(
    country_code: str,
    party_id: str,
    session_id: str,
    body: SessionBody,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, session_id)
    events = backend.ctx.events
    await received.put_object(_MODULE, key, body, caller, backend.received, events=events)
    return ok()


@router.patch(_PATH)
async def patch_session(
    country_code: str,
    party_id: str,
    session_id: str,
    body: SessionBody,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = ObjectKey(country_code, party_id, session_id)
    events = backend.ctx.events
    await received.patch_object(_MODULE, key, body, caller, backend.received, events=events)
    return ok()
