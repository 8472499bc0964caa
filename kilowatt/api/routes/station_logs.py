"""What a station said and when: status history, the OCPP message log and its reports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from kilowatt.api.deps import BackendDep, KnownStation, Limit, Offset
from kilowatt.api.schemas import ConnectorStatusPublic, OcppMessagePublic, StationReportPublic
from kilowatt.ports import MessageFilter

router = APIRouter(tags=["station logs"])


@router.get("/stations/{station_id}/status-history")
async def status_history(
    station: KnownStation, backend: BackendDep, limit: Limit = 100, offset: Offset = 0
) -> list[ConnectorStatusPublic]:
    """Every status a station reported, newest first."""
    found = await backend.queries.status_history(station.id, limit=limit, offset=offset)
    return [ConnectorStatusPublic.of(report) for report in found]


@router.get("/stations/{station_id}/messages")
async def messages(
    station: KnownStation,
    backend: BackendDep,
    action: str | None = None,
    direction: Literal["in", "out"] | None = None,
    errors_only: Annotated[bool, Query(description="Only CALLERRORs and failures")] = False,
    since: Annotated[AwareDatetime | None, Query(description="Received at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Received before")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[OcppMessagePublic]:
    """OCPP exchanges both ways, newest first; written shortly after they happen and kept
    for KILOWATT_MESSAGE_RETENTION_DAYS."""
    where = MessageFilter(action, direction, errors_only, since, until)
    found = await backend.queries.filtered_messages(station.id, where, limit=limit, offset=offset)
    return [OcppMessagePublic.of(exchange) for exchange in found]


@router.get("/stations/{station_id}/reports")
async def reports(
    station: KnownStation,
    backend: BackendDep,
    kind: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[StationReportPublic]:
    """NotifyEvent, NotifyReport, firmware and diagnostics status... as the station sent them."""
    found = await backend.queries.reports(station.id, kind=kind, limit=limit, offset=offset)
    return [StationReportPublic.of(report) for report in found]
