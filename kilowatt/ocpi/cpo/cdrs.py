"""CPO Sender: CDRs (stored as OCPI CDR objects when issued; credit CDRs included)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import PagingDep, page_response

__all__ = ["router"]

router = APIRouter()


@router.get("/cdrs")
async def list_cdrs(
    request: Request, _: RegisteredDep, paging: PagingDep, backend: OcpiBackendDep
) -> JSONResponse:
    page = await backend.reads.cdr_bodies(paging.window, limit=paging.limit, offset=paging.offset)
    return page_response(request, paging, page, [dict(body) for body in page.items])
