"""Alerts, availability and announced maintenance (issue 4)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.domain.alerts import Alert, AlertKind, AlertState
from kilowatt.domain.availability import MaintenanceWindow, Uptime
from kilowatt.ports import EvseRef
from kilowatt.services.availability import MaintenanceChange

__all__ = [
    "AlertPublic",
    "AvailabilityPublic",
    "EvseAvailabilityPublic",
    "MaintenanceCreate",
    "MaintenancePublic",
    "MaintenanceUpdate",
    "UptimePublic",
]


class AlertPublic(BaseModel):
    id: str
    kind: AlertKind
    station_id: str
    subject: str = Field(description='"evse/connector" for faults, the transaction id, or ""')
    detail: str
    state: AlertState
    opened_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None = Field(description='The API key name, or "system"')
    resolved_at: datetime | None

    @classmethod
    def of(cls, alert: Alert) -> AlertPublic:
        return cls(**{name: getattr(alert, name) for name in cls.model_fields})


class UptimePublic(BaseModel):
    uptime_percent: str | None = Field(
        description="up / (up + down) in percent, 3 decimals (half-even); null: nothing judged",
        examples=["97.125"],
    )
    seconds_up: float
    seconds_down: float
    seconds_excluded: float = Field(description="Announced maintenance, or no status known yet")

    @classmethod
    def of(cls, uptime: Uptime) -> UptimePublic:
        percent = uptime.percent()
        return cls(
            uptime_percent=None if percent is None else str(percent),
            seconds_up=uptime.up.total_seconds(),
            seconds_down=uptime.down.total_seconds(),
            seconds_excluded=uptime.excluded.total_seconds(),
        )


class EvseAvailabilityPublic(UptimePublic):
    station_id: str
    evse_id: int

    @classmethod
    def of_evse(cls, ref: EvseRef, uptime: Uptime) -> EvseAvailabilityPublic:
        fields = UptimePublic.of(uptime).model_dump()
        return cls(station_id=ref.station_id, evse_id=ref.evse_id, **fields)


class AvailabilityPublic(UptimePublic):
    period_from: datetime
    period_to: datetime
    evses: list[EvseAvailabilityPublic]


class MaintenanceCreate(Input):
    station_id: str = Field(min_length=1, max_length=48)
    evse_id: int | None = Field(default=None, ge=1, description="null: the whole station")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=255)


class MaintenanceUpdate(Input):
    """Fields to change; those left out stay. ``evse_id`` null: the whole station."""

    evse_id: int | None = Field(default=None, ge=1)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=255)

    def to_change(self) -> MaintenanceChange:
        return MaintenanceChange(
            self.starts_at,
            self.ends_at,
            self.reason,
            self.evse_id,
            change_evse="evse_id" in self.model_fields_set,
        )


class MaintenancePublic(BaseModel):
    id: str
    station_id: str
    evse_id: int | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, window: MaintenanceWindow) -> MaintenancePublic:
        return cls(
            id=window.id,
            station_id=window.station_id,
            evse_id=window.evse_id,
            starts_at=window.period.start,
            ends_at=window.period.end,
            reason=window.reason,
            created_by=window.created_by,
            created_at=window.created_at,
        )
