"""Invoices, pure: lines from CDRs (credits negative), exact totals and VAT per rate,
numbers, months in UTC, and the charge attempts' idempotency keys."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from kilowatt.domain.errors import Conflict, InvalidValue
from kilowatt.domain.invoices import (
    Invoice,
    InvoiceState,
    Month,
    Party,
    from_minor,
    invoice_number,
    line_of,
    lines_of,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def cdr(
    cdr_id: str, excl: str, incl: str, vat: float | None = 21.0, **extra: Any
) -> dict[str, Any]:
    component: dict[str, Any] = {"type": "ENERGY", "price": 0.30, "step_size": 1}
    if vat is not None:
        component["vat"] = vat
    return {
        "id": cdr_id,
        "currency": "EUR",
        "start_date_time": "2026-11-10T08:00:00Z",
        "end_date_time": "2026-11-10T09:00:00Z",
        "total_energy": 10,
        "cdr_location": {"name": "Depot", "address": "Main 1", "city": "Delft", "evse_id": "E1"},
        "tariffs": [{"elements": [{"price_components": [component]}]}],
        "total_cost": {"excl_vat": excl, "incl_vat": incl},
        **extra,
    }


def invoice_of(*cdrs: dict[str, Any]) -> Invoice:
    return Invoice(
        "id", "KW-2026-000001", "ada", Month(2026, 11), "EUR", NOW, Party("Us"), Party("Ada"),
        lines_of(cdrs),
    )  # fmt: skip


def test_a_line_takes_the_cdr_totals_exactly_in_minor_units() -> None:
    line = line_of(cdr("A", "3.50", "4.24"))
    assert (line.excl_vat_minor, line.vat_minor, line.incl_vat_minor) == (350, 74, 424)
    assert line.vat_rate == Decimal(21)
    assert "Depot, Main 1, Delft (E1)" in line.description


def test_a_credit_cdr_is_a_negative_line() -> None:
    credit = cdr("A-C", "-3.50", "-4.24", credit=True, credit_reference_id="A")
    line = line_of(credit)
    assert (line.excl_vat_minor, line.vat_minor, line.credit) == (-350, -74, True)
    assert line.description.startswith("Credit of A:")


def test_totals_are_the_sum_of_the_lines_with_vat_per_rate() -> None:
    invoice = invoice_of(
        cdr("A", "3.50", "4.24"),
        cdr("B", "10.00", "12.10"),
        cdr("A-C", "-3.50", "-4.24", credit=True),
        cdr("C", "2.00", "2.18", vat=9.0),
    )
    assert invoice.subtotal_minor == 350 + 1000 - 350 + 200
    vat = [(v.rate, v.base_minor, v.vat_minor) for v in invoice.vat_lines]
    assert vat == [(Decimal(9), 200, 18), (Decimal(21), 1000, 210)]
    assert invoice.total_minor == invoice.subtotal_minor + 18 + 210 == 1428
    assert from_minor(invoice.total_minor, "EUR") == Decimal("14.28")


def test_without_a_tariff_rate_the_totals_imply_it() -> None:
    assert line_of(cdr("A", "10.00", "11.90", vat=None)).vat_rate == Decimal(19)
    assert line_of(cdr("B", "10.00", "10.00", vat=None)).vat_rate == Decimal(0)


def test_an_amount_finer_than_the_currency_is_refused_not_rounded() -> None:
    with pytest.raises(InvalidValue):
        line_of(cdr("A", "3.505", "4.24"))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-11", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
    ],
)
def test_a_month_is_a_utc_calendar_month(text: str, start: datetime, end: datetime) -> None:
    month = Month.parse(text)
    assert (month.start, month.end, str(month)) == (start, end, text)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "2026-11-01"])
def test_a_bad_month_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue):
        Month.parse(text)


def test_numbers_are_per_year_and_zero_padded() -> None:
    assert invoice_number("KW", 2026, 123) == "KW-2026-000123"


def test_a_declined_charge_is_retried_with_a_new_key_and_a_paid_one_never() -> None:
    invoice = invoice_of(cdr("A", "3.50", "4.24"))
    assert invoice.begin_charge(NOW) == "invoice-KW-2026-000001-1"
    assert invoice.begin_charge(NOW) == "invoice-KW-2026-000001-1"  # resumed, not a new one
    invoice.declined("card_declined", NOW)
    assert (invoice.state, invoice.failure_reason) == (InvoiceState.UNPAID, "card_declined")
    assert invoice.begin_charge(NOW) == "invoice-KW-2026-000001-2"
    invoice.paid("pi_1", NOW)
    assert (invoice.state, invoice.failure_reason) == (InvoiceState.PAID, None)
    with pytest.raises(Conflict):
        invoice.begin_charge(NOW)


def test_an_invoice_of_nothing_or_less_is_never_charged() -> None:
    invoice = invoice_of(cdr("A", "3.50", "4.24"), cdr("A-C", "-3.50", "-4.24", credit=True))
    assert invoice.total_minor == 0
    assert invoice.settle_if_nothing_due(NOW)
    assert invoice.state is InvoiceState.NOTHING_DUE
    with pytest.raises(Conflict):
        invoice.begin_charge(NOW)


def test_refunds_never_exceed_what_was_paid() -> None:
    invoice = invoice_of(cdr("A", "3.50", "4.24"))
    with pytest.raises(Conflict):
        invoice.refund(100, NOW)  # not paid yet
    invoice.begin_charge(NOW)
    invoice.paid("pi_1", NOW)
    assert invoice.refund(100, NOW) == 100
    with pytest.raises(InvalidValue):
        invoice.refund(325, NOW)  # 324 left
    assert invoice.refund(None, NOW) == 324
    assert invoice.refundable_minor == 0
    with pytest.raises(InvalidValue):
        invoice.refund(None, NOW)
