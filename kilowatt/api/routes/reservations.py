"""Reservations: ReserveNow, CancelReservation, and what a station has reserved."""

from __future__ import annotations

from fastapi import APIRouter

from kilowatt.api.deps import BackendDep, KnownStation, Limit, Offset
from kilowatt.api.schemas.reservations import CancelPublic, ReservationCreate, ReservationPublic
from kilowatt.services import reservations

router = APIRouter(tags=["reservations"])


@router.post("/stations/{station_id}/reservations")
async def reserve(
    station: KnownStation, body: ReservationCreate, backend: BackendDep
) -> ReservationPublic:
    """ReserveNow; ``status`` ACTIVE when the station accepted, else REJECTED with its answer
    in ``station_status``. While active, the EVSE accepts only this token."""
    reservation = await reservations.reserve(
        station.id,
        body.to_request(),
        backend.ctx,
        backend.gateway,
        timeout_s=backend.call_timeout_s,
    )
    return ReservationPublic.of(reservation, backend.ctx.clock.now())


@router.get("/stations/{station_id}/reservations")
async def listed(
    station: KnownStation, backend: BackendDep, limit: Limit = 100, offset: Offset = 0
) -> list[ReservationPublic]:
    """Newest first; an active reservation past its expiry shows as EXPIRED."""
    found = await backend.queries.reservations(station.id, limit=limit, offset=offset)
    now = backend.ctx.clock.now()
    return [ReservationPublic.of(reservation, now) for reservation in found]


@router.delete("/stations/{station_id}/reservations/{reservation_id}")
async def cancel(station: KnownStation, reservation_id: int, backend: BackendDep) -> CancelPublic:
    """CancelReservation; 404 for an unknown reservation, 409 when it is no longer active."""
    reservation, status = await reservations.cancel(
        station.id, reservation_id, backend.ctx, backend.gateway, timeout_s=backend.call_timeout_s
    )
    public = ReservationPublic.of(reservation, backend.ctx.clock.now())
    return CancelPublic(station_status=status, reservation=public)
