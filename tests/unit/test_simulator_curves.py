"""Charging curves of simulated cars: CC-CV shape, energy bookkeeping, limits."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.simulator.curves import (
    DEFAULT_CARS,
    CarModel,
    ChargeState,
    ChargingCurve,
    curve_for_car,
    phase_current_a,
)


def _curve(**overrides: float) -> ChargingCurve:
    values: dict[str, float] = {
        "capacity_wh": 60_000,
        "start_soc": 0.2,
        "target_soc": 1.0,
        "car_max_power_w": 11_000.0,
        "evse_max_power_w": 22_000.0,
    }
    values.update(overrides)
    return ChargingCurve(
        capacity_wh=int(values["capacity_wh"]),
        start_soc=values["start_soc"],
        target_soc=values["target_soc"],
        car_max_power_w=values["car_max_power_w"],
        evse_max_power_w=values["evse_max_power_w"],
    )


def _charge(curve: ChargingCurve, steps: int, dt_s: float) -> list[ChargeState]:
    states = [curve.initial_state()]
    for _ in range(steps):
        states.append(curve.advance(states[-1], dt_s))
    return states


curves = st.builds(
    ChargingCurve,
    capacity_wh=st.integers(min_value=5_000, max_value=150_000),
    start_soc=st.floats(min_value=0.0, max_value=1.0),
    target_soc=st.floats(min_value=0.0, max_value=1.0),
    car_max_power_w=st.floats(min_value=1_000.0, max_value=350_000.0),
    evse_max_power_w=st.floats(min_value=1_000.0, max_value=350_000.0),
)
time_steps = st.lists(st.floats(min_value=0.0, max_value=7_200.0), min_size=1, max_size=40)


def test_a_car_charges_at_full_power_until_eighty_percent_and_then_tapers() -> None:
    curve = _curve()
    assert curve.power_at(0.2) == 11_000
    assert curve.power_at(0.79) == 11_000
    assert curve.power_at(0.8) == pytest.approx(11_000)
    assert curve.power_at(0.9) == pytest.approx(5_500)
    assert curve.power_at(0.95) == pytest.approx(2_750)
    powers = [curve.power_at(soc / 100) for soc in range(80, 100)]
    assert powers == sorted(powers, reverse=True)
    assert powers[-1] < powers[0] / 2
    # The taper never drops below the floor, so 100 % is reached in finite time.
    assert curve.power_at(0.999) == pytest.approx(curve.floor_power_w)


def test_a_full_battery_stops_drawing_power_while_still_plugged_in() -> None:
    curve = _curve(target_soc=0.9)
    full = curve.advance(curve.initial_state(), curve.time_to_target_s() + 3600)
    assert curve.is_full(full)
    assert full.soc == pytest.approx(0.9)
    assert curve.power_at(full.soc) == 0.0
    later = curve.advance(full, 3600)
    assert later.energy_wh == full.energy_wh
    assert later.delivered_wh == full.delivered_wh


def test_charging_below_the_taper_delivers_power_times_time() -> None:
    curve = _curve()
    one_hour = curve.advance(curve.initial_state(), 3600)
    assert one_hour.energy_wh == pytest.approx(11_000)
    assert one_hour.delivered_wh == 11_000
    assert one_hour.soc == pytest.approx(0.2 + 11_000 / 60_000)


def test_the_evse_limits_a_car_that_could_charge_faster() -> None:
    curve = _curve(car_max_power_w=150_000, evse_max_power_w=50_000)
    assert curve.max_power_w == 50_000
    assert curve.power_at(0.5) == 50_000


def test_a_car_on_dc_uses_its_dc_limit_and_on_ac_its_onboard_charger() -> None:
    car = CarModel("Test car", battery_wh=50_000, max_ac_power_w=7_400, max_dc_power_w=100_000)
    ac = curve_for_car(car, evse_max_power_w=22_000, start_soc=0.1, target_soc=0.8)
    dc = curve_for_car(car, evse_max_power_w=150_000, start_soc=0.1, target_soc=0.8, dc=True)
    assert ac.max_power_w == 7_400
    assert dc.max_power_w == 100_000
    assert ac.capacity_wh == dc.capacity_wh == 50_000


def test_the_time_to_target_is_when_the_car_becomes_full() -> None:
    curve = _curve(start_soc=0.3, target_soc=0.95)
    needed = curve.time_to_target_s()
    assert not curve.is_full(curve.advance(curve.initial_state(), needed * 0.999))
    assert curve.is_full(curve.advance(curve.initial_state(), needed * 1.001))
    assert curve.energy_to_target_wh() == pytest.approx(0.65 * 60_000)


def test_the_meter_register_counts_whole_watt_hours() -> None:
    curve = _curve(capacity_wh=40_000, car_max_power_w=7_400)
    states = _charge(curve, steps=200, dt_s=37.3)
    for state in states:
        assert isinstance(state.delivered_wh, int)
        assert state.delivered_wh == math.floor(state.energy_wh + 1e-6)
    assert ChargeState(soc=0.5, energy_wh=99.9999999).delivered_wh == 100
    assert ChargeState(soc=0.5, energy_wh=99.6).delivered_wh == 99


def test_the_default_cars_can_all_charge_on_a_22_kw_evse() -> None:
    for car in DEFAULT_CARS:
        curve = curve_for_car(car, evse_max_power_w=22_000, start_soc=0.2, target_soc=1.0)
        full = curve.advance(curve.initial_state(), curve.time_to_target_s() + 1)
        assert curve.is_full(full)
        assert full.delivered_wh in (round(0.8 * car.battery_wh) - 1, round(0.8 * car.battery_wh))


def test_phase_current_splits_the_power_over_the_phases() -> None:
    assert phase_current_a(11_040, phases=3, voltage_v=230) == pytest.approx(16.0)
    assert phase_current_a(7_360, phases=1, voltage_v=230) == pytest.approx(32.0)
    assert phase_current_a(0, phases=3, voltage_v=230) == 0.0
    with pytest.raises(ValueError):
        phase_current_a(1_000, phases=0, voltage_v=230)


@pytest.mark.parametrize(
    "overrides",
    [
        {"capacity_wh": 0},
        {"start_soc": -0.1},
        {"target_soc": 1.5},
        {"car_max_power_w": 0},
        {"evse_max_power_w": -1},
    ],
)
def test_an_impossible_curve_is_refused(overrides: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        _curve(**overrides)


def test_charging_backwards_in_time_is_refused() -> None:
    curve = _curve()
    with pytest.raises(ValueError):
        curve.advance(curve.initial_state(), -1.0)


@settings(deadline=None, max_examples=200)
@given(curve=curves, steps=time_steps)
def test_energy_never_decreases_and_never_exceeds_what_the_battery_can_take(
    curve: ChargingCurve, steps: list[float]
) -> None:
    state = curve.initial_state()
    ceiling = curve.energy_to_target_wh()
    for dt_s in steps:
        following = curve.advance(state, dt_s)
        assert following.energy_wh >= state.energy_wh
        assert following.delivered_wh >= state.delivered_wh
        assert following.soc >= state.soc
        assert following.soc <= max(curve.target_soc, curve.start_soc) + 1e-9
        assert following.energy_wh <= ceiling + 1e-6
        assert following.energy_wh <= curve.capacity_wh
        state = following


@settings(deadline=None, max_examples=200)
@given(curve=curves, steps=time_steps)
def test_power_never_exceeds_the_lower_limit_of_car_and_evse(
    curve: ChargingCurve, steps: list[float]
) -> None:
    limit = min(curve.car_max_power_w, curve.evse_max_power_w)
    state = curve.initial_state()
    for dt_s in steps:
        following = curve.advance(state, dt_s)
        assert 0.0 <= curve.power_at(following.soc) <= limit
        # The average power over the step is bounded too.
        assert (following.energy_wh - state.energy_wh) <= limit * dt_s / 3600 + 1e-6
        state = following


@settings(deadline=None, max_examples=200)
@given(curve=curves, steps=time_steps)
def test_charging_in_small_steps_equals_charging_in_one_long_step(
    curve: ChargingCurve, steps: list[float]
) -> None:
    stepwise = curve.initial_state()
    for dt_s in steps:
        stepwise = curve.advance(stepwise, dt_s)
    at_once = curve.advance(curve.initial_state(), sum(steps))
    assert stepwise.soc == pytest.approx(at_once.soc, abs=1e-9)
    assert stepwise.energy_wh == pytest.approx(at_once.energy_wh, abs=1e-3)
