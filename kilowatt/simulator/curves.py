"""Charging curves of simulated cars: pure arithmetic, no I/O.

A car charges at constant power (the lower of what the car and the EVSE can do) until the
battery reaches ``taper_start_soc`` (about 80 %), then the power falls linearly with the
remaining capacity, as in the constant-voltage phase of a CC-CV charge, down to a small floor
(``min_power_fraction`` of the maximum) so that a 100 % target is reached in finite time.
Once the target state of charge is reached the car draws nothing.

Units: energy in Wh (the meter register is an integer number of Wh), power in W, current in A,
voltage in V, state of charge as a fraction 0..1 (``soc_percent`` gives percent), time in s.
The taper phase is integrated exactly (exponential approach), so the result of ``advance`` does
not depend on how a period is cut into time steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

# Below this distance two states of charge count as equal.
_SOC_EPSILON = 1e-9
# Energy is floored to whole Wh after adding this, so 99.9999999 Wh of float noise reads as 100.
_WH_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class CarModel:
    """What a car brings to a charge: its usable battery and its charging limits."""

    name: str
    battery_wh: int
    max_ac_power_w: float
    max_dc_power_w: float
    ac_phases: int = 3

    def __post_init__(self) -> None:
        if self.battery_wh <= 0:
            raise ValueError(f"battery_wh must be positive, got {self.battery_wh}")
        if self.max_ac_power_w <= 0 or self.max_dc_power_w <= 0:
            raise ValueError("a car's maximum AC and DC power must be positive")
        if self.ac_phases not in (1, 2, 3):
            raise ValueError(f"ac_phases must be 1, 2 or 3, got {self.ac_phases}")


#: A small, varied garage; the simulator draws the car of each session from it.
DEFAULT_CARS: tuple[CarModel, ...] = (
    CarModel(
        "City car", battery_wh=32_000, max_ac_power_w=7_400, max_dc_power_w=50_000, ac_phases=1
    ),
    CarModel("Compact hatchback", battery_wh=45_000, max_ac_power_w=11_000, max_dc_power_w=100_000),
    CarModel("Family crossover", battery_wh=64_000, max_ac_power_w=11_000, max_dc_power_w=130_000),
    CarModel("Premium sedan", battery_wh=82_000, max_ac_power_w=11_000, max_dc_power_w=250_000),
    CarModel("Large SUV", battery_wh=100_000, max_ac_power_w=22_000, max_dc_power_w=150_000),
    CarModel("Delivery van", battery_wh=75_000, max_ac_power_w=7_400, max_dc_power_w=80_000),
)


@dataclass(frozen=True, slots=True)
class ChargeState:
    """Where a charge stands: the battery's state of charge and the energy delivered so far."""

    soc: float
    energy_wh: float = 0.0
    elapsed_s: float = 0.0

    @property
    def delivered_wh(self) -> int:
        """Energy delivered since the start of the charge, in whole Wh (floored, so monotonic)."""
        return math.floor(self.energy_wh + _WH_EPSILON)

    @property
    def soc_percent(self) -> float:
        """State of charge in percent, one decimal."""
        return round(self.soc * 100.0, 1)


@dataclass(frozen=True, slots=True)
class ChargingCurve:
    """The power a given car draws from a given EVSE as a function of its state of charge."""

    capacity_wh: int
    start_soc: float
    target_soc: float
    car_max_power_w: float
    evse_max_power_w: float
    taper_start_soc: float = 0.8
    min_power_fraction: float = 0.05

    def __post_init__(self) -> None:
        if self.capacity_wh <= 0:
            raise ValueError(f"capacity_wh must be positive, got {self.capacity_wh}")
        for name, soc in (("start_soc", self.start_soc), ("target_soc", self.target_soc)):
            if not 0.0 <= soc <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {soc}")
        if self.car_max_power_w <= 0 or self.evse_max_power_w <= 0:
            raise ValueError("maximum powers must be positive")
        if not 0.0 < self.taper_start_soc < 1.0:
            raise ValueError(f"taper_start_soc must be between 0 and 1, got {self.taper_start_soc}")
        if not 0.0 < self.min_power_fraction <= 1.0:
            raise ValueError(f"min_power_fraction must be in (0, 1], got {self.min_power_fraction}")

    @property
    def max_power_w(self) -> float:
        """The constant-current power: the lower of the car's and the EVSE's limit."""
        return min(self.car_max_power_w, self.evse_max_power_w)

    @property
    def floor_power_w(self) -> float:
        """The lowest power of the taper, kept until the target is reached."""
        return self.max_power_w * self.min_power_fraction

    @property
    def _floor_soc(self) -> float:
        """The state of charge at which the taper reaches the floor power."""
        return 1.0 - self.min_power_fraction * (1.0 - self.taper_start_soc)

    def initial_state(self) -> ChargeState:
        return ChargeState(soc=self.start_soc)

    def is_full(self, state: ChargeState) -> bool:
        """Whether the car has reached its target and stopped drawing power."""
        return state.soc >= self.target_soc - _SOC_EPSILON

    def power_at(self, soc: float) -> float:
        """The power in W the car draws at the given state of charge."""
        if soc >= self.target_soc - _SOC_EPSILON:
            return 0.0
        if soc < self.taper_start_soc:
            return self.max_power_w
        taper = (1.0 - soc) / (1.0 - self.taper_start_soc)
        return self.max_power_w * max(self.min_power_fraction, taper)

    def advance(self, state: ChargeState, dt_s: float) -> ChargeState:
        """The state after charging for ``dt_s`` seconds from ``state``."""
        if dt_s < 0:
            raise ValueError(f"cannot charge for a negative time ({dt_s} s)")
        soc = state.soc
        remaining = dt_s
        joules_per_soc = self.capacity_wh * 3600.0
        # At most three phases (constant power, taper, floor), each ends at a boundary.
        for _ in range(4):
            if remaining <= 0.0 or soc >= self.target_soc - _SOC_EPSILON:
                break
            if soc < self.taper_start_soc or soc >= self._floor_soc:
                # Constant power up to the taper (or, on the floor, up to the target).
                if soc < self.taper_start_soc:
                    power, boundary = self.max_power_w, min(self.taper_start_soc, self.target_soc)
                else:
                    power, boundary = self.floor_power_w, self.target_soc
                time_to_boundary = (boundary - soc) * joules_per_soc / power
                if remaining < time_to_boundary:
                    soc += power * remaining / joules_per_soc
                    remaining = 0.0
                else:
                    soc = boundary
                    remaining -= time_to_boundary
            else:
                # Taper: P = Pmax * (1 - soc) / (1 - taper_start), so (1 - soc) decays
                # exponentially with this rate.
                rate = self.max_power_w / ((1.0 - self.taper_start_soc) * joules_per_soc)
                boundary = min(self._floor_soc, self.target_soc)
                time_to_boundary = math.log((1.0 - soc) / (1.0 - boundary)) / rate
                if remaining < time_to_boundary:
                    soc = 1.0 - (1.0 - soc) * math.exp(-rate * remaining)
                    remaining = 0.0
                else:
                    soc = boundary
                    remaining -= time_to_boundary
        soc = max(state.soc, min(soc, self.target_soc))  # float noise: not past the target
        energy = state.energy_wh + max(0.0, soc - state.soc) * self.capacity_wh
        return replace(state, soc=soc, energy_wh=energy, elapsed_s=state.elapsed_s + dt_s)

    def energy_to_target_wh(self, soc: float | None = None) -> float:
        """The energy still needed from ``soc`` (default: the start) to the target."""
        start = self.start_soc if soc is None else soc
        return max(0.0, self.target_soc - start) * self.capacity_wh

    def time_to_target_s(self, soc: float | None = None) -> float:
        """How long the car takes from ``soc`` (default: the start) to the target."""
        start = self.start_soc if soc is None else soc
        if start >= self.target_soc - _SOC_EPSILON:
            return 0.0
        joules_per_soc = self.capacity_wh * 3600.0
        total = 0.0
        # Constant power below the taper.
        upper = min(self.taper_start_soc, self.target_soc)
        if start < upper:
            total += (upper - start) * joules_per_soc / self.max_power_w
        # The exponential taper.
        lower, upper = max(start, self.taper_start_soc), min(self._floor_soc, self.target_soc)
        if lower < upper:
            rate = self.max_power_w / ((1.0 - self.taper_start_soc) * joules_per_soc)
            total += math.log((1.0 - lower) / (1.0 - upper)) / rate
        # The floor.
        lower = max(start, self._floor_soc)
        if lower < self.target_soc:
            total += (self.target_soc - lower) * joules_per_soc / self.floor_power_w
        return total


def curve_for_car(
    car: CarModel,
    *,
    evse_max_power_w: float,
    start_soc: float,
    target_soc: float,
    dc: bool = False,
) -> ChargingCurve:
    """The curve of ``car`` on an EVSE: AC uses the car's on-board charger limit, DC its own."""
    return ChargingCurve(
        capacity_wh=car.battery_wh,
        start_soc=start_soc,
        target_soc=target_soc,
        car_max_power_w=car.max_dc_power_w if dc else car.max_ac_power_w,
        evse_max_power_w=evse_max_power_w,
    )


def phase_current_a(power_w: float, *, phases: int, voltage_v: float) -> float:
    """The current per phase in A that carries ``power_w`` over ``phases`` at ``voltage_v``.

    For DC pass ``phases=1`` and the DC voltage.
    """
    if phases <= 0 or voltage_v <= 0:
        raise ValueError("phases and voltage must be positive")
    return power_w / (phases * voltage_v)
