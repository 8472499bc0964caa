"""Reservations: who a reservation keeps out, where, and until when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.reservations import Reservation, ReservationStatus

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def active(evse_id: int | None) -> Reservation:
    reservation = Reservation(1, "CP", evse_id, "OWNER", NOW + timedelta(minutes=15), NOW)
    reservation.answered("Accepted")
    return reservation


@pytest.mark.parametrize(
    ("reserved", "uid", "evse_id", "refused"),
    [
        (1, "OTHER", 1, True),
        (1, "OWNER", 1, False),
        (1, "OTHER", 2, False),
        (1, "OTHER", None, False),  # an Authorize that names no EVSE
        (None, "OTHER", 2, True),  # the whole station is reserved
        (None, "OTHER", None, True),
        (None, "OWNER", 2, False),
    ],
)
def test_an_active_reservation_keeps_other_tokens_from_its_evse(
    reserved: int | None, uid: str, evse_id: int | None, refused: bool
) -> None:
    assert active(reserved).refuses(uid, evse_id=evse_id, now=NOW) is refused


def test_a_reservation_past_its_expiry_counts_as_expired_and_keeps_nobody_out() -> None:
    reservation = active(1)
    later = NOW + timedelta(minutes=15)
    assert reservation.status_at(later) is ReservationStatus.EXPIRED
    assert not reservation.refuses("OTHER", evse_id=1, now=later)


def test_a_refused_or_ended_reservation_keeps_nobody_out_and_does_not_come_back() -> None:
    refused = Reservation(2, "CP", 1, "OWNER", NOW + timedelta(minutes=5), NOW)
    refused.answered("Occupied")
    assert refused.status is ReservationStatus.REJECTED
    assert not refused.refuses("OTHER", evse_id=1, now=NOW)

    ended = active(1)
    ended.end(ReservationStatus.CANCELLED)
    ended.end(ReservationStatus.EXPIRED)
    assert ended.status is ReservationStatus.CANCELLED
    assert not ended.refuses("OTHER", evse_id=1, now=NOW)
