"""eMSP Sender: Tokens (our drivers' cards and app tokens, paged) and real-time authorization."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import PagingDep, ok, page_response
from kilowatt.services import roaming_driver_tokens as driver_tokens

__all__ = ["router"]

router = APIRouter()


@router.get("/tokens")
async def list_tokens(
    request: Request, paging: PagingDep, _: RegisteredDep, backend: OcpiBackendDep
) -> JSONResponse:
    page = await driver_tokens.driver_token_page(
        backend.reads, paging.window, limit=paging.limit, offset=paging.offset
    )
    return page_response(request, paging, page, page.items)


@router.post("/tokens/{token_uid}/authorize")
async def authorize(
    token_uid: str,
    _: RegisteredDep,
    backend: OcpiBackendDep,
    body: Annotated[dict[str, Any] | None, Body(description="LocationReferences")] = None,
    token_type: Annotated[str | None, Query(alias="type")] = None,
) -> JSONResponse:
    info = await driver_tokens.authorization_info(
        token_uid, token_type, body, backend.reads, backend.ctx.clock.now()
    )
    return ok(info)
