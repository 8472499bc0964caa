"""Reservations: who a reservation keeps out, where, and until when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.reservations import Reservation, ReservationStatus, refused, used_by

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def active(evse_id: int | None) -> Reservation:
    reservation = Reservation(1, "CP", evse_id, "OWNER", NOW + timedelta(minutes=15), NOW)
    reservation.answered("Accepted")
    return reservation


@pytest.mark.parametrize(
    ("reserved", "uid", "evse_id", "free", "is_refused"),
    [
        (1, "OTHER", 1, {2}, True),
        (1, "OWNER", 1, {2}, False),
        (1, "OTHER", 2, set(), False),
        (1, "OTHER", None, {2}, False),  # an Authorize that names no EVSE
        # The whole station (1.6 connector 0): refused only where no other EVSE stays free.
        (None, "OTHER", 1, {2}, False),
        (None, "OTHER", 1, {1}, True),
        (None, "OTHER", 2, {1, 2}, False),
        (None, "OTHER", None, {1}, False),  # room left: the start, which names it, decides
        (None, "OTHER", None, set(), True),
        (None, "OWNER", 1, set(), False),
    ],
)
def test_an_active_reservation_keeps_other_tokens_from_its_evse(
    reserved: int | None, uid: str, evse_id: int | None, free: set[int], is_refused: bool
) -> None:
    held = [active(reserved)]
    assert refused(held, uid, evse_id=evse_id, free_evses=free, now=NOW) is is_refused


def test_each_station_wide_reservation_keeps_one_free_evse() -> None:
    held = [active(None), active(None)]
    held[1].id_token = "SECOND"
    assert refused(held, "OTHER", evse_id=1, free_evses={1, 2}, now=NOW)
    assert not refused(held, "OTHER", evse_id=3, free_evses={1, 2}, now=NOW)
    assert not refused(held, "SECOND", evse_id=1, free_evses={1, 2}, now=NOW)


def test_a_transaction_uses_the_reservation_it_names_or_its_token_holds() -> None:
    station_wide, on_two = active(None), active(2)
    on_two.id = 2
    held = [station_wide, on_two]
    assert used_by(held, "OWNER", evse_id=2, reservation_id=None, now=NOW) is on_two
    assert used_by(held, "OWNER", evse_id=1, reservation_id=None, now=NOW) is station_wide
    assert used_by(held, "OTHER", evse_id=2, reservation_id=1, now=NOW) is station_wide
    assert used_by(held, "OTHER", evse_id=2, reservation_id=None, now=NOW) is None
    station_wide.end(ReservationStatus.USED)
    assert station_wide.status_at(NOW) is ReservationStatus.USED
    assert not refused(held, "OTHER", evse_id=1, free_evses=set(), now=NOW)


def test_a_reservation_past_its_expiry_counts_as_expired_and_keeps_nobody_out() -> None:
    reservation = active(1)
    later = NOW + timedelta(minutes=15)
    assert reservation.status_at(later) is ReservationStatus.EXPIRED
    assert not reservation.refuses("OTHER", evse_id=1, now=later)


def test_a_refused_or_ended_reservation_keeps_nobody_out_and_does_not_come_back() -> None:
    declined = Reservation(2, "CP", 1, "OWNER", NOW + timedelta(minutes=5), NOW)
    declined.answered("Occupied")
    assert declined.status is ReservationStatus.REJECTED
    assert not declined.refuses("OTHER", evse_id=1, now=NOW)

    ended = active(1)
    ended.end(ReservationStatus.CANCELLED)
    ended.end(ReservationStatus.EXPIRED)
    assert ended.status is ReservationStatus.CANCELLED
    assert not ended.refuses("OTHER", evse_id=1, now=NOW)
