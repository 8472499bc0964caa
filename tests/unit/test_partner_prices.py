"""What a driver would pay at a partner's EVSE for a session starting now: the received
OCPI tariff's elements whose restrictions hold at the start, in the location's time zone,
the first matching element per dimension winning (OCPI 2.2.1 mod_tariffs, 'Tariff
restrictions'). Elements that only apply later in a session, at a measured current or power,
or to a reservation are not shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kilowatt.services.partner_finder import unit_prices

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "ocpi-2.2.1"  # the spec's own examples
BERLIN = "Europe/Berlin"  # CET (UTC+1) in November


def spec_example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 given in UTC (the 25th is a Wednesday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def per_minute_parking(moment: datetime, time_zone: str = BERLIN) -> object:
    prices = unit_prices(spec_example("tariff_4_complex.json"), time_zone, moment)
    assert prices is not None
    return (prices["per_parking_minute"] or {}).get("excl_vat")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(25, 9), "0.0833"),  # Wednesday 10:00: weekday 09:00-18:00, 5.00/h
        (at(25, 7, 59), None),  # Wednesday 08:59: before the weekday window
        (at(25, 17), None),  # Wednesday 18:00: end_time is exclusive
        (at(28, 11), "0.1000"),  # Saturday 12:00: Saturday 10:00-17:00, 6.00/h
        (at(28, 8, 30), None),  # Saturday 09:30: the weekday element is not for Saturdays
        (at(29, 11), None),  # Sunday: no parking element
    ],
)
def test_the_spec_complex_tariff_prices_parking_by_weekday_and_time_of_day(
    moment: datetime, expected: str | None
) -> None:
    assert per_minute_parking(moment) == expected


def test_the_day_and_hour_are_those_of_the_location_time_zone() -> None:
    moment = at(28, 1, 30)  # Saturday 10:30 in Tokyo, Friday 20:30 in New York
    assert per_minute_parking(moment, "Asia/Tokyo") == "0.1000"
    assert per_minute_parking(moment, "America/New_York") is None


def test_the_complex_tariff_shows_its_flat_fee_and_no_current_dependent_time_price() -> None:
    prices = unit_prices(spec_example("tariff_4_complex.json"), BERLIN, at(25, 9))
    assert prices is not None
    assert prices["per_session"] == {"excl_vat": "2.5000", "incl_vat": "2.8750"}
    assert prices["per_minute"] is None  # every TIME element needs a measured current


def tariff(*elements: dict[str, Any]) -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "ABC",
        "id": "NIGHT",
        "currency": "EUR",
        "elements": list(elements),
        "last_updated": "2026-11-01T00:00:00Z",
    }


def energy(price: float, **restrictions: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "price_components": [{"type": "ENERGY", "price": price, "vat": 19, "step_size": 1}]
    }
    return element | ({"restrictions": restrictions} if restrictions else {})


def per_kwh(prices: dict[str, Any] | None) -> str | None:
    assert prices is not None
    return None if prices["per_kwh"] is None else str(prices["per_kwh"]["excl_vat"])


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(25, 21, 59), "0.2000"),  # 22:59 in Berlin: the night has begun
        (at(26, 2), "0.2000"),  # 03:00 the next day: still night across midnight
        (at(26, 5), "0.3500"),  # 06:00: end_time is exclusive, the day price again
        (at(25, 11), "0.3500"),  # noon
    ],
)
def test_a_night_window_crosses_midnight(moment: datetime, expected: str) -> None:
    night = tariff(energy(0.20, start_time="22:00", end_time="06:00"), energy(0.35))
    assert per_kwh(unit_prices(night, BERLIN, moment)) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(30, 12), "0.1500"),  # the last day of the offer
        (at(30, 23), "0.3500"),  # 1 December in Berlin: end_date is exclusive
        (at(1, 12).replace(month=11), "0.3500"),  # 1 November: before start_date
    ],
)
def test_a_date_range_offer_applies_from_start_date_until_before_end_date(
    moment: datetime, expected: str
) -> None:
    offer = tariff(energy(0.15, start_date="2026-11-02", end_date="2026-12-01"), energy(0.35))
    assert per_kwh(unit_prices(offer, BERLIN, moment)) == expected


@pytest.mark.parametrize(
    "later",
    [
        {"min_kwh": 10},
        {"min_duration": 3600},
        {"min_power": 50},
        {"max_power": 50},
        {"min_current": 16},
        {"max_current": 32},
    ],
)
def test_an_element_that_applies_only_later_or_at_a_measured_power_is_not_shown(
    later: dict[str, Any],
) -> None:
    shown = tariff(energy(0.10, **later), energy(0.35))
    assert per_kwh(unit_prices(shown, BERLIN, at(25, 9))) == "0.3500"


def test_an_element_that_holds_at_the_start_of_a_session_is_shown() -> None:
    first_kwh = tariff(energy(0.10, max_kwh=5, max_duration=1800), energy(0.35))
    assert per_kwh(unit_prices(first_kwh, BERLIN, at(25, 9))) == "0.1000"


def test_reservation_elements_are_not_the_charging_price() -> None:
    reserved = spec_example("tariff_15_reservation_5_euro_per_hour.json")
    prices = unit_prices(reserved, BERLIN, at(25, 9))
    assert prices is not None
    assert prices["per_minute"] is None  # 5.00/h TIME only while reserved
    assert (per_kwh(prices), prices["per_session"]["excl_vat"]) == ("0.2500", "0.5000")
