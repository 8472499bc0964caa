"""Receipts of partner CPOs' CDRs: the operator is the partner's party (and the name its
location gives), times are in the zone of the location it sent (else UTC), VAT is shown only
as the CDR states it, and a flat price comes from the tariff the CDR carries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from kilowatt.services.partner_receipts import receipt_of_partner_cdr

FLAT_TARIFF: dict[str, Any] = {
    "country_code": "BE",
    "party_id": "BEC",
    "id": "12",
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "FLAT", "price": 1.5, "step_size": 1}]}],
    "last_updated": "2026-11-01T00:00:00Z",
}


def _cdr(**changes: Any) -> dict[str, Any]:
    return {
        "country_code": "BE",
        "party_id": "BEC",
        "id": "12345",
        "start_date_time": "2026-07-01T10:00:00Z",
        "end_date_time": "2026-07-01T10:45:00Z",
        "cdr_location": {"id": "LOC1", "evse_uid": "3256", "connector_id": "1"},
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2026-07-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 8}],
            }
        ],
        "total_cost": {"excl_vat": 1.5},
        "total_energy": 8,
    } | changes


GENT = {"name": "Gent Zuid", "address": "F.Rooseveltlaan 3A", "city": "Gent"}


def test_the_operator_and_the_name_and_zone_come_from_the_location_the_partner_sent() -> None:
    location = GENT | {"time_zone": "Europe/Brussels", "operator": {"name": "BeCharged"}}
    made = receipt_of_partner_cdr(_cdr(), location)
    assert (made.operator, made.location_name) == ("BeCharged (BE*BEC)", "Gent Zuid")
    assert made.address == "F.Rooseveltlaan 3A, Gent"
    assert made.local(made.started_at).strftime("%H:%M %Z") == "12:00 CEST"
    assert made.duration == timedelta(minutes=45)


@pytest.mark.parametrize("location", [None, GENT, GENT | {"time_zone": "Mars/Olympus"}])
def test_without_a_zone_we_can_use_times_are_utc(location: dict[str, Any] | None) -> None:
    made = receipt_of_partner_cdr(_cdr(), location)
    assert made.time_zone == "UTC"
    assert made.operator == "BE*BEC" and made.evse_id == "3256"


def test_vat_the_cdr_does_not_state_is_not_invented() -> None:
    made = receipt_of_partner_cdr(_cdr(), None)
    assert (made.total_excl_vat, made.total_incl_vat, made.vat) == (Decimal("1.5"), None, None)
    stated = receipt_of_partner_cdr(_cdr(total_cost={"excl_vat": 1.5, "incl_vat": 1.5}), None)
    assert stated.vat == Decimal(0)  # stated as no VAT: zero, not unknown


def test_a_flat_price_of_the_carried_tariff_is_a_session_fee_line() -> None:
    period = _cdr()["charging_periods"][0] | {"tariff_id": "12"}
    made = receipt_of_partner_cdr(_cdr(tariffs=[FLAT_TARIFF], charging_periods=[period]), None)
    fee = made.lines[-1]
    assert (fee.label, fee.unit_price_excl_vat, fee.amount_excl_vat) == (
        "Session fee",
        Decimal("1.5"),
        Decimal("1.5"),
    )


def test_a_tariff_we_cannot_read_leaves_the_lines_unpriced_and_the_totals_as_sent() -> None:
    broken = FLAT_TARIFF | {"elements": [{"price_components": [{"type": "BOGUS"}]}]}
    period = _cdr()["charging_periods"][0] | {"tariff_id": "12"}
    made = receipt_of_partner_cdr(_cdr(tariffs=[broken], charging_periods=[period]), None)
    assert [line.unit_price_excl_vat for line in made.lines] == [None]
    assert made.total_excl_vat == Decimal("1.5")
