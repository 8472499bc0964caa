"""The payment state machine: capture at most the hold, refund at most the capture."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kilowatt.domain.errors import Conflict, InvalidValue
from kilowatt.domain.payments import (
    Payment,
    PaymentDeclined,
    PaymentState,
    split,
    stop_reason_of,
    to_minor,
    to_minor_up,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def held(amount_minor: int = 5000) -> Payment:
    return Payment("P-1", "D-1", "pi_1", "EUR", amount_minor, NOW, NOW)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("4.24", "EUR", 424), ("4.2", "EUR", 420), ("0", "EUR", 0), ("1234", "JPY", 1234)],
)
def test_totals_become_minor_units_exactly(amount: str, currency: str, minor: int) -> None:
    assert to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize(("amount", "currency"), [("4.245", "EUR"), ("1.5", "JPY"), ("-1", "EUR")])
def test_amounts_that_do_not_fit_the_currency_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(InvalidValue):
        to_minor(Decimal(amount), currency)


def test_a_capture_takes_part_of_the_hold_and_refunds_never_exceed_it() -> None:
    payment = held()
    payment.capture(424, "CDR-1", NOW)
    assert (payment.state, payment.captured_minor, payment.cdr_id) == (
        PaymentState.CAPTURED,
        424,
        "CDR-1",
    )
    payment.refund(100, NOW)
    assert payment.refundable_minor == 324 and payment.state is PaymentState.CAPTURED
    with pytest.raises(InvalidValue):
        payment.refund(325, NOW)
    payment.refund(324, NOW)
    assert state_of(payment) is PaymentState.REFUNDED
    with pytest.raises(Conflict):
        payment.refund(1, NOW)


def state_of(payment: Payment) -> PaymentState:
    return payment.state


def test_a_capture_is_at_most_the_hold_and_happens_once() -> None:
    payment = held(5000)
    with pytest.raises(InvalidValue):
        payment.capture(5001, "CDR-1", NOW)
    payment.capture(5000, "CDR-1", NOW)
    with pytest.raises(Conflict):
        payment.capture(1, "CDR-1", NOW)


def test_a_free_session_releases_the_whole_hold() -> None:
    payment = held()
    payment.capture(0, "CDR-1", NOW)
    assert payment.state is PaymentState.RELEASED
    with pytest.raises(Conflict):
        payment.refund(1, NOW)


@pytest.mark.parametrize(
    ("total", "holds", "shares"),
    [
        (424, [5000], [424]),
        (6000, [5000, 5000], [5000, 1000]),
        (0, [5000, 5000], [0, 0]),
        (12000, [5000, 5000], [5000, 5000]),  # the rest is charged apart (a shortfall)
    ],
)
def test_a_total_is_spread_over_the_holds_in_order(
    total: int, holds: list[int], shares: list[int]
) -> None:
    assert split(total, holds) == shares


def test_what_the_provider_reports_moves_a_payment_forward_only() -> None:
    payment = held()
    assert not payment.observe("requires_capture", 0, NOW)
    assert payment.observe("succeeded", 424, NOW)
    assert (payment.state, payment.captured_minor) == (PaymentState.CAPTURED, 424)
    assert not payment.observe("canceled", 0, NOW)  # a late report changes nothing
    assert not payment.observe("succeeded", 999, NOW)  # a replay neither
    assert payment.captured_minor == 424


def test_a_cancelled_hold_is_released() -> None:
    payment = held()
    assert payment.observe("canceled", 0, NOW)
    assert payment.state is PaymentState.RELEASED and payment.is_final


def test_a_running_cost_is_held_against_rounded_up() -> None:
    assert to_minor_up(Decimal("4.2412"), "EUR") == 425
    assert to_minor_up(Decimal("4.24"), "EUR") == 424


@pytest.mark.parametrize(
    ("refusal", "told"),
    [
        (
            PaymentDeclined("Your card was declined."),
            "stopped: your card was declined for the next part of the session"
            " (Your card was declined.)",
        ),
        (
            InvalidValue("the hold is too large"),
            "stopped: the next part of the session could not be paid (the hold is too large)",
        ),
        (
            RuntimeError("HTTP 500 from the provider"),
            "stopped: the next part of the session could not be paid"
            " (the card could not be charged)",
        ),
    ],
)
def test_a_refused_top_up_tells_the_driver_why_the_session_stopped(
    refusal: Exception, told: str
) -> None:
    start, top_up = held(), held()
    assert stop_reason_of([start, top_up]) is None
    top_up.stopped(refusal, NOW)
    assert stop_reason_of([start, top_up]) == told
    assert top_up.updated_at == NOW
