"""Alerts: something about a station that an operator should know, with its lifecycle.

An alert is opened by the monitor (a fault, a silence, a refused boot...), may be
acknowledged by an operator, and is resolved either by an operator or by the monitor when its
cause goes away. At most one alert per (kind, station, subject) is active at a time.

    open ──acknowledge──▶ acknowledged
      │                        │
      └────────resolve─────────┴──▶ resolved   (final)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilowatt.domain.errors import Conflict, InvalidValue

__all__ = ["SYSTEM", "Alert", "AlertKind", "AlertState"]

#: Who resolves an alert whose cause went away.
SYSTEM = "system"


class AlertKind(StrEnum):
    STATION_OFFLINE = "station_offline"  # subject: ""
    CONNECTOR_FAULTED = "connector_faulted"  # subject: "evse/connector", e.g. "1/1"
    METER_VALUES_MISSING = "meter_values_missing"  # subject: the transaction id
    BOOT_REJECTED = "boot_rejected"  # subject: ""
    FIRMWARE_UPDATE_FAILED = "firmware_update_failed"  # subject: ""
    COMPONENT_PROBLEM = "component_problem"  # 2.0.1 NotifyEvent; subject: "component@evse/conn"


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(slots=True)
class Alert:
    id: str
    kind: AlertKind
    station_id: str
    subject: str
    detail: str
    opened_at: datetime
    state: AlertState = AlertState.OPEN
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.state is not AlertState.RESOLVED

    @property
    def active_key(self) -> str:
        """Unique among active alerts: the same cause never raises two."""
        return f"{self.kind.value}|{self.station_id}|{self.subject}"

    def acknowledge(self, who: str, at: datetime) -> None:
        """An operator has seen it; only an open alert can be acknowledged."""
        _check_who(who)
        if self.state is not AlertState.OPEN:
            raise Conflict(f"alert {self.id} is {self.state.value}, not open")
        self.state, self.acknowledged_by, self.acknowledged_at = AlertState.ACKNOWLEDGED, who, at

    def resolve(self, who: str, at: datetime) -> None:
        """The cause is gone (``who`` is ``SYSTEM``) or an operator closes it."""
        _check_who(who)
        if self.state is AlertState.RESOLVED:
            raise Conflict(f"alert {self.id} is already resolved")
        self.state, self.resolved_by, self.resolved_at = AlertState.RESOLVED, who, at


def _check_who(who: str) -> None:
    if not who.strip():
        raise InvalidValue("an alert transition needs who made it")
