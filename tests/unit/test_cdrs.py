"""CDRs: the OCPI shape, ids, credit notes, and the unit prices shown before charging."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kilowatt.domain.cdrs import cdr_id, credit_note
from kilowatt.domain.errors import Conflict
from kilowatt.domain.price_display import unit_prices
from kilowatt.domain.tariff_json import jsonable
from kilowatt.domain.tariffs import Price, Tariff

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def test_revisions_append_to_the_transactions_key() -> None:
    assert cdr_id("abc", 0) == "abc"
    assert cdr_id("abc", 2) == "abc-2"


def test_a_credit_note_negates_only_the_total_cost() -> None:
    original = {
        "id": "abc",
        "total_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
        "total_time_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
        "total_energy": 15.342,
        "last_updated": "2026-11-01T00:00:00Z",
    }
    credit = credit_note(original, NOW)
    assert credit["id"] == "abc-C"
    assert credit["total_cost"] == {"excl_vat": Decimal("-4.0"), "incl_vat": Decimal("-4.4")}
    assert credit["total_time_cost"] == original["total_time_cost"]
    assert (credit["credit"], credit["credit_reference_id"]) == (True, "abc")
    assert credit["last_updated"] == "2026-11-24T12:00:00Z"
    assert original["total_cost"] == {"excl_vat": 4.0, "incl_vat": 4.4}  # untouched
    with pytest.raises(Conflict):
        credit_note(credit, NOW)


def test_decimals_become_json_numbers_that_read_back_exactly() -> None:
    data = {"a": Decimal("0.1"), "b": [Decimal("5.00"), Decimal("-4.24")], "c": "x"}
    assert jsonable(data) == {"a": 0.1, "b": [5, -4.24], "c": "x"}
    assert Decimal(repr(jsonable(Decimal("0.3025")))) == Decimal("0.3025")


def test_unit_prices_follow_the_time_of_day() -> None:
    off_peak = {"start_time": "22:00", "end_time": "07:00"}
    tariff = Tariff.from_ocpi(
        {
            "country_code": "NL",
            "party_id": "KWT",
            "id": "TOD",
            "currency": "EUR",
            "elements": [
                {
                    "price_components": [
                        {"type": "ENERGY", "price": Decimal("0.20"), "vat": 21, "step_size": 1}
                    ],
                    "restrictions": off_peak,
                },
                {
                    "price_components": [
                        {"type": "ENERGY", "price": Decimal("0.40"), "vat": 21, "step_size": 1},
                        {"type": "FLAT", "price": Decimal("1"), "step_size": 1},
                    ]
                },
            ],
        }
    )
    zone = "Europe/Amsterdam"
    day = unit_prices(tariff, zone, datetime(2026, 1, 5, 12, tzinfo=UTC))
    night = unit_prices(tariff, zone, datetime(2026, 1, 5, 21, 30, tzinfo=UTC))  # 22:30 local
    assert day.per_kwh == Price(Decimal("0.40"), Decimal("0.4840"))
    assert night.per_kwh == Price(Decimal("0.20"), Decimal("0.2420"))
    assert day.per_session == Price(Decimal("1"), Decimal("1.0000"))  # no VAT given
    assert day.per_hour is None and day.per_parking_hour is None
