"""Live sessions (OCPI Session objects) and charge detail records (OCPI CDR objects)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response, status

from kilowatt.api.deps import BackendDep, Limit, Offset
from kilowatt.api.schemas.cdrs import CdrCorrection, CdrCorrectionPublic
from kilowatt.domain.errors import NotFound
from kilowatt.ports import CdrFilter
from kilowatt.services import billing

router = APIRouter(tags=["sessions and CDRs"])


@router.get("/sessions")
async def list_sessions(
    backend: BackendDep,
    station_id: str | None = None,
    status: Literal["ACTIVE", "COMPLETED"] | None = None,
    id_token: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Sessions with their cost so far (ACTIVE) or as billed (COMPLETED), newest first."""
    found = await backend.queries.transactions(
        station_id=station_id, status=status, id_token=id_token, limit=limit, offset=offset
    )
    return [
        await billing.session_object(t.station_id, t.transaction_id, backend.ctx) for t in found
    ]


@router.get("/sessions/{session_id}")
async def get_session_by_id(session_id: str, backend: BackendDep) -> dict[str, Any]:
    """A session by its OCPI id (the transaction's ``session_id``)."""
    async with backend.ctx.uow() as uow:
        transaction = await uow.transactions.by_pk(session_id)
    if transaction is None:
        raise NotFound(f"no session {session_id}")
    return await billing.session_object(
        transaction.station_id, transaction.transaction_id, backend.ctx
    )


@router.get("/stations/{station_id}/transactions/{transaction_id}/session")
async def get_session(station_id: str, transaction_id: str, backend: BackendDep) -> dict[str, Any]:
    return await billing.session_object(station_id, transaction_id, backend.ctx)


@router.post(
    "/stations/{station_id}/transactions/{transaction_id}/cdr",
    status_code=status.HTTP_200_OK,
)
async def issue_cdr(station_id: str, transaction_id: str, backend: BackendDep) -> dict[str, Any]:
    """The finished transaction's CDR, issued now if it has none yet (idempotent)."""
    record = await billing.issue_cdr(station_id, transaction_id, backend.ctx)
    return dict(record.body)


def _cdr_filter(
    station_id: str | None = None,
    location_id: str | None = None,
    id_token: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> CdrFilter:
    """``date_from`` (inclusive) and ``date_to`` (exclusive) bound the session's end."""
    return CdrFilter(station_id, location_id, id_token, None, date_from, date_to)


CdrWhere = Annotated[CdrFilter, Depends(_cdr_filter)]


@router.get("/cdrs")
async def list_cdrs(
    backend: BackendDep, where: CdrWhere, limit: Limit = 100, offset: Offset = 0
) -> list[dict[str, Any]]:
    found = await backend.queries.cdrs(where, limit=limit, offset=offset)
    return [dict(record.body) for record in found]


_CSV_COLUMNS = (
    "id",
    "credit",
    "credit_reference_id",
    "session_id",
    "station_id",
    "location_id",
    "evse_id",
    "connector_id",
    "token_uid",
    "contract_id",
    "start_date_time",
    "end_date_time",
    "total_energy_kwh",
    "total_time_hours",
    "total_parking_time_hours",
    "currency",
    "total_cost_excl_vat",
    "total_cost_incl_vat",
    "tariff_ids",
    "remark",
)


@router.get("/cdrs.csv", response_class=Response)
async def export_cdrs(
    backend: BackendDep, where: CdrWhere, limit: Limit = 1000, offset: Offset = 0
) -> Response:
    """The same CDRs as ``GET /cdrs``, one line each, for accounting."""
    found = await backend.queries.cdrs(where, limit=limit, offset=offset)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for record in found:
        writer.writerow(_csv_line(record.body, record.station_id))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cdrs.csv"'},
    )


def _csv_line(cdr: Any, station_id: str) -> list[object]:
    location, token, cost = cdr["cdr_location"], cdr["cdr_token"], cdr["total_cost"]
    return [
        cdr["id"],
        "true" if cdr.get("credit") else "false",
        cdr.get("credit_reference_id", ""),
        cdr.get("session_id", ""),
        station_id,
        location["id"],
        location["evse_id"],
        location["connector_id"],
        token["uid"],
        token["contract_id"],
        cdr["start_date_time"],
        cdr["end_date_time"],
        cdr["total_energy"],
        cdr["total_time"],
        cdr.get("total_parking_time", 0),
        cdr["currency"],
        cost["excl_vat"],
        cost.get("incl_vat", ""),
        " ".join(tariff["id"] for tariff in cdr.get("tariffs", [])),
        cdr.get("remark", ""),
    ]


@router.get("/cdrs/{cdr_id}")
async def get_cdr(cdr_id: str, backend: BackendDep) -> dict[str, Any]:
    record = await backend.queries.cdr(cdr_id)
    if record is None:
        raise NotFound(f"no CDR {cdr_id}")
    return dict(record.body)


@router.post("/cdrs/{cdr_id}/corrections", status_code=status.HTTP_201_CREATED)
async def correct_cdr(cdr_id: str, body: CdrCorrection, backend: BackendDep) -> CdrCorrectionPublic:
    """Credit the CDR and issue a new one, priced again (under ``tariff_id`` if given)."""
    credit, new = await billing.correct_cdr(
        cdr_id, backend.ctx, tariff_id=body.tariff_id, remark=body.remark
    )
    return CdrCorrectionPublic(credit=dict(credit.body), cdr=dict(new.body))
