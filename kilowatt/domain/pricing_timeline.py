"""A charging session as a timeline of meter readings, cut into tariff periods.

Between two readings the energy register is interpolated linearly; the state
(charging or parked), current and power of a reading hold until the next one.
The timeline is cut at every instant where a tariff element may switch: local
times of day named by restrictions, local midnights, changes of UTC offset
(daylight saving), session durations and energy thresholds. Adjacent pieces that
select the same price components are then merged into one period, so the result
does not depend on how the readings were batched.

Times and energy are exact rationals (``Fraction``): an energy threshold reached
between two readings falls on a fraction of a microsecond, and interpolation must
not round.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.tariff_restrictions import Circumstances
from kilowatt.domain.tariffs import Tariff, TariffDimension
from kilowatt.domain.units import require_utc

__all__ = ["MeterReading", "Piece", "Slice", "active_elements", "cut_timeline", "to_seconds"]

_QUARTER_HOUR = timedelta(minutes=15)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class MeterReading:
    """The meter at ``measured_at``, and the state from then until the next reading.

    ``energy_wh`` is the register (cumulative); ``charging`` False means the EV is
    connected but not requesting power (PARKING_TIME). ``power_w`` None: the average
    power between this reading and the next is used. ``current_a`` is summed over phases.
    """

    measured_at: datetime
    energy_wh: Decimal
    charging: bool = True
    current_a: Decimal | None = None
    power_w: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "measured_at", require_utc(self.measured_at))


@dataclass(frozen=True, slots=True)
class Slice:
    """A stretch of the session with constant state; times in seconds since its start."""

    start_s: Fraction
    end_s: Fraction
    start_wh: Fraction
    end_wh: Fraction
    charging: bool
    current_a: Fraction | None
    power_w: Fraction | None


@dataclass(slots=True)
class Piece:
    """Merged slices that select the same element per dimension (a future period)."""

    start_s: Fraction
    end_s: Fraction
    charging: bool
    elements: dict[TariffDimension, int]
    energy_wh: Fraction = Fraction(0)
    currents_a: list[Fraction] = field(default_factory=list)
    powers_w: list[Fraction] = field(default_factory=list)

    @property
    def duration_s(self) -> Fraction:
        return self.end_s - self.start_s


def to_seconds(delta: timedelta) -> Fraction:
    return Fraction(delta // _MICROSECOND, 1_000_000)


def cut_timeline(tariff: Tariff, zone: ZoneInfo, readings: tuple[MeterReading, ...]) -> list[Piece]:
    """The session's pieces in order, each with the element chosen per dimension."""
    _check_readings(readings)
    started = readings[0].measured_at
    cuts = sorted(_clock_cuts(tariff, zone, started, readings[-1].measured_at))
    cuts += _duration_cuts(tariff)
    thresholds = _energy_thresholds(tariff)
    pieces: list[Piece] = []
    for piece in _segments(readings):
        for part in _split(piece, cuts, thresholds):
            _append(pieces, part, active_elements(tariff, _circumstances(part, started, zone)))
    return pieces


def active_elements(tariff: Tariff, now: Circumstances) -> dict[TariffDimension, int]:
    """Per dimension, the index of the first element that prices it and matches ``now``."""
    chosen: dict[TariffDimension, int] = {}
    for index, element in enumerate(tariff.elements):
        if element.restrictions is not None and not element.restrictions.matches(now):
            continue
        if element.restrictions is None and now.reservation is not None:
            continue
        for component in element.price_components:
            chosen.setdefault(component.type, index)
    return chosen


def _check_readings(readings: tuple[MeterReading, ...]) -> None:
    if len(readings) < 2:
        raise InvalidValue("a session needs at least a first and a last meter reading")
    for before, after in pairwise(readings):
        if after.measured_at <= before.measured_at:
            raise InvalidValue("meter readings must be in strictly increasing time order")
        if after.energy_wh < before.energy_wh:
            raise InvalidValue("the energy register must not decrease during a session")


def _segments(readings: tuple[MeterReading, ...]) -> Iterator[Slice]:
    started, first_wh = readings[0].measured_at, Fraction(readings[0].energy_wh)
    for before, after in pairwise(readings):
        start_s = to_seconds(before.measured_at - started)
        end_s = to_seconds(after.measured_at - started)
        start_wh, end_wh = (
            Fraction(before.energy_wh) - first_wh,
            Fraction(after.energy_wh) - first_wh,
        )
        power = (end_wh - start_wh) * 3600 / (end_s - start_s)
        yield Slice(
            start_s,
            end_s,
            start_wh,
            end_wh,
            before.charging,
            None if before.current_a is None else Fraction(before.current_a),
            power if before.power_w is None else Fraction(before.power_w),
        )


def _split(segment: Slice, cuts: list[Fraction], thresholds: list[Fraction]) -> Iterator[Slice]:
    points = {c for c in cuts if segment.start_s < c < segment.end_s}
    points |= set(_threshold_times(segment, thresholds))
    edges = [segment.start_s, *sorted(points), segment.end_s]
    for start, end in pairwise(edges):
        yield Slice(
            start,
            end,
            _energy_at(segment, start),
            _energy_at(segment, end),
            segment.charging,
            segment.current_a,
            segment.power_w,
        )


def _energy_at(segment: Slice, moment_s: Fraction) -> Fraction:
    share = (moment_s - segment.start_s) / (segment.end_s - segment.start_s)
    return segment.start_wh + (segment.end_wh - segment.start_wh) * share


def _threshold_times(segment: Slice, thresholds: list[Fraction]) -> Iterator[Fraction]:
    for wh in thresholds:
        if segment.start_wh < wh < segment.end_wh:
            share = (wh - segment.start_wh) / (segment.end_wh - segment.start_wh)
            yield segment.start_s + (segment.end_s - segment.start_s) * share


def _circumstances(part: Slice, started: datetime, zone: ZoneInfo) -> Circumstances:
    # Flooring to whole microseconds keeps the instant inside the same clock interval:
    # every clock cut is itself a whole microsecond.
    micros = int(part.start_s * 1_000_000)
    return Circumstances(
        local=(started + timedelta(microseconds=micros)).astimezone(zone),
        energy_wh=part.start_wh,
        duration_s=part.start_s,
        current_a=part.current_a,
        power_w=part.power_w,
    )


def _append(pieces: list[Piece], part: Slice, elements: dict[TariffDimension, int]) -> None:
    last = pieces[-1] if pieces else None
    if last is None or last.charging != part.charging or last.elements != elements:
        last = Piece(part.start_s, part.end_s, part.charging, elements)
        pieces.append(last)
    last.end_s = part.end_s
    last.energy_wh += part.end_wh - part.start_wh
    if part.current_a is not None:
        last.currents_a.append(part.current_a)
    if part.power_w is not None:
        last.powers_w.append(part.power_w)


def _duration_cuts(tariff: Tariff) -> list[Fraction]:
    return [
        Fraction(value)
        for element in tariff.elements
        if element.restrictions is not None
        for value in (element.restrictions.min_duration, element.restrictions.max_duration)
        if value is not None
    ]


def _energy_thresholds(tariff: Tariff) -> list[Fraction]:
    return [
        Fraction(value) * 1000
        for element in tariff.elements
        if element.restrictions is not None
        for value in (element.restrictions.min_kwh, element.restrictions.max_kwh)
        if value is not None
    ]


def _clock_cuts(tariff: Tariff, zone: ZoneInfo, start: datetime, end: datetime) -> set[Fraction]:
    minutes = {0}
    for element in tariff.elements:
        if element.restrictions is not None:
            minutes |= element.restrictions.clock_minutes
    instants: set[datetime] = set()
    for day in _local_days(zone, start, end):
        instants |= {_at(day, minute, zone, fold) for minute in minutes for fold in (0, 1)}
        instants |= set(_offset_changes(zone, day))
    return {to_seconds(moment - start) for moment in instants if start < moment < end}


def _local_days(zone: ZoneInfo, start: datetime, end: datetime) -> Iterable[date]:
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date() + timedelta(days=1):
        yield day
        day += timedelta(days=1)


def _at(day: date, minute: int, zone: ZoneInfo, fold: int) -> datetime:
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.replace(fold=fold).astimezone(UTC)


def _offset_changes(zone: ZoneInfo, day: date) -> Iterator[datetime]:
    """UTC instants on ``day`` where the zone's offset changes (DST, on quarter hours)."""
    moment = datetime.combine(day, time(), tzinfo=UTC)
    stop = moment + timedelta(days=1)
    if moment.astimezone(zone).utcoffset() == stop.astimezone(zone).utcoffset():
        return
    while moment < stop:
        following = moment + _QUARTER_HOUR
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            yield following
        moment = following
