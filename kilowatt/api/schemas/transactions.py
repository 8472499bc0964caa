"""Transactions and their meter values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.domain.transactions import MeterSample, Transaction

__all__ = ["ForceEnd", "MeterSamplePublic", "TransactionDetail", "TransactionPublic"]


class TransactionPublic(BaseModel):
    id: str = Field(description="The id the station knows (1.6 integer as text, 2.0.1 string)")
    session_id: str = Field(description="The OCPI Session id, also its CDRs' session_id")
    station_id: str
    evse_id: int | None
    connector_id: int | None
    id_token: str | None
    status: str
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    charging_state: str | None
    offline_events: int
    updated_at: datetime

    @classmethod
    def of(cls, transaction: Transaction) -> TransactionPublic:
        fields = set(cls.model_fields) - {"id", "session_id", "status"}
        data: dict[str, Any] = {name: getattr(transaction, name) for name in fields}
        return cls(
            **data,
            id=transaction.transaction_id,
            session_id=transaction.pk,
            status=transaction.status.value,
        )


class MeterSamplePublic(BaseModel):
    measured_at: datetime
    measurand: str
    phase: str | None
    location: str
    context: str
    unit: str
    value: str = Field(description="Exact decimal as text")
    signed_data: str | None

    @classmethod
    def of(cls, sample: MeterSample) -> MeterSamplePublic:
        return cls(
            measured_at=sample.measured_at,
            measurand=sample.measurand,
            phase=sample.phase or None,
            location=sample.location,
            context=sample.context,
            unit=sample.unit,
            value=str(sample.value),
            signed_data=sample.signed_data,
        )


class TransactionDetail(TransactionPublic):
    meter_values: list[MeterSamplePublic]
    remote_start_id: int | None = Field(
        None, description="The remote start that started it (2.0.1: as the station echoed)"
    )
    started_by: str = Field("station", description='"remote" (a remote start) or "station"')


class ForceEnd(Input):
    reason: str = Field(min_length=1, max_length=20, examples=["station replaced"])
