"""Availability (uptime) of EVSEs, a location or the fleet over a period, from the status
history, outages and announced maintenance; the rule is in ``domain/availability.py``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from kilowatt.domain.availability import (
    MaintenanceWindow,
    Period,
    StatusChange,
    Uptime,
    evse_uptime,
)
from kilowatt.domain.errors import InvalidValue, NotFound, UnknownStation
from kilowatt.ports import AvailabilityHistory, ConnectorStatusReport, EvseRef
from kilowatt.services.context import ServiceContext

__all__ = [
    "AvailabilityReport",
    "MaintenanceAnnouncement",
    "MaintenanceChange",
    "Scope",
    "announce_maintenance",
    "cancel_maintenance",
    "edit_maintenance",
    "report",
]


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose availability: one EVSE, a station, a location, or (all None) the fleet."""

    location_id: str | None = None
    station_id: str | None = None
    evse_id: int | None = None


@dataclass(frozen=True, slots=True)
class AvailabilityReport:
    period: Period
    total: Uptime
    evses: Sequence[tuple[EvseRef, Uptime]]


async def report(
    scope: Scope, period: Period, history: AvailabilityHistory, now: datetime
) -> AvailabilityReport:
    """Each EVSE in scope judged on its own; the total adds their times."""
    if scope.evse_id is not None and scope.station_id is None:
        raise InvalidValue("an EVSE is named with its station")
    refs = await history.evses(
        location_id=scope.location_id, station_id=scope.station_id, evse_id=scope.evse_id
    )
    windows = await history.maintenance_windows(scope.station_id, period)
    by_station: dict[str, list[EvseRef]] = {}
    for ref in refs:
        by_station.setdefault(ref.station_id, []).append(ref)
    judged: list[tuple[EvseRef, Uptime]] = []
    for station_id, evses in by_station.items():
        statuses = await history.status_changes(station_id, period)
        outages = [
            Period(o.started_at, min(o.ended_at or now, period.end))
            for o in await history.outages(station_id, period)
            if min(o.ended_at or now, period.end) > o.started_at
        ]
        for ref in evses:
            uptime = evse_uptime(period, _of_evse(statuses, ref), outages, _of(windows, ref))
            judged.append((ref, uptime))
    return AvailabilityReport(period, sum((u for _, u in judged), Uptime()), judged)


def _of_evse(statuses: Sequence[ConnectorStatusReport], ref: EvseRef) -> list[StatusChange]:
    """The EVSE's own connector statuses, and those of the station as a whole (EVSE 0)."""
    return [
        StatusChange(s.reported_at, s.connector_id if s.evse_id else None, s.status)
        for s in statuses
        if s.evse_id in (0, ref.evse_id)
    ]


def _of(windows: Sequence[MaintenanceWindow], ref: EvseRef) -> list[Period]:
    return [w.period for w in windows if w.applies_to(ref.station_id, ref.evse_id)]


@dataclass(frozen=True, slots=True)
class MaintenanceAnnouncement:
    station_id: str
    evse_id: int | None
    period: Period
    reason: str


async def announce_maintenance(
    announced: MaintenanceAnnouncement, who: str, ctx: ServiceContext
) -> MaintenanceWindow:
    """Announce maintenance of a station or one EVSE: that time is excluded from uptime."""
    station_id, evse_id = announced.station_id, announced.evse_id
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
        if station is None:
            raise UnknownStation(f"no station {station_id}")
        if evse_id is not None and station.evse(evse_id) is None:
            raise NotFound(f"station {station_id} has no EVSE {evse_id}")
        window = MaintenanceWindow(
            str(uuid.uuid4()),
            station_id,
            evse_id,
            announced.period,
            announced.reason,
            who,
            ctx.clock.now(),
        )
        uow.maintenance.add(window)
        await uow.commit()
    return window


@dataclass(frozen=True, slots=True)
class MaintenanceChange:
    """What to change in an announced window; None leaves a field as it is. ``evse_id`` is
    changed only when ``change_evse`` (None then means the whole station)."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    reason: str | None = None
    evse_id: int | None = None
    change_evse: bool = False


async def edit_maintenance(
    window_id: str, change: MaintenanceChange, ctx: ServiceContext
) -> MaintenanceWindow:
    """Move, narrow, widen or re-scope an announced window; availability follows at once
    (it is computed from the windows when asked). Raises NotFound, InvalidValue."""
    async with ctx.uow() as uow:
        window = await uow.maintenance.get(window_id)
        if window is None:
            raise NotFound(f"no maintenance window {window_id}")
        period = Period(
            change.starts_at or window.period.start, change.ends_at or window.period.end
        )
        evse_id = change.evse_id if change.change_evse else window.evse_id
        if evse_id is not None:
            station = await uow.stations.get(window.station_id)
            if station is None or station.evse(evse_id) is None:
                raise NotFound(f"station {window.station_id} has no EVSE {evse_id}")
        edited = replace(
            window, period=period, reason=change.reason or window.reason, evse_id=evse_id
        )
        uow.maintenance.save(edited)
        await uow.commit()
    return edited


async def cancel_maintenance(window_id: str, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        if await uow.maintenance.get(window_id) is None:
            raise NotFound(f"no maintenance window {window_id}")
        uow.maintenance.delete(window_id)
        await uow.commit()
