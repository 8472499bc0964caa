"""CPO Sender: Tariffs (our tariffs as OCPI Tariff objects)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import PagingDep, page_response

__all__ = ["router"]

router = APIRouter()


@router.get("/tariffs")
async def list_tariffs(
    request: Request, _: RegisteredDep, paging: PagingDep, backend: OcpiBackendDep
) -> JSONResponse:
    page = await backend.reads.tariff_page(paging.window, limit=paging.limit, offset=paging.offset)
    return page_response(request, paging, page, [o.tariff.to_ocpi() for o in page.items])
