"""CPO Sender: Sessions (our transactions as OCPI Session objects, with their cost so far)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import PagingDep, page_response
from kilowatt.services import billing

__all__ = ["router"]

router = APIRouter()


@router.get("/sessions")
async def list_sessions(
    request: Request, _: RegisteredDep, paging: PagingDep, backend: OcpiBackendDep
) -> JSONResponse:
    page = await backend.reads.session_keys(paging.window, limit=paging.limit, offset=paging.offset)
    items = [await billing.session_object(s, t, backend.ctx) for s, t in page.items]
    return page_response(request, paging, page, items)
