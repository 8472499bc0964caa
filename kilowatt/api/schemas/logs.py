"""What the core keeps about a station's conversation: OCPP exchanges and reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from kilowatt.ports import OcppExchange, StationReport

__all__ = ["OcppMessagePublic", "StationReportPublic"]


class OcppMessagePublic(BaseModel):
    """One OCPP request with its answer (or CALLERROR code), either direction."""

    message_id: str
    direction: Literal["in", "out"] = Field(description="in: station → CSMS; out: CSMS → station")
    action: str
    request: Any
    response: Any
    error_code: str | None
    received_at: datetime
    duration_us: int = Field(description="From request to answer, in microseconds")

    @classmethod
    def of(cls, exchange: OcppExchange) -> OcppMessagePublic:
        return cls(**{name: getattr(exchange, name) for name in cls.model_fields})


class StationReportPublic(BaseModel):
    kind: str = Field(description="The OCPP action, e.g. NotifyEvent, FirmwareStatusNotification")
    reported_at: datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, report: StationReport) -> StationReportPublic:
        return cls(kind=report.kind, reported_at=report.reported_at, payload=dict(report.payload))
