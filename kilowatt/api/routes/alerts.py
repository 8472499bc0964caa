"""Alerts: what the monitor found (faults, silent stations...), acknowledged and resolved by
operators or resolved by themselves when the cause goes away."""

from __future__ import annotations

from fastapi import APIRouter

from kilowatt.api.deps import BackendDep, Limit, Offset, Principal
from kilowatt.api.schemas import AlertPublic
from kilowatt.domain.alerts import AlertKind, AlertState
from kilowatt.domain.errors import NotFound
from kilowatt.services import monitoring

router = APIRouter(tags=["alerts"])


@router.get("/alerts")
async def list_alerts(
    backend: BackendDep,
    state: AlertState | None = None,
    kind: AlertKind | None = None,
    station_id: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AlertPublic]:
    """Newest first."""
    found = await backend.queries.alerts(
        state=state, kind=kind, station_id=station_id, limit=limit, offset=offset
    )
    return [AlertPublic.of(alert) for alert in found]


@router.get("/alerts/{alert_id}")
async def get_alert(alert_id: str, backend: BackendDep) -> AlertPublic:
    alert = await backend.queries.alert(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return AlertPublic.of(alert)


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge_alert(
    alert_id: str, backend: BackendDep, principal: Principal
) -> AlertPublic:
    """409 unless the alert is open."""
    return AlertPublic.of(await monitoring.acknowledge(alert_id, principal.name, backend.ctx))


@router.post("/alerts/{alert_id}/resolve")
async def resolve_alert(alert_id: str, backend: BackendDep, principal: Principal) -> AlertPublic:
    """409 when already resolved."""
    return AlertPublic.of(await monitoring.resolve(alert_id, principal.name, backend.ctx))
