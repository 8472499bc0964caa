"""Availability (uptime) over a period, and the announced maintenance excluded from it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from kilowatt.api.deps import BackendDep, Principal
from kilowatt.api.schemas import (
    AvailabilityPublic,
    EvseAvailabilityPublic,
    MaintenanceCreate,
    MaintenancePublic,
    MaintenanceUpdate,
    UptimePublic,
)
from kilowatt.domain.availability import Period
from kilowatt.services import availability

router = APIRouter(tags=["availability"])

From = Annotated[AwareDatetime, Query(alias="from", description="Start (inclusive), with zone")]
To = Annotated[AwareDatetime, Query(alias="to", description="End (exclusive), with zone")]


@router.get("/availability")
async def get_availability(
    backend: BackendDep,
    period_from: From,
    period_to: To,
    location_id: str | None = None,
    station_id: str | None = None,
    evse_id: int | None = None,
) -> AvailabilityPublic:
    """Uptime of one EVSE (station_id + evse_id), a station, a location or the fleet, judged
    from the status history: see kilowatt/domain/availability.py for the rule (AFIR)."""
    scope = availability.Scope(location_id, station_id, evse_id)
    period = Period(period_from, period_to)
    now = backend.ctx.clock.now()
    found = await availability.report(scope, period, backend.queries, now)
    return AvailabilityPublic(
        period_from=period.start,
        period_to=period.end,
        evses=[EvseAvailabilityPublic.of_evse(ref, uptime) for ref, uptime in found.evses],
        **UptimePublic.of(found.total).model_dump(),
    )


@router.post("/maintenance-windows", status_code=status.HTTP_201_CREATED)
async def announce_maintenance(
    body: MaintenanceCreate, backend: BackendDep, principal: Principal
) -> MaintenancePublic:
    announced = availability.MaintenanceAnnouncement(
        body.station_id, body.evse_id, Period(body.starts_at, body.ends_at), body.reason
    )
    window = await availability.announce_maintenance(announced, principal.name, backend.ctx)
    return MaintenancePublic.of(window)


@router.get("/maintenance-windows")
async def list_maintenance(
    backend: BackendDep, period_from: From, period_to: To, station_id: str | None = None
) -> list[MaintenancePublic]:
    """Windows overlapping the period."""
    period = Period(period_from, period_to)
    found = await backend.queries.maintenance_windows(station_id, period)
    return [MaintenancePublic.of(window) for window in found]


@router.patch("/maintenance-windows/{window_id}")
async def edit_maintenance(
    window_id: str, body: MaintenanceUpdate, backend: BackendDep
) -> MaintenancePublic:
    """Move or re-scope an announced window; availability follows (404, 422 when it would end
    before it starts)."""
    window = await availability.edit_maintenance(window_id, body.to_change(), backend.ctx)
    return MaintenancePublic.of(window)


@router.delete("/maintenance-windows/{window_id}", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_maintenance(window_id: str, backend: BackendDep) -> None:
    """Cancel an announced window: its time counts again in availability."""
    await availability.cancel_maintenance(window_id, backend.ctx)
