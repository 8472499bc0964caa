"""Receipts from CDRs: one line per billed dimension of each charging period, priced at the
tariff element active in the location's time zone when the period began; the CDR's totals."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from kilowatt.ports import CdrRecord
from kilowatt.services.receipts import receipt
from kilowatt.web.pdf import receipt_pdf

TARIFF: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "KWT",
    "id": "AC",
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.29, "vat": 21, "step_size": 1}],
            "restrictions": {"start_time": "23:00", "end_time": "07:00"},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": 0.39, "vat": 21, "step_size": 1},
                {"type": "PARKING_TIME", "price": 6.00, "vat": 21, "step_size": 300},
            ]
        },
    ],
    "last_updated": "2026-11-01T00:00:00Z",
}


def _cdr(**changes: Any) -> CdrRecord:
    body: dict[str, Any] = {
        "id": "CDR-1",
        "session_id": "S-1",
        "start_date_time": "2026-11-24T21:00:00Z",
        "end_date_time": "2026-11-24T23:00:00Z",
        "cdr_location": {
            "id": "LOC-1",
            "name": "Zuidas",
            "address": "Gustav Mahlerplein 1",
            "postal_code": "1082 MA",
            "city": "Amsterdam",
            "evse_id": "NL*KWT*E1*1",
        },
        "currency": "EUR",
        "tariffs": [TARIFF],
        "charging_periods": [
            {  # 22:00 in Amsterdam: the day price
                "start_date_time": "2026-11-24T21:00:00Z",
                "dimensions": [
                    {"type": "ENERGY", "volume": 10},
                    {"type": "TIME", "volume": 1},
                    {"type": "MAX_CURRENT", "volume": 32},
                ],
                "tariff_id": "AC",
            },
            {  # 23:00 in Amsterdam: the night price, and parking is not priced at night
                "start_date_time": "2026-11-24T22:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 5}],
                "tariff_id": "AC",
            },
        ],
        "total_fixed_cost": {"excl_vat": 0.5, "incl_vat": 0.61},
        "total_cost": {"excl_vat": 5.85, "incl_vat": 7.08},
        "total_energy": 15,
    } | changes
    return CdrRecord(body, "S-1", 0, bool(body.get("credit")), "CP-1", "LOC-1", "TAG")


def test_each_billed_dimension_is_a_line_priced_in_the_locations_time_zone() -> None:
    made = receipt(_cdr(), "Europe/Amsterdam")
    lines = [
        (line.label, line.volume, line.unit_price_excl_vat, line.amount_excl_vat)
        for line in made.lines
    ]
    assert lines == [
        ("Energy", Decimal(10), Decimal("0.39"), Decimal("3.9000")),
        ("Charging time", Decimal(1), None, Decimal(0)),  # measured, not priced
        ("Energy", Decimal(5), Decimal("0.29"), Decimal("1.4500")),
        ("Session fee", Decimal(1), None, Decimal("0.5")),
    ]


def test_the_totals_are_the_cdrs_with_the_vat_between_them() -> None:
    made = receipt(_cdr(), "Europe/Amsterdam")
    assert (made.total_excl_vat, made.total_incl_vat) == (Decimal("5.85"), Decimal("7.08"))
    assert made.vat == Decimal("1.23")
    assert made.address == "Gustav Mahlerplein 1, 1082 MA Amsterdam"
    assert made.total_energy_kwh == Decimal(15) and not made.credit


def test_a_credit_cdr_is_a_credit_receipt_with_negative_totals() -> None:
    credit = _cdr(id="CDR-1-C", credit=True, total_cost={"excl_vat": -5.85, "incl_vat": -7.08})
    made = receipt(credit, "Europe/Amsterdam")
    assert made.credit and made.total_incl_vat == Decimal("-7.08")
    assert made.vat == Decimal("-1.23")


def test_the_pdf_shows_the_totals_and_survives_names_beyond_latin_1() -> None:
    where = {"id": "L", "name": "Łódź Kaliska ⚡", "address": "Straße 1", "city": "Łódź"}
    made = receipt(_cdr(cdr_location=where | {"evse_id": "PL*KWT*E1*1"}), "Europe/Warsaw")
    pdf = PdfReader(io.BytesIO(receipt_pdf(made)))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Total incl. VAT" in text and "7.08 EUR" in text and "1.23 EUR" in text
    assert "Straße 1" in text  # Latin-1 kept; the rest becomes "?"
