"""CPO Receiver: Tokens (an eMSP's tokens stored as ours, under its country code and party)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import ok
from kilowatt.services import roaming_tokens
from kilowatt.services.roaming_tokens import TokenKey

__all__ = ["router"]

router = APIRouter()

_PATH = "/tokens/{country_code}/{party_id}/{token_uid}"
TokenBody = Annotated[dict[str, Any], Body(description="An OCPI Token object (PATCH: some fields)")]


@router.get(_PATH)
async def get_token(
    country_code: str, party_id: str, token_uid: str, caller: RegisteredDep, backend: OcpiBackendDep
) -> JSONResponse:
    key = TokenKey(country_code, party_id, token_uid)
    return ok(await roaming_tokens.get_token(key, caller, backend.ctx.uow))


@router.put(_PATH)
async def put_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    body: TokenBody,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = TokenKey(country_code, party_id, token_uid)
    await roaming_tokens.put_token(key, body, caller, backend.ctx.uow, backend.ctx.clock.now())
    return ok()


@router.patch(_PATH)
async def patch_token(
    country_code: str,
    party_id: str,
    token_uid: str,
    body: TokenBody,
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    key = TokenKey(country_code, party_id, token_uid)
    await roaming_tokens.patch_token(key, body, caller, backend.ctx.uow, backend.ctx.clock.now())
    return ok()
