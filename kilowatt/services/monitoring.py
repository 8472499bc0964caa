"""Monitoring: stations that fall silent, faults, refused boots, failed firmware updates and
transactions without meter values become alerts, which resolve themselves when the cause goes
away. ``sweep`` runs periodically (and from tests with an explicit ``now``); ``Monitor`` reacts
to domain events as they are published."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from kilowatt.domain import events
from kilowatt.domain.alerts import SYSTEM, Alert, AlertKind
from kilowatt.domain.errors import NotFound
from kilowatt.ports import Outage, UnitOfWork
from kilowatt.services import webhooks
from kilowatt.services.context import ServiceContext

__all__ = ["FIRMWARE_FAILURES", "Monitor", "acknowledge", "problems", "resolve", "sweep"]

log = logging.getLogger(__name__)

#: FirmwareStatusNotification statuses that mean the update failed (OCPP 1.6 and 2.0.1).
FIRMWARE_FAILURES = frozenset(
    {
        "DownloadFailed",
        "InstallationFailed",
        "InstallVerificationFailed",
        "InvalidSignature",
        "SignatureError",
    }
)


async def sweep(ctx: ServiceContext, now: datetime) -> None:
    """Mark silent stations offline, and open or resolve the alerts that depend on time."""
    rules = ctx.monitoring
    async with ctx.uow() as uow:
        await _track_outages(uow, now - timedelta(seconds=rules.offline_grace_s), now)
        silent = await uow.outages.silent_stations(
            now - timedelta(seconds=rules.offline_alert_after_s)
        )
        offline = {
            (s.station_id, ""): f"silent since {s.last_seen_at:%Y-%m-%dT%H:%M:%SZ}" for s in silent
        }
        await _reconcile(uow, ctx, AlertKind.STATION_OFFLINE, offline, now)
        stale = await uow.transactions.unmetered_since(
            now - timedelta(seconds=rules.meter_values_alert_after_s)
        )
        causes = {(t.station_id, t.transaction_id): "no meter values" for t in stale}
        await _reconcile(uow, ctx, AlertKind.METER_VALUES_MISSING, causes, now)
        await uow.commit()


async def _track_outages(uow: UnitOfWork, cutoff: datetime, now: datetime) -> None:
    """An outage starts when the station was last heard from, once it has been silent past
    the grace; it ends when the station is heard from again (or connects: ``Monitor``)."""
    silent = {s.station_id: s.last_seen_at for s in await uow.outages.silent_stations(cutoff)}
    open_ones = {o.station_id: o for o in await uow.outages.open_outages()}
    for station_id, last_seen in silent.items():
        if station_id not in open_ones:
            uow.outages.save(Outage(str(uuid.uuid4()), station_id, last_seen))
    for station_id, outage in open_ones.items():
        if station_id not in silent:
            uow.outages.save(replace(outage, ended_at=now))


async def _reconcile(
    uow: UnitOfWork,
    ctx: ServiceContext,
    kind: AlertKind,
    causes: dict[tuple[str, str], str],
    now: datetime,
) -> None:
    """Open an alert for every (station, subject) cause that has none; resolve the others."""
    active = {(a.station_id, a.subject): a for a in await uow.alerts.active(kind)}
    for (station_id, subject), detail in causes.items():
        if (station_id, subject) not in active:
            _open(uow, ctx, Alert(str(uuid.uuid4()), kind, station_id, subject, detail, now))
    for key, alert in active.items():
        if key not in causes:
            _close(uow, ctx, alert, SYSTEM, now)


def _open(uow: UnitOfWork, ctx: ServiceContext, alert: Alert) -> None:
    uow.alerts.add(alert)
    webhooks.enqueue(uow, ctx.monitoring, "alert.opened", alert, alert.opened_at)


def _close(uow: UnitOfWork, ctx: ServiceContext, alert: Alert, who: str, now: datetime) -> None:
    alert.resolve(who, now)
    uow.alerts.save(alert)
    webhooks.enqueue(uow, ctx.monitoring, "alert.resolved", alert, now)


async def _raise_or_clear(
    ctx: ServiceContext, kind: AlertKind, station_id: str, subject: str, detail: str | None
) -> None:
    """``detail`` set: the cause is there (open an alert unless one is active); None: gone."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        active = [a for a in await uow.alerts.active(kind, station_id) if a.subject == subject]
        if detail is not None and not active:
            _open(uow, ctx, Alert(str(uuid.uuid4()), kind, station_id, subject, detail, now))
        if detail is None:
            for alert in active:
                _close(uow, ctx, alert, SYSTEM, now)
        await uow.commit()


class Monitor:
    """The event subscriber: reacts to what stations report, right after it is committed."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def __call__(self, event: events.Event) -> None:
        match event:
            case events.ConnectorStatusChanged():
                await self._status(event)
            case events.StationBooted(station_id=station_id, registration_status=status):
                if status in ("Accepted", "Rejected"):
                    detail = "BootNotification rejected" if status == "Rejected" else None
                    await _raise_or_clear(self.ctx, AlertKind.BOOT_REJECTED, station_id, "", detail)
            case events.StationReported(station_id=station_id, kind=kind, payload=payload):
                await self._report(station_id, kind, payload)
            case events.StationConnected(station_id=station_id):
                await self._back_online(station_id)

    async def _status(self, event: events.ConnectorStatusChanged) -> None:
        subject = f"{event.evse_id}/{event.connector_id}"
        detail = (event.error_code or "Faulted") if event.status == "Faulted" else None
        kind = AlertKind.CONNECTOR_FAULTED
        await _raise_or_clear(self.ctx, kind, event.station_id, subject, detail)

    async def _report(self, station_id: str, kind: str, payload: Mapping[str, Any]) -> None:
        if kind == "FirmwareStatusNotification":
            await self._firmware(station_id, str(payload.get("status")))
        elif kind == "NotifyEvent":
            problem = AlertKind.COMPONENT_PROBLEM
            for subject, detail in problems(payload):
                await _raise_or_clear(self.ctx, problem, station_id, subject, detail)

    async def _firmware(self, station_id: str, status: str) -> None:
        kind = AlertKind.FIRMWARE_UPDATE_FAILED
        if status in FIRMWARE_FAILURES:
            await _raise_or_clear(self.ctx, kind, station_id, "", status)
        elif status == "Installed":
            await _raise_or_clear(self.ctx, kind, station_id, "", None)

    async def _back_online(self, station_id: str) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            for outage in await uow.outages.open_outages():
                if outage.station_id == station_id:
                    uow.outages.save(replace(outage, ended_at=now))
            for alert in await uow.alerts.active(AlertKind.STATION_OFFLINE, station_id):
                _close(uow, self.ctx, alert, SYSTEM, now)
            await uow.commit()


async def acknowledge(alert_id: str, who: str, ctx: ServiceContext) -> Alert:
    """An operator has seen the alert."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        alert = await _alert(uow, alert_id)
        alert.acknowledge(who, now)
        uow.alerts.save(alert)
        webhooks.enqueue(uow, ctx.monitoring, "alert.acknowledged", alert, now)
        await uow.commit()
    return alert


async def resolve(alert_id: str, who: str, ctx: ServiceContext) -> Alert:
    """An operator closes the alert (its cause may come back and open a new one)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        alert = await _alert(uow, alert_id)
        _close(uow, ctx, alert, who, now)
        await uow.commit()
    return alert


async def _alert(uow: UnitOfWork, alert_id: str) -> Alert:
    alert = await uow.alerts.get(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def problems(payload: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """The ``Problem`` variables a 2.0.1 NotifyEvent reports, as (subject, detail): detail None
    when the problem is gone (``actualValue`` false, or the event ``cleared``).

    >>> problems({"eventData": [{"component": {"name": "FanCtrlr"},
    ...     "variable": {"name": "Problem"}, "actualValue": "true", "techCode": "stalled"}]})
    [('FanCtrlr', 'stalled')]
    """
    found: list[tuple[str, str | None]] = []
    for event in payload.get("eventData", []):
        if event.get("variable", {}).get("name") != "Problem":
            continue
        component = event.get("component", {})
        subject = str(component.get("name", ""))
        if evse := component.get("evse"):
            subject += f"@{evse.get('id')}/{evse.get('connectorId', 0)}"
        active = str(event.get("actualValue")).lower() == "true" and not event.get("cleared")
        detail = event.get("techInfo") or event.get("techCode") or "Problem"
        found.append((subject[:64], str(detail)[:255] if active else None))
    return found
