"""Stations: admission at connect, boot, heartbeat, status and the reports they send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilowatt.domain import events
from kilowatt.domain.locations import (
    BootInfo,
    ChargingStation,
    Connector,
    Evse,
    OcppVersion,
    RegistrationStatus,
    UnknownStationPolicy,
    default_evse_uid,
)
from kilowatt.ports import ConnectorStatusReport, StationReport, UnitOfWork
from kilowatt.services.context import ServiceContext
from kilowatt.services.secrets import verify_password

__all__ = [
    "Admission",
    "BootResult",
    "admit",
    "boot",
    "connected",
    "disconnected",
    "heartbeat",
    "record_report",
    "record_status",
]


class Admission(StrEnum):
    """May a connecting station open its WebSocket?"""

    KNOWN = "known"
    UNKNOWN = "unknown"  # let in as Pending, for an operator to approve
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class BootResult:
    status: RegistrationStatus
    current_time: datetime
    interval_s: int


async def admit(station_id: str, password: str | None, ctx: ServiceContext) -> Admission:
    """Check a station's credentials (security profile 1: HTTP Basic auth)."""
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
    if station is None:
        allowed = ctx.policy.unknown_stations is UnknownStationPolicy.PENDING
        return Admission.UNKNOWN if allowed else Admission.REFUSED
    if station.password_hash is None:
        ok = station.security_profile == 0
    else:
        ok = password is not None and await verify_password(password, station.password_hash)
    return Admission.KNOWN if ok else Admission.REFUSED


async def connected(station_id: str, version: OcppVersion, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        uow.stations.forget_cached(station_id)
        station = await uow.stations.get(station_id)
        if station is not None and station.ocpp_version is not version:
            station.ocpp_version = version
            uow.stations.save(station)
        uow.record(events.StationConnected(station_id, version.value))
        await uow.commit()
    await ctx.events.publish(uow.collect_events())


async def disconnected(station_id: str, ctx: ServiceContext) -> None:
    await ctx.events.publish([events.StationDisconnected(station_id)])


async def boot(
    station_id: str, info: BootInfo, version: OcppVersion, ctx: ServiceContext
) -> BootResult:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
        if station is None:
            station = _pending_station(station_id, now, ctx)
            uow.stations.add(station)
        status = station.boot(info, now)
        station.ocpp_version = version
        uow.stations.save(station)
        uow.record(events.StationBooted(station_id, status.value))
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    accepted = status is RegistrationStatus.ACCEPTED
    interval = station.heartbeat_interval_s if accepted else ctx.policy.pending_retry_interval_s
    return BootResult(status, now, interval)


def _pending_station(station_id: str, now: datetime, ctx: ServiceContext) -> ChargingStation:
    return ChargingStation(
        id=station_id,
        password_hash=None,
        registration_status=RegistrationStatus.PENDING,
        created_at=now,
        updated_at=now,
        heartbeat_interval_s=ctx.policy.heartbeat_interval_s,
    )


async def heartbeat(station_id: str, ctx: ServiceContext) -> datetime:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await _touch(uow, station_id, now)
        await uow.commit()
    return now


async def _touch(uow: UnitOfWork, station_id: str, now: datetime) -> ChargingStation | None:
    station = await uow.stations.get(station_id)
    if station is not None:
        station.last_heartbeat_at = now
        uow.stations.touch(station_id, now)
    return station


async def record_status(report: ConnectorStatusReport, ctx: ServiceContext) -> None:
    """A StatusNotification: kept in the history and as the current status; an EVSE or
    connector the station reports but the operator has not registered yet is added."""
    async with ctx.uow() as uow:
        station = await uow.stations.get(report.station_id)
        if station is not None and _adopt_connector(station, report.evse_id, report.connector_id):
            uow.stations.save(station, with_evses=True)
        uow.stations.record_status(report)
        uow.record(
            events.ConnectorStatusChanged(
                report.station_id,
                report.evse_id,
                report.connector_id,
                report.status,
                report.error_code,
            )
        )
        await uow.commit()
    await ctx.events.publish(uow.collect_events())


def _adopt_connector(station: ChargingStation, evse_id: int, connector_id: int) -> bool:
    if evse_id < 1 or connector_id < 1:
        return False
    evse = station.evse(evse_id)
    if evse is None:
        evse = Evse(evse_id=evse_id, uid=default_evse_uid(station.id, evse_id))
        station.evses.append(evse)
        station.evses.sort(key=lambda e: e.evse_id)
    if any(c.connector_id == connector_id for c in evse.connectors):
        return False
    evse.connectors.append(Connector(connector_id=connector_id))
    return True


#: Reports whose status the station record keeps, and where.
_STATUS_FIELDS = {
    "FirmwareStatusNotification": "firmware_status",
    "DiagnosticsStatusNotification": "diagnostics_status",
}


async def record_report(report: StationReport, ctx: ServiceContext) -> None:
    """NotifyEvent, NotifyReport, security events, firmware/diagnostics/log status, DataTransfer."""
    async with ctx.uow() as uow:
        station = await uow.stations.get(report.station_id)
        field = _STATUS_FIELDS.get(report.kind)
        if station is not None and field is not None:
            setattr(station, field, str(report.payload.get("status")))
            uow.stations.save(station)
        uow.stations.record_report(report)
        uow.record(events.StationReported(report.station_id, report.kind, report.payload))
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
