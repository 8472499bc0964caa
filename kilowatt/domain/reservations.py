"""Reservations: an EVSE (1.6: a connector), or any of a station's, kept for one token until
it expires or is cancelled. While it holds, the reserved place accepts only that token::

    reservation = Reservation(7, "CP-1", evse_id=1, id_token="04A1", expires_at=..., created_at=...)
    reservation.refuses("OTHER", evse_id=1, now=now)   # True while it is active
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Reservation", "ReservationStatus"]


class ReservationStatus(StrEnum):
    REQUESTED = "REQUESTED"  # sent, no answer yet
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"  # the station said no (Occupied, Faulted, Unavailable, Rejected)
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


@dataclass(slots=True)
class Reservation:
    id: int
    station_id: str
    evse_id: int | None  # None: any EVSE of the station (1.6 connector 0)
    id_token: str
    expires_at: datetime
    created_at: datetime
    status: ReservationStatus = ReservationStatus.REQUESTED
    station_status: str | None = None  # the station's answer to ReserveNow

    def status_at(self, now: datetime) -> ReservationStatus:
        """The status, with an active reservation past its expiry counted as expired."""
        if self.status is ReservationStatus.ACTIVE and self.expires_at <= now:
            return ReservationStatus.EXPIRED
        return self.status

    def answered(self, station_status: str) -> None:
        self.station_status = station_status
        accepted = station_status == "Accepted"
        self.status = ReservationStatus.ACTIVE if accepted else ReservationStatus.REJECTED

    def end(self, status: ReservationStatus) -> None:
        """Cancelled by us, or expired or removed as the station reports."""
        if self.status is ReservationStatus.ACTIVE:
            self.status = status

    def refuses(self, uid: str, *, evse_id: int | None, now: datetime) -> bool:
        """Does this reservation keep ``uid`` from charging at ``evse_id`` (None: the station
        as a whole, as in an Authorize without an EVSE)?"""
        if self.status_at(now) is not ReservationStatus.ACTIVE or uid == self.id_token:
            return False
        return self.evse_id is None or self.evse_id == evse_id
