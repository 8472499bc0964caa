"""The pricing engine against the worked examples of OCPI 2.2.1 mod_tariffs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.pricing import (
    ChargingSession,
    MeterReading,
    PricedSession,
    Reservation,
    price_session,
)
from kilowatt.domain.tariffs import Tariff

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "ocpi-2.2.1"  # the spec's own examples
AMSTERDAM = "Europe/Amsterdam"
# A Monday in winter (UTC+1): local 09:30 is 08:30 UTC.
MONDAY_0930 = datetime(2025, 1, 6, 8, 30, tzinfo=UTC)
SATURDAY_1330 = datetime(2025, 1, 11, 12, 30, tzinfo=UTC)

Step = tuple[float, float, bool, float]  # minutes, kWh added, charging, current A


def tariff(name: str) -> Tariff:
    return Tariff.from_ocpi(json.loads((EXAMPLES / name).read_text(), parse_float=Decimal))


def readings(start: datetime, *steps: Step) -> tuple[MeterReading, ...]:
    """Readings at ``start`` and after each step of (minutes, kWh, charging, amperes)."""
    result = []
    at, wh = start, Decimal(0)
    for minutes, kwh, charging, amps in steps:
        result.append(MeterReading(at, wh, charging, Decimal(str(amps))))
        at += timedelta(minutes=minutes)
        wh += Decimal(str(kwh)) * 1000
    result.append(MeterReading(at, wh, False, Decimal(0)))
    return tuple(result)


def price(name: str, start: datetime, *steps: Step) -> PricedSession:
    return price_session(tariff(name), AMSTERDAM, ChargingSession(readings(start, *steps)))


def totals(priced: PricedSession) -> tuple[str, str]:
    cost = priced.cost.total_cost
    return str(cost.excl_vat), str(cost.incl_vat)


def test_simple_025_per_kwh_20_kwh() -> None:
    assert totals(price("tariff_8_simple_025kwh.json", MONDAY_0930, (60, 20, True, 16))) == (
        "5.00",
        "5.50",
    )


def test_start_fee_plus_energy() -> None:
    priced = price("tariff_9_025kwh_start.json", MONDAY_0930, (60, 20, True, 16))
    assert totals(priced) == ("5.50", "6.10")
    assert priced.cost.total_fixed_cost.excl_vat == Decimal("0.50")


def test_minimum_price_applies_below_two_kwh() -> None:
    small = price("tariff_12_025kwh_min_price.json", MONDAY_0930, (60, 1, True, 16))
    large = price("tariff_12_025kwh_min_price.json", MONDAY_0930, (60, 20, True, 16))
    assert totals(small) == ("0.50", "0.55")
    assert totals(large) == ("5.00", "5.50")


def test_parking_after_the_car_is_full_is_billed_per_15_minutes() -> None:
    priced = price(
        "tariff_10_025kwh_parking_start.json", MONDAY_0930, (120, 20, True, 16), (40, 0, False, 0)
    )
    assert totals(priced) == ("7.00", "7.90")
    assert priced.cost.total_parking_cost.excl_vat == Decimal("1.50")
    assert priced.cost.total_parking_time == Decimal("0.666667")


def test_maximum_price_caps_both_totals() -> None:
    capped = price("tariff_6_025kwh_start_max_price.json", MONDAY_0930, (60, 50, True, 16))
    below = price("tariff_6_025kwh_start_max_price.json", MONDAY_0930, (60, 30, True, 16))
    assert totals(capped) == ("10.00", "11.00")
    assert totals(below) == ("8.00", "8.85")


def test_two_euro_per_hour_for_two_and_a_half_hours() -> None:
    priced = price("tariff_1_simple_2hour.json", MONDAY_0930, (150, 20, True, 16))
    assert totals(priced) == ("5.00", "5.50")


def test_three_euro_per_hour_and_five_euro_per_hour_parking() -> None:
    priced = price(
        "tariff_13_simple_3hour_5parking.json", MONDAY_0930, (150, 30, True, 16), (42, 0, False, 0)
    )
    assert totals(priced) == ("11.25", "12.75")


def test_ad_hoc_tariff_with_5_2_percent_vat() -> None:
    assert totals(price("tariff_2_alt_text.json", MONDAY_0930, (150, 20, True, 16))) == (
        "4.75",
        "5.00",
    )


def test_energy_billed_per_100_wh() -> None:
    priced = price("tariff_3_alt_url.json", MONDAY_0930, (60, 20.45, True, 16))
    assert totals(priced) == ("5.63", "6.24")
    assert priced.cost.total_energy_cost.excl_vat == Decimal("5.13")
    assert priced.cost.total_energy == Decimal("20.45")


def test_complex_tariff_on_a_monday_morning() -> None:
    priced = price("tariff_4_complex.json", MONDAY_0930, (165, 30, True, 16), (42, 0, False, 0))
    assert totals(priced) == ("9.00", "10.30")
    assert priced.cost.total_time_cost.excl_vat == Decimal("2.75")
    assert priced.cost.total_parking_cost.excl_vat == Decimal("3.75")


def test_complex_tariff_on_a_saturday_afternoon_keeps_exact_amounts_until_the_end() -> None:
    # The spec's table prints 2.28 for 114 minutes at 1.25/h, which is 2.375 (1.9 h x 1.25);
    # its flat (2.50) and parking (75 min at 6.00 = 7.50) lines are reproduced exactly.
    priced = price("tariff_4_complex.json", SATURDAY_1330, (114, 30, True, 43), (71, 0, False, 0))
    assert priced.cost.exact_total.excl_vat == Fraction("12.375")
    assert priced.cost.exact_total.incl_vat == Fraction("13.975")
    assert priced.cost.total_parking_cost.excl_vat == Decimal("7.50")
    assert totals(priced) == ("12.38", "13.98")


def test_max_power_restriction() -> None:
    priced = price(
        "tariffrestriction_example_max_power.json",
        MONDAY_0930,
        (10, 1, True, 9),  # 1 kWh in 10 min: 6 kW
        (50, 40, True, 70),  # 40 kWh in 50 min: 48 kW
        (7.5, 0.5, True, 6),  # 0.5 kWh in 7.5 min: 4 kW
    )
    assert priced.cost.total_cost.excl_vat == Decimal("20.30")


def test_max_duration_restriction_splits_one_reading_interval() -> None:
    priced = price(
        "tariffrestriction_example_max_duration.json",
        MONDAY_0930,
        (30, 5, True, 16),
        (10, 1.2, True, 16),
    )
    assert priced.cost.total_cost.excl_vat == Decimal("0.30")


def test_step_size_switching_elements_1() -> None:
    # 16:55 local plug-in, 10 min charging, 2 min parking.
    start = datetime(2025, 1, 6, 15, 55, tzinfo=UTC)
    priced = price("tariff_14_step_size.json", start, (10, 2, True, 16), (2, 0, False, 0))
    assert totals(priced) == ("0.55", "0.55")
    assert [str(p.start_date_time.time()) for p in priced.periods] == [
        "15:55:00",
        "16:00:00",
        "16:05:00",
    ]


def test_step_size_switching_elements_2() -> None:
    start = datetime(2025, 1, 6, 15, 35, tzinfo=UTC)
    priced = price("tariff_14_step_size.json", start, (35, 5, True, 16))
    assert totals(priced)[0] == "1.30"
    assert [p.cost.time.excl_vat for p in priced.periods] == [Fraction("0.5"), Fraction("0.8")]


def test_step_size_switching_to_free_of_charge_element() -> None:
    start = datetime(2025, 1, 6, 18, 40, tzinfo=UTC)
    priced = price("tariff_14_step_size.json", start, (12, 2, True, 16), (20, 0, False, 0))
    assert totals(priced)[0] == "0.73"


def test_a_time_of_day_boundary_splits_the_energy_between_readings() -> None:
    data = json.loads((EXAMPLES / "tariff_14_step_size.json").read_text(), parse_float=Decimal)
    for element, price_kwh in zip(data["elements"], ("0.20", "0.40", "0.30"), strict=True):
        element["price_components"] = [
            {"type": "ENERGY", "price": Decimal(price_kwh), "step_size": 1}
        ]
    # 16:30 to 17:30 local, 10 kWh evenly: 5 kWh at 0.20 and 5 kWh at 0.40.
    session = ChargingSession(
        readings(datetime(2025, 1, 6, 15, 30, tzinfo=UTC), (60, 10, True, 16))
    )
    priced = price_session(Tariff.from_ocpi(data), AMSTERDAM, session)
    assert priced.cost.total_cost.excl_vat == Decimal("3.00")


def test_a_session_across_the_spring_daylight_saving_change() -> None:
    # 30 March 2025: 02:00 CET becomes 03:00 CEST. 00:00-17:00 local at 1.20/h:
    # from 00:30 CET (23:30 UTC) for 17 real hours the window ends at 17:00 CEST = 15:00 UTC.
    start = datetime(2025, 3, 29, 23, 30, tzinfo=UTC)
    priced = price("tariff_14_step_size.json", start, (17 * 60, 20, True, 16))
    boundary = [p.start_date_time for p in priced.periods]
    assert boundary == [start, datetime(2025, 3, 30, 15, 0, tzinfo=UTC)]
    # 15.5 h at 1.20 + 1.5 h at 2.40 (last step 900 s: already whole)
    assert priced.cost.total_time_cost.excl_vat == Decimal("22.20")


def test_a_session_across_the_autumn_daylight_saving_change() -> None:
    # 26 October 2025: 03:00 CEST becomes 02:00 CET; 00:00 local is 22:00 UTC the day before.
    start = datetime(2025, 10, 25, 21, 0, tzinfo=UTC)  # 23:00 CEST, element 3 (20:00-00:00)
    priced = price("tariff_14_step_size.json", start, (19 * 60, 20, True, 16))
    # It ends at 16:00 UTC = 17:00 CET: 1 h at 2.40, then 00:00-17:00 local, 18 real hours, at 1.20.
    assert [p.start_date_time.hour for p in priced.periods] == [21, 22]
    assert priced.cost.total_time_cost.excl_vat == Decimal("24.00")


def test_a_free_of_charge_tariff_costs_nothing() -> None:
    priced = price("tariff_5_free_of_charge.json", MONDAY_0930, (60, 20, True, 16))
    assert totals(priced) == ("0.00", "0.00")


def test_reservation_time_before_the_session() -> None:
    reservation = Reservation(MONDAY_0930 - timedelta(minutes=13), MONDAY_0930)
    session = ChargingSession(readings(MONDAY_0930, (60, 20, True, 16)), reservation)
    priced = price_session(
        tariff("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json"), AMSTERDAM, session
    )
    assert totals(priced) == ("8.75", "10.00")
    assert priced.cost.total_reservation_cost.excl_vat == Decimal("3.25")


def test_an_expired_reservation_costs_the_expiry_fee_and_the_time() -> None:
    expired = Reservation(MONDAY_0930, MONDAY_0930 + timedelta(hours=1), expired=True)
    priced = price_session(
        tariff("tariff_17_reservation_with_expire_fee.json"),
        AMSTERDAM,
        ChargingSession((), expired),
    )
    assert totals(priced) == ("6.00", "7.20")


def test_an_expired_reservation_uses_the_expiry_time_price() -> None:
    expired = Reservation(MONDAY_0930, MONDAY_0930 + timedelta(minutes=90), expired=True)
    priced = price_session(
        tariff("tariff_18_reservation_with_expire_time.json"),
        AMSTERDAM,
        ChargingSession((), expired),
    )
    assert totals(priced) == ("9.00", "10.80")


def test_charging_periods_have_ocpi_dimensions() -> None:
    priced = price(
        "tariff_10_025kwh_parking_start.json", MONDAY_0930, (60, 11, True, 16), (30, 0, False, 0)
    )
    charging, parking = (p.to_ocpi() for p in priced.periods)
    assert charging["start_date_time"] == "2025-01-06T08:30:00Z"
    assert {"type": "ENERGY", "volume": Decimal("11")} in charging["dimensions"]  # type: ignore[operator]
    assert {"type": "PARKING_TIME", "volume": Decimal("0.5")} in parking["dimensions"]  # type: ignore[operator]


# Properties

STEPS = st.lists(
    st.tuples(
        st.integers(1, 240),
        st.integers(0, 30_000),
        st.booleans(),
        st.sampled_from([6, 16, 32, 43]),
    ),
    min_size=1,
    max_size=6,
)
TARIFFS = st.sampled_from(
    [
        "tariff_4_complex.json",
        "tariff_14_step_size.json",
        "tariff_10_025kwh_parking_start.json",
        "tariffrestriction_example_max_duration.json",
        "tariff_12_025kwh_min_price.json",
    ]
)


def build(start: datetime, steps: list[tuple[int, int, bool, int]]) -> tuple[MeterReading, ...]:
    result, at, wh = [], start, Decimal(0)
    for minutes, energy_wh, charging, amps in steps:
        result.append(MeterReading(at, wh, charging, Decimal(amps)))
        at += timedelta(minutes=minutes)
        wh += energy_wh
    result.append(MeterReading(at, wh, False, Decimal(0)))
    return tuple(result)


def split_every_interval(original: tuple[MeterReading, ...]) -> tuple[MeterReading, ...]:
    """The same session, with an interpolated reading in the middle of every interval."""
    result = []
    for before, after in pairwise(original):
        middle = before.measured_at + (after.measured_at - before.measured_at) / 2
        wh = before.energy_wh + (after.energy_wh - before.energy_wh) / 2
        result += [before, MeterReading(middle, wh, before.charging, before.current_a)]
    return (*result, original[-1])


@settings(max_examples=60, deadline=None)
@given(name=TARIFFS, steps=STEPS, offset_h=st.integers(0, 24 * 14))
def test_total_is_the_sum_of_the_periods_never_negative_and_batching_free(
    name: str, steps: list[tuple[int, int, bool, int]], offset_h: int
) -> None:
    start = datetime(2025, 3, 20, tzinfo=UTC) + timedelta(hours=offset_h)
    original = build(start, steps)
    priced = price_session(tariff(name), AMSTERDAM, ChargingSession(original))
    resplit = price_session(
        tariff(name), AMSTERDAM, ChargingSession(split_every_interval(original))
    )
    parts = sum((p.cost.total.excl_vat for p in priced.periods), Fraction(0))
    assert parts == priced.cost.exact_total.excl_vat
    assert priced.cost.total_cost.excl_vat >= 0
    assert priced.cost.total_cost.incl_vat is not None and priced.cost.total_cost.incl_vat >= 0
    assert resplit.cost == priced.cost
    assert [p.start_date_time for p in resplit.periods] == [
        p.start_date_time for p in priced.periods
    ]
