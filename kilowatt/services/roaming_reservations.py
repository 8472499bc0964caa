"""OCPI RESERVE_NOW and CANCEL_RESERVATION (CPO as Receiver) carried out as OCPP reservations
(services/reservations.py). The eMSP's ``reservation_id`` never reaches the station: it is
mapped to one of ours per partner, so an eMSP can replace or cancel only its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from kilowatt.domain.errors import Conflict, InvalidValue, StationTimeout, StationUnavailable
from kilowatt.domain.reservations import ReservationStatus
from kilowatt.domain.roaming import Partner
from kilowatt.domain.tariff_json import as_timestamp
from kilowatt.ports import RoamingReservations, StationGateway
from kilowatt.services import reservations
from kilowatt.services.context import ServiceContext

__all__ = [
    "ReserveNow",
    "authorization_reference",
    "cancel",
    "reservation_id",
    "reserve_now",
    "reserve_request",
]

#: The station's answer to ReserveNow as an OCPI CommandResult.
_RESULTS: Final = {
    "Accepted": "ACCEPTED",
    "Occupied": "EVSE_OCCUPIED",
    "Faulted": "EVSE_INOPERATIVE",
    "Unavailable": "EVSE_INOPERATIVE",
}


@dataclass(frozen=True, slots=True)
class ReserveNow:
    """An eMSP's reservation for one of our stations (``evse_id`` None: any of its EVSEs)."""

    reservation_id: str
    station_id: str
    reserve: reservations.Reserve


def reservation_id(body: Mapping[str, Any]) -> str:
    value = body.get("reservation_id")
    if not isinstance(value, str) or not 1 <= len(value) <= 36:
        raise InvalidValue("reservation_id must be a string of 1 to 36 characters")
    return value


def reserve_request(body: Mapping[str, Any], station_id: str, evse_id: int | None) -> ReserveNow:
    """Raises InvalidValue on a body without a sound reservation id, expiry or token uid."""
    expires_at = as_timestamp(body.get("expiry_date"), "expiry_date")
    token = body.get("token")
    if not isinstance(token, dict) or not isinstance(token.get("uid"), str):
        raise InvalidValue("RESERVE_NOW needs a token with a uid")
    reference = authorization_reference(body)
    reserve = reservations.Reserve(
        token["uid"], expires_at, evse_id, authorization_reference=reference
    )
    return ReserveNow(reservation_id(body), station_id, reserve)


def authorization_reference(body: Mapping[str, Any]) -> str | None:
    """A command's authorization_reference (CiString(36)), for the Session and CDR."""
    reference = body.get("authorization_reference")
    if reference is not None and (not isinstance(reference, str) or not 1 <= len(reference) <= 36):
        raise InvalidValue("authorization_reference must be a string of 1 to 36 characters")
    return reference


async def reserve_now(
    order: ReserveNow,
    partner: Partner,
    book: RoamingReservations,
    ctx: ServiceContext,
    gateway: StationGateway,
    timeout_s: float,
) -> str:
    """The CommandResult. The same reservation id again replaces the earlier reservation."""
    earlier = await book.ours(partner.id, order.reservation_id)
    if earlier is not None:
        await _cancel_ours(earlier, ctx, gateway, timeout_s)
    try:
        reservation = await reservations.reserve(
            order.station_id, order.reserve, ctx, gateway, timeout_s=timeout_s
        )
    except StationTimeout:
        return "TIMEOUT"
    except StationUnavailable:
        return "FAILED"
    await book.keep(partner.id, order.reservation_id, reservation.id, ctx.clock.now())
    return _RESULTS.get(reservation.station_status or "", "REJECTED")


async def cancel(
    partner: Partner,
    their_id: str,
    book: RoamingReservations,
    ctx: ServiceContext,
    gateway: StationGateway,
    timeout_s: float,
) -> str:
    """The CommandResult of CANCEL_RESERVATION."""
    ours = await book.ours(partner.id, their_id)
    if ours is None:
        return "UNKNOWN_RESERVATION"
    return await _cancel_ours(ours, ctx, gateway, timeout_s)


async def _cancel_ours(
    ours: int, ctx: ServiceContext, gateway: StationGateway, timeout_s: float
) -> str:
    async with ctx.uow() as uow:
        reservation = await uow.reservations.get(ours)
    if reservation is None or reservation.status_at(ctx.clock.now()) is not (
        ReservationStatus.ACTIVE
    ):
        return "UNKNOWN_RESERVATION"
    try:
        _, answer = await reservations.cancel(
            reservation.station_id, ours, ctx, gateway, timeout_s=timeout_s
        )
    except StationTimeout:
        return "TIMEOUT"
    except (StationUnavailable, Conflict):
        return "FAILED"
    return "ACCEPTED" if answer == "Accepted" else "REJECTED"
