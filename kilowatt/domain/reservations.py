"""Reservations: an EVSE (1.6: a connector), or any of a station's, kept for one token until
it is used, expires or is cancelled. While it holds, the reserved place accepts only that token::

    reservation = Reservation(7, "CP-1", evse_id=1, id_token="04A1", expires_at=..., created_at=...)
    reservation.refuses("OTHER", evse_id=1, now=now)   # True while it is active

A reservation of the station as a whole (1.6 connectorId 0, 2.0.1 without evseId) reserves no
EVSE in particular: the station keeps one EVSE free for its token (OCPP 1.6 section 5.13, 2.0.1
H01.FR.04/20), so it refuses other tokens only where starting would leave fewer free EVSEs than
such reservations (``refused``). A transaction of the reserving token, or one that names the
reservation, uses it up (``USED``, 2.0.1 H03.FR.09).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Reservation", "ReservationStatus", "refused", "used_by"]


class ReservationStatus(StrEnum):
    REQUESTED = "REQUESTED"  # sent, no answer yet
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"  # the station said no (Occupied, Faulted, Unavailable, Rejected)
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    USED = "USED"  # a transaction of its token started: it keeps nobody out any more


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
    authorization_reference: str | None = None  # an OCPI RESERVE_NOW's, for the Session/CDR

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
        """Cancelled by us, expired or removed as the station reports, or used."""
        if self.status is ReservationStatus.ACTIVE:
            self.status = status

    def refuses(self, uid: str, *, evse_id: int | None, now: datetime) -> bool:
        """Does this reservation of one EVSE keep ``uid`` from charging at ``evse_id`` (None:
        not known yet, as in an Authorize without an EVSE)? A reservation of the station
        as a whole is weighed with the others by ``refused``."""
        if self.status_at(now) is not ReservationStatus.ACTIVE or uid == self.id_token:
            return False
        return self.evse_id is not None and self.evse_id == evse_id

    def is_for(self, uid: str, evse_id: int | None, now: datetime) -> bool:
        """Is this an active reservation ``uid`` uses by charging at ``evse_id``?"""
        if self.status_at(now) is not ReservationStatus.ACTIVE or uid != self.id_token:
            return False
        return self.evse_id is None or self.evse_id == evse_id


def refused(
    held: Iterable[Reservation],
    uid: str,
    *,
    evse_id: int | None,
    free_evses: Set[int],
    now: datetime,
) -> bool:
    """Do the station's reservations keep ``uid`` from charging at ``evse_id``?

    ``free_evses`` are the EVSEs nobody uses or has reserved in particular. Station-wide
    reservations of other tokens need as many of them left free once ``uid`` takes
    ``evse_id``; when the EVSE is not known yet (None) only a station already without room
    refuses, and the start, which names it, is decided exactly.
    """
    active = [r for r in held if r.status_at(now) is ReservationStatus.ACTIVE]
    if any(r.refuses(uid, evse_id=evse_id, now=now) for r in active):
        return True
    waiting = sum(1 for r in active if r.evse_id is None and r.id_token != uid)
    if waiting == 0:
        return False
    left = free_evses - {evse_id} if evse_id is not None else free_evses
    return len(left) < waiting


def used_by(
    held: Iterable[Reservation],
    uid: str,
    *,
    evse_id: int | None,
    reservation_id: int | None,
    now: datetime,
) -> Reservation | None:
    """The reservation a transaction of ``uid`` at ``evse_id`` uses: the one it names, else
    one of the token's for that EVSE, else one of the token's for the whole station."""
    active = [r for r in held if r.status_at(now) is ReservationStatus.ACTIVE]
    named = [r for r in active if r.id == reservation_id]
    mine = sorted(
        (r for r in active if r.is_for(uid, evse_id, now)), key=lambda r: r.evse_id is None
    )
    found = named or mine
    return found[0] if found else None
