"""From a transaction's scattered reports to the pricing engine's readings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.pricing import ChargingSession, price_session
from kilowatt.domain.session_readings import SessionRecord, is_charging_state, session_readings
from kilowatt.domain.tariffs import Tariff

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
EXAMPLES = Path(__file__).parents[1] / "fixtures" / "ocpi-2.2.1"


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_registers_between_start_and_end_become_readings() -> None:
    record = SessionRecord(
        minutes(0),
        minutes(60),
        registers=[(minutes(30), 6000), (minutes(60), 11000)],
        start_wh=1000,
    )
    readings = session_readings(record)
    assert [(r.measured_at, r.energy_wh, r.charging) for r in readings] == [
        (minutes(0), Decimal(1000), True),
        (minutes(30), Decimal(6000), True),
        (minutes(60), Decimal(11000), True),
    ]


def test_a_state_change_between_registers_interpolates_the_energy() -> None:
    record = SessionRecord(
        minutes(0),
        minutes(60),
        registers=[(minutes(0), 0), (minutes(60), 6000)],
        states=[(minutes(0), "Charging"), (minutes(40), "SuspendedEV")],
    )
    readings = session_readings(record)
    assert [(r.measured_at, r.energy_wh, r.charging) for r in readings] == [
        (minutes(0), Decimal(0), True),
        (minutes(40), Decimal("4000.000"), False),
        (minutes(60), Decimal(6000), False),
    ]


def test_the_register_never_goes_back_and_no_data_means_nothing_charged() -> None:
    backwards = SessionRecord(
        minutes(0), minutes(20), registers=[(minutes(0), 500), (minutes(10), 400)]
    )
    assert [r.energy_wh for r in session_readings(backwards)] == [500, 500, 500]
    empty = session_readings(SessionRecord(minutes(0), minutes(0)))
    assert len(empty) == 2 and empty[1].measured_at > empty[0].measured_at
    assert {r.energy_wh for r in empty} == {0}


def test_what_counts_as_parking() -> None:
    assert not is_charging_state("SuspendedEV") and not is_charging_state("Finishing")
    assert is_charging_state("Charging") and is_charging_state("SuspendedEVSE")


def test_power_and_current_stick_to_readings_at_the_same_instant() -> None:
    record = SessionRecord(
        minutes(0),
        minutes(10),
        registers=[(minutes(0), 0), (minutes(10), 1000)],
        powers_w={minutes(0): Decimal(6000)},
        currents_a={minutes(0): Decimal(26)},
    )
    first = session_readings(record)[0]
    assert (first.power_w, first.current_a) == (Decimal(6000), Decimal(26))


@given(
    st.lists(st.integers(min_value=1, max_value=599), max_size=12, unique=True),
    st.integers(min_value=0, max_value=80).map(lambda k: k * 600),
)
def test_sampling_more_often_never_changes_a_linear_sessions_price(
    sample_minutes: list[int], total_wh: int
) -> None:
    """Charging at a constant rate for 10 h: extra samples on the line change nothing."""
    tariff = Tariff.from_ocpi(
        json.loads((EXAMPLES / "tariff_4_complex.json").read_text(), parse_float=Decimal)
    )
    end = minutes(600)
    on_line = [(minutes(m), total_wh * m // 600) for m in sample_minutes]
    sparse = SessionRecord(minutes(0), end, [(end, total_wh)], start_wh=0)
    dense = SessionRecord(minutes(0), end, [*on_line, (end, total_wh)], start_wh=0)
    zone = "Europe/Amsterdam"
    one = price_session(tariff, zone, ChargingSession(session_readings(sparse)))
    other = price_session(tariff, zone, ChargingSession(session_readings(dense)))
    assert one.cost.total_cost == other.cost.total_cost
