"""From what a station reported about a transaction to the readings the pricing engine takes.

A transaction's record is scattered: energy register samples at the station's own pace,
charging state changes (2.0.1 ``chargingState``, 1.6 connector statuses), sometimes power
and current. ``session_readings`` lays them on one timeline from the start of the session
to its end (or to now, for a running session):

* the energy at any instant is interpolated between the register samples around it
  (held flat before the first and after the last), never decreasing;
* a state holds until the next state change; before the first one the car is charging;
* power and current are attached to the readings taken at the same instant.

What counts as charging: ``Charging`` and ``SuspendedEVSE`` (the station held power back,
the driver did not); ``SuspendedEV``, ``EVConnected``, ``Finishing`` and ``Idle`` are
parking (the car is full or not drawing).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from kilowatt.domain.pricing_costs import to_decimal
from kilowatt.domain.pricing_timeline import MeterReading, to_seconds

__all__ = ["PARKING_STATES", "SessionRecord", "is_charging_state", "session_readings"]

PARKING_STATES = frozenset({"SuspendedEV", "EVConnected", "Finishing", "Idle"})
_MICROSECOND = timedelta(microseconds=1)


def is_charging_state(state: str) -> bool:
    """Whether an OCPP charging state (2.0.1) or connector status (1.6) bills as charging."""
    return state not in PARKING_STATES


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """What is known of one session: registers in Wh, states, power in W, current in A."""

    started_at: datetime
    ended_at: datetime
    registers: Sequence[tuple[datetime, int]] = ()
    states: Sequence[tuple[datetime, str]] = ()
    powers_w: Mapping[datetime, Decimal] = field(default_factory=dict)
    currents_a: Mapping[datetime, Decimal] = field(default_factory=dict)
    start_wh: int | None = None


def session_readings(record: SessionRecord) -> tuple[MeterReading, ...]:
    """At least two readings, strictly increasing in time, energy never decreasing."""
    start = record.started_at
    end = max(record.ended_at, start + _MICROSECOND)
    registers = _monotonic(record, start)
    states = sorted(record.states)
    instants = {start, end}
    instants |= {moment for moment, _ in registers if start < moment < end}
    instants |= {moment for moment, _ in states if start < moment < end}
    return tuple(
        MeterReading(
            moment,
            _energy_at(registers, moment),
            _charging_at(states, moment),
            record.currents_a.get(moment),
            record.powers_w.get(moment),
        )
        for moment in sorted(instants)
    )


def _monotonic(record: SessionRecord, start: datetime) -> list[tuple[datetime, int]]:
    """Register samples in time order, with the meter start first, never decreasing."""
    points = sorted(record.registers)
    if record.start_wh is not None:
        points = [(start, record.start_wh), *[p for p in points if p[0] > start]]
    result: list[tuple[datetime, int]] = []
    for moment, wh in points:
        if result and moment == result[-1][0]:
            continue
        result.append((moment, max(wh, result[-1][1]) if result else wh))
    return result


def _energy_at(registers: list[tuple[datetime, int]], moment: datetime) -> Decimal:
    if not registers:
        return Decimal(0)
    index = bisect_right([m for m, _ in registers], moment)
    if index == 0:
        return Decimal(registers[0][1])
    if index == len(registers):
        return Decimal(registers[-1][1])
    (t0, wh0), (t1, wh1) = registers[index - 1], registers[index]
    share = to_seconds(moment - t0) / to_seconds(t1 - t0)
    return to_decimal(Fraction(wh0) + (wh1 - wh0) * share, 3)


def _charging_at(states: list[tuple[datetime, str]], moment: datetime) -> bool:
    index = bisect_right([at for at, _ in states], moment)
    return is_charging_state(states[index - 1][1]) if index else True
