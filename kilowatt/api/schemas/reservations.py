"""Reservations over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import AwareDatetime, BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.domain.reservations import Reservation
from kilowatt.services.reservations import Reserve

__all__ = ["CancelPublic", "ReservationCreate", "ReservationPublic"]


class ReservationCreate(Input):
    id_token: str = Field(min_length=1, max_length=36)
    expires_at: AwareDatetime
    evse_id: int | None = Field(None, ge=1, description="OCPP 1.6: the connector; absent: any")
    id_token_type: str = Field("ISO14443", description="OCPP 2.0.1 IdTokenEnumType")

    def to_request(self) -> Reserve:
        return Reserve(self.id_token, self.expires_at, self.evse_id, self.id_token_type)


class ReservationPublic(BaseModel):
    id: int
    station_id: str
    evse_id: int | None
    id_token: str
    expires_at: datetime
    created_at: datetime
    status: str  # ACTIVE, REJECTED, CANCELLED, EXPIRED, USED (a transaction of its token began)
    station_status: str | None  # the station's answer to ReserveNow

    @classmethod
    def of(cls, reservation: Reservation, now: datetime) -> Self:
        return cls(
            id=reservation.id,
            station_id=reservation.station_id,
            evse_id=reservation.evse_id,
            id_token=reservation.id_token,
            expires_at=reservation.expires_at,
            created_at=reservation.created_at,
            status=reservation.status_at(now).value,
            station_status=reservation.station_status,
        )


class CancelPublic(BaseModel):
    station_status: str  # Accepted, or Rejected when the station does not hold it
    reservation: ReservationPublic
