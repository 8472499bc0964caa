"""Reservations: ReserveNow and CancelReservation through ``ports.StationGateway``, the 2.0.1
ReservationStatusUpdate, ``ReservationGuard``, the authorizer that keeps a reserved EVSE for
its token (other tokens get Invalid there until the reservation is used, ends or expires; a
station-wide reservation only where no other EVSE would stay free), and ``use``, called when
a transaction starts, which marks the reservation it uses USED."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from kilowatt.domain.errors import (
    Conflict,
    InvalidValue,
    NotFound,
    StationOffline,
    StationUnavailable,
    UnknownStation,
)
from kilowatt.domain.locations import OcppVersion
from kilowatt.domain.reservations import Reservation, ReservationStatus, refused, used_by
from kilowatt.domain.tokens import Authorization, AuthorizationRequest, AuthorizationStatus
from kilowatt.ports import Authorizer, Clock, StationGateway, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.context import ServiceContext

__all__ = ["ReservationGuard", "Reserve", "cancel", "record_status_update", "reserve", "use"]

#: Connector statuses of an EVSE nobody is using (Reserved: kept for station-wide ones).
_FREE: Final = frozenset({"Available", "Reserved"})
#: ReservationStatusUpdate statuses (2.0.1) and what they end a reservation as.
_UPDATES: Final = {"Expired": ReservationStatus.EXPIRED, "Removed": ReservationStatus.CANCELLED}


@dataclass(frozen=True, slots=True)
class Reserve:
    """Keep an EVSE (1.6: connector; None: any) for a token until ``expires_at``."""

    id_token: str
    expires_at: datetime
    evse_id: int | None = None
    id_token_type: str = "ISO14443"
    authorization_reference: str | None = None  # an eMSP's (OCPI RESERVE_NOW)


async def reserve(
    station_id: str,
    request: Reserve,
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
) -> Reservation:
    """ReserveNow; the reservation is kept whatever the answer (REJECTED with the station's
    status). Raises StationOffline, StationTimeout, StationRefused after recording that."""
    now = ctx.clock.now()
    if request.expires_at <= now:
        raise InvalidValue("a reservation must expire in the future")
    version = await _version_of(station_id, ctx)
    async with ctx.uow() as uow:
        reservation_id = await uow.reservations.next_id()
    reservation = Reservation(
        reservation_id, station_id, request.evse_id, request.id_token, request.expires_at, now
    )
    reservation.authorization_reference = request.authorization_reference
    try:
        answer = await gateway.call(
            station_id, "ReserveNow", _reserve_now(version, reservation, request), timeout_s
        )
    except StationUnavailable as error:
        reservation.answered(type(error).__name__)
        await _save(reservation, ctx)
        raise
    reservation.answered(str(answer.get("status")))
    await _save(reservation, ctx)
    return reservation


def _reserve_now(version: OcppVersion, reservation: Reservation, request: Reserve) -> Any:
    expiry = reservation.expires_at.isoformat().replace("+00:00", "Z")
    if version is OcppVersion.V16:
        return {
            "connectorId": reservation.evse_id or 0,
            "expiryDate": expiry,
            "idTag": reservation.id_token,
            "reservationId": reservation.id,
        }
    payload: dict[str, Any] = {
        "id": reservation.id,
        "expiryDateTime": expiry,
        "idToken": {"idToken": reservation.id_token, "type": request.id_token_type},
    }
    if reservation.evse_id is not None:
        payload["evseId"] = reservation.evse_id
    return payload


async def cancel(
    station_id: str,
    reservation_id: int,
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
) -> tuple[Reservation, str]:
    """CancelReservation; the reservation ends when the station accepts. Returns it and the
    station's answer (Rejected: the station does not hold it)."""
    reservation = await _reservation(station_id, reservation_id, ctx)
    if reservation.status_at(ctx.clock.now()) is not ReservationStatus.ACTIVE:
        raise Conflict(f"reservation {reservation_id} is {reservation.status_at(ctx.clock.now())}")
    answer = await gateway.call(
        station_id, "CancelReservation", {"reservationId": reservation_id}, timeout_s
    )
    status = str(answer.get("status"))
    if status == "Accepted":
        reservation.end(ReservationStatus.CANCELLED)
        await _save(reservation, ctx)
    return reservation, status


async def record_status_update(
    station_id: str, reservation_id: int, update: str, ctx: ServiceContext
) -> None:
    """A 2.0.1 ReservationStatusUpdate: the station let it expire or removed it."""
    ended = _UPDATES.get(update)
    async with ctx.uow() as uow:
        reservation = await uow.reservations.get(reservation_id)
        if reservation is None or reservation.station_id != station_id or ended is None:
            return  # not ours to change: kept only in the message log
        reservation.end(ended)
        uow.reservations.save(reservation)
        await uow.commit()


async def _reservation(station_id: str, reservation_id: int, ctx: ServiceContext) -> Reservation:
    async with ctx.uow() as uow:
        reservation = await uow.reservations.get(reservation_id)
    if reservation is None or reservation.station_id != station_id:
        raise NotFound(f"no reservation {reservation_id} at station {station_id}")
    return reservation


async def _save(reservation: Reservation, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        uow.reservations.save(reservation)
        await uow.commit()


async def _version_of(station_id: str, ctx: ServiceContext) -> OcppVersion:
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
    if station is None:
        raise UnknownStation(f"no station {station_id}")
    if station.ocpp_version is None:
        raise StationOffline(f"station {station_id} has never connected")
    return station.ocpp_version


class ReservationGuard:
    """An authorizer around another: a token it accepts is refused (Invalid) at an EVSE, or a
    station, that an active reservation keeps for another token."""

    def __init__(self, inner: Authorizer, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._inner, self._uow, self._clock = inner, uow, clock

    async def authorize(self, request: AuthorizationRequest) -> Authorization | None:
        decision = await self._inner.authorize(request)
        if decision is None or decision.status is not AuthorizationStatus.ACCEPTED:
            return decision
        async with self._uow() as uow:
            held = await uow.reservations.active(request.station_id)
            if not held:
                return decision
            statuses = await uow.reservations.evse_statuses(request.station_id)
        now = self._clock.now()
        free = _free_evses(statuses, held, now)
        if refused(held, request.uid, evse_id=request.evse_id, free_evses=free, now=now):
            return Authorization(AuthorizationStatus.INVALID, group_id=decision.group_id)
        return decision


def _free_evses(
    statuses: Mapping[int, Sequence[str]], held: Sequence[Reservation], now: datetime
) -> set[int]:
    """EVSEs whose connectors are all free and that no active reservation names."""
    named = {r.evse_id for r in held if r.status_at(now) is ReservationStatus.ACTIVE}
    return {
        evse_id
        for evse_id, found in statuses.items()
        if evse_id not in named and all(status in _FREE for status in found)
    }


async def use(
    uow: UnitOfWork,
    station_id: str,
    uid: str | None,
    *,
    evse_id: int | None,
    reservation_id: int | None,
    now: datetime,
) -> Reservation | None:
    """A transaction started (or was authorized) for ``uid`` at ``evse_id``, naming
    ``reservation_id`` or not: the reservation it uses is staged as USED in ``uow``."""
    if uid is None and reservation_id is None:
        return None
    held = await uow.reservations.active(station_id)
    found = used_by(held, uid or "", evse_id=evse_id, reservation_id=reservation_id, now=now)
    if found is not None:
        found.end(ReservationStatus.USED)
        uow.reservations.save(found)
    return found
