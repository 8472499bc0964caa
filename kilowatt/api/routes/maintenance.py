"""Firmware updates and diagnostics uploads, and how they went as the station reported."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kilowatt.api.deps import Backend, BackendDep, KnownStation, Limit
from kilowatt.api.schemas.maintenance import (
    FirmwareUpdateIn,
    OperationStatePublic,
    ReportedStatus,
    UploadIn,
)
from kilowatt.ports import StationReport
from kilowatt.services import device_model, remote_control
from kilowatt.services.maintenance import (
    DIAGNOSTICS_REPORTS,
    FIRMWARE_REPORTS,
    UpdateFirmware,
    UploadDiagnostics,
)

router = APIRouter(tags=["maintenance"])


@router.post("/stations/{station_id}/firmware")
async def update_firmware(
    station: KnownStation, body: FirmwareUpdateIn, backend: BackendDep
) -> dict[str, Any]:
    """UpdateFirmware; the answer (2.0.1: a status) with the ``requestId`` its reports carry."""
    request_id = await device_model.next_request_id(backend.ctx)
    retrieve_at = body.retrieve_at or backend.ctx.clock.now()
    request = UpdateFirmware(body.location, retrieve_at, request_id)
    answer = await remote_control.send(
        station.id, request, backend.ctx, backend.gateway, timeout_s=backend.call_timeout_s
    )
    return answer | {"requestId": request_id}


@router.get("/stations/{station_id}/firmware")
async def firmware(
    station: KnownStation, backend: BackendDep, limit: Limit = 100
) -> OperationStatePublic:
    """FirmwareStatusNotifications, newest first."""
    return await _state(station.id, FIRMWARE_REPORTS, backend, limit)


@router.post("/stations/{station_id}/diagnostics")
async def upload_diagnostics(
    station: KnownStation, body: UploadIn, backend: BackendDep
) -> dict[str, Any]:
    """GetDiagnostics (1.6: answers the file name) or GetLog DiagnosticsLog (2.0.1)."""
    request_id = await device_model.next_request_id(backend.ctx)
    answer = await remote_control.send(
        station.id,
        UploadDiagnostics(body.location, request_id),
        backend.ctx,
        backend.gateway,
        timeout_s=backend.call_timeout_s,
    )
    return answer | {"requestId": request_id}


@router.get("/stations/{station_id}/diagnostics")
async def diagnostics(
    station: KnownStation, backend: BackendDep, limit: Limit = 100
) -> OperationStatePublic:
    """DiagnosticsStatusNotifications (1.6) and LogStatusNotifications (2.0.1), newest first."""
    return await _state(station.id, DIAGNOSTICS_REPORTS, backend, limit)


async def _state(
    station_id: str, kinds: tuple[str, ...], backend: Backend, limit: int
) -> OperationStatePublic:
    reports: list[StationReport] = []
    for kind in kinds:
        reports += await backend.queries.reports(station_id, kind=kind, limit=limit, offset=0)
    reports.sort(key=lambda report: report.reported_at, reverse=True)
    history = [ReportedStatus.of(report) for report in reports[:limit]]
    return OperationStatePublic(status=history[0].status if history else None, history=history)
