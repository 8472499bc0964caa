"""The device model: OCPP 1.6 configuration keys and 2.0.1 variables, stored and live."""

from __future__ import annotations

from fastapi import APIRouter

from kilowatt.api.deps import BackendDep, KnownStation, Limit, Offset
from kilowatt.api.schemas.device_model import (
    BulkSetting,
    RefreshPublic,
    ReportIn,
    ReportPublic,
    SetOutcomePublic,
    SettingsIn,
    StationOutcomePublic,
    VariablePublic,
    VariablesIn,
)
from kilowatt.services import device_model, device_reports

router = APIRouter(tags=["device model"])


@router.get("/stations/{station_id}/configuration")
async def stored(
    station: KnownStation,
    backend: BackendDep,
    component: str | None = None,
    variable: str | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[VariablePublic]:
    """What the station last reported (1.6 keys have component ``""``), by key."""
    found = await backend.queries.device_model(
        station.id, component=component, variable=variable, limit=limit, offset=offset
    )
    return [VariablePublic.of(value) for value in found]


@router.post("/stations/{station_id}/configuration/refresh")
async def refresh(station: KnownStation, backend: BackendDep) -> RefreshPublic:
    """1.6: GetConfiguration, stored at once; 2.0.1: GetBaseReport FullInventory, whose
    NotifyReport pages are stored as they arrive."""
    done = await device_model.refresh(
        station.id, backend.ctx, backend.gateway, timeout_s=backend.call_timeout_s
    )
    return RefreshPublic.of(done)


@router.post("/stations/{station_id}/configuration/report")
async def report(station: KnownStation, body: ReportIn, backend: BackendDep) -> ReportPublic:
    """2.0.1 GetReport for these components/variables, split as the station advertises (one
    requestId per part); the NotifyReport pages of every part are stored as they arrive."""
    done = await device_reports.report(
        station.id,
        [item.to_criterion() for item in body.variables],
        backend.ctx,
        backend.gateway,
        timeout_s=backend.call_timeout_s,
        component_criteria=body.component_criteria,
    )
    return ReportPublic.of(done)


@router.post("/stations/{station_id}/configuration/read")
async def read(
    station: KnownStation, body: VariablesIn, backend: BackendDep
) -> list[VariablePublic]:
    """Ask the station for these values now (GetConfiguration / GetVariables, split as it
    advertises); the accepted ones are stored and returned."""
    refs = [item.to_ref() for item in body.variables]
    found = await device_model.read(
        station.id, refs, backend.ctx, backend.gateway, timeout_s=backend.call_timeout_s
    )
    return [VariablePublic.of(value) for value in found]


@router.put("/stations/{station_id}/configuration")
async def change(
    station: KnownStation, body: SettingsIn, backend: BackendDep
) -> list[SetOutcomePublic]:
    """ChangeConfiguration (1.6, one per key) or SetVariables (2.0.1, split); each value with
    the station's status. Accepted and RebootRequired values are stored."""
    settings = [item.to_setting() for item in body.values]
    outcomes = await device_model.set_values(
        station.id, settings, backend.ctx, backend.gateway, timeout_s=backend.call_timeout_s
    )
    return [SetOutcomePublic.of(outcome) for outcome in outcomes]


@router.post("/configuration/bulk")
async def bulk(body: BulkSetting, backend: BackendDep) -> list[StationOutcomePublic]:
    """Set one value on every station of a location, model or vendor; one result per station
    (Offline, Timeout, Refused or Failed when it could not answer)."""
    outcomes = await device_model.bulk_set(
        body.selector.to_selector(),
        body.to_setting(),
        backend.ctx,
        backend.gateway,
        timeout_s=backend.call_timeout_s,
    )
    return [StationOutcomePublic.of(outcome) for outcome in outcomes]
