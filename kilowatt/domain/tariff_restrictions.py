"""OCPI 2.2.1 TariffRestrictions: when a tariff element is active during a session.

All restrictions of one element must hold at once (logical AND). They are evaluated
at one instant of a session, described by a ``Circumstances`` value: local wall time at
the location, energy and duration so far, current and power, and whether the instant
belongs to a reservation. Bounds follow the spec: ``min_*`` inclusive, ``max_*``
exclusive, ``end_date`` exclusive, ``end_time`` exclusive and ``00:00`` meaning midnight
at the end of the day; ``end_time < start_time`` wraps around midnight.

``covers(a, b)`` answers "does ``a`` hold whenever ``b`` holds?" conservatively; it lets
``unreachable_elements`` find elements hidden behind an earlier, looser one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cache
from typing import Any, TypeVar

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.tariff_json import (
    JsonObject,
    as_integer,
    as_items,
    as_number,
    as_text,
)

__all__ = [
    "Circumstances",
    "DayOfWeek",
    "ReservationRestriction",
    "TariffRestrictions",
]

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_DATE = re.compile(r"^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_MINUTES_PER_DAY = 24 * 60
_E = TypeVar("_E", bound=StrEnum)


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"

    @classmethod
    def of(cls, day: date) -> DayOfWeek:
        return list(cls)[day.weekday()]


class ReservationRestriction(StrEnum):
    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


@dataclass(frozen=True, slots=True)
class Circumstances:
    """One instant of a session, as the restrictions see it.

    ``local`` is the wall time at the location; ``reservation`` is None while the
    session itself runs, RESERVATION during a reservation and RESERVATION_EXPIRES
    during a reservation that expired unused.
    """

    local: datetime
    energy_wh: Fraction = Fraction(0)
    duration_s: Fraction = Fraction(0)
    current_a: Fraction | None = None
    power_w: Fraction | None = None
    reservation: ReservationRestriction | None = None


_NUMBER_FIELDS = ("min_kwh", "max_kwh", "min_current", "max_current", "min_power", "max_power")
_INT_FIELDS = ("min_duration", "max_duration")


@dataclass(frozen=True, slots=True)
class TariffRestrictions:
    """Restrictions of a tariff element (OCPI TariffRestrictions); kWh, A, kW, seconds."""

    start_time: str | None = None
    end_time: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: tuple[DayOfWeek, ...] = ()
    reservation: ReservationRestriction | None = None

    def __post_init__(self) -> None:
        for name in ("start_time", "end_time"):
            value = getattr(self, name)
            if value is not None and not _HHMM.match(value):
                raise InvalidValue(f"restrictions.{name} {value!r} is not a time of day HH:MM")
        for name in ("start_date", "end_date"):
            _check_date(name, getattr(self, name))
        for name in (*_NUMBER_FIELDS, *_INT_FIELDS):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidValue(f"restrictions.{name} must not be negative")
        _check_ranges(self)

    @classmethod
    def from_ocpi(cls, data: JsonObject) -> TariffRestrictions:
        kwargs: dict[str, Any] = {}
        for name in ("start_time", "end_time", "start_date", "end_date"):
            if data.get(name) is not None:
                kwargs[name] = as_text(data[name], f"restrictions.{name}")
        for name in _NUMBER_FIELDS:
            if data.get(name) is not None:
                kwargs[name] = as_number(data[name], f"restrictions.{name}")
        for name in _INT_FIELDS:
            if data.get(name) is not None:
                kwargs[name] = as_integer(data[name], f"restrictions.{name}")
        days = as_items(data.get("day_of_week") or [], "restrictions.day_of_week")
        kwargs["day_of_week"] = tuple(_enum(DayOfWeek, day, "day_of_week") for day in days)
        if data.get("reservation") is not None:
            kwargs["reservation"] = _enum(
                ReservationRestriction, data["reservation"], "reservation"
            )
        return cls(**kwargs)

    def to_ocpi(self) -> dict[str, object]:
        data: dict[str, object] = {}
        for name in ("start_time", "end_time", "start_date", "end_date"):
            _put(data, name, getattr(self, name))
        for name in (*_NUMBER_FIELDS, *_INT_FIELDS):
            _put(data, name, getattr(self, name))
        if self.day_of_week:
            data["day_of_week"] = [str(day) for day in self.day_of_week]
        _put(data, "reservation", None if self.reservation is None else str(self.reservation))
        return data

    @property
    def clock_minutes(self) -> frozenset[int]:
        """Minutes after local midnight at which this element may switch on or off."""
        return frozenset(_minute(t) for t in (self.start_time, self.end_time) if t is not None)

    def matches(self, now: Circumstances) -> bool:
        """True when every restriction holds at the instant ``now``."""
        return (
            _reservation_matches(self.reservation, now.reservation)
            and self._calendar_matches(now.local)
            and _within(now.energy_wh, self.min_kwh, self.max_kwh, 1000)
            and _within(now.duration_s, self.min_duration, self.max_duration, 1)
            and _within_measured(now.current_a, self.min_current, self.max_current, 1)
            and _within_measured(now.power_w, self.min_power, self.max_power, 1000)
        )

    def _calendar_matches(self, local: datetime) -> bool:
        day = local.date().isoformat()
        if self.start_date is not None and day < self.start_date:
            return False
        if self.end_date is not None and day >= self.end_date:
            return False
        if self.day_of_week and DayOfWeek.of(local.date()) not in self.day_of_week:
            return False
        return local.hour * 60 + local.minute in self.window_minutes()

    def window_minutes(self) -> frozenset[int]:
        """The minutes of the local day during which the time-of-day window is open."""
        return _window(self.start_time, self.end_time)

    def covers(self, other: TariffRestrictions | None) -> bool:
        """True if ``self`` holds whenever ``other`` holds (conservative: may say False)."""
        other = other or TariffRestrictions()
        return (
            _reservation_covers(self.reservation, other.reservation)
            and self.window_minutes() >= other.window_minutes()
            and _days_cover(self.day_of_week, other.day_of_week)
            and _lower_covers(self.start_date, other.start_date)
            and _upper_covers(self.end_date, other.end_date)
            and all(_lower_covers(getattr(self, f), getattr(other, f)) for f in _lows())
            and all(_upper_covers(getattr(self, f), getattr(other, f)) for f in _highs())
        )


def _lows() -> tuple[str, ...]:
    return ("min_kwh", "min_current", "min_power", "min_duration")


def _highs() -> tuple[str, ...]:
    return ("max_kwh", "max_current", "max_power", "max_duration")


def _days_cover(mine: tuple[DayOfWeek, ...], theirs: tuple[DayOfWeek, ...]) -> bool:
    return not mine or (bool(theirs) and set(mine) >= set(theirs))


def _lower_covers(mine: Any, theirs: Any) -> bool:
    return mine is None or (theirs is not None and theirs >= mine)


def _upper_covers(mine: Any, theirs: Any) -> bool:
    return mine is None or (theirs is not None and theirs <= mine)


def _reservation_matches(
    wanted: ReservationRestriction | None, actual: ReservationRestriction | None
) -> bool:
    # A RESERVATION element also prices the time of a reservation that expired
    # (spec example 17); RESERVATION_EXPIRES elements price only expired ones.
    if wanted is ReservationRestriction.RESERVATION:
        return actual is not None
    return wanted is actual


def _reservation_covers(
    mine: ReservationRestriction | None, theirs: ReservationRestriction | None
) -> bool:
    if mine is ReservationRestriction.RESERVATION:
        return theirs is not None
    return mine is theirs


def _within(
    value: Fraction, low: Decimal | int | None, high: Decimal | int | None, scale: int
) -> bool:
    if low is not None and value < Fraction(low) * scale:
        return False
    return high is None or value < Fraction(high) * scale


def _within_measured(
    value: Fraction | None, low: Decimal | None, high: Decimal | None, scale: int
) -> bool:
    # An unknown current or power cannot satisfy a current or power restriction.
    if value is None:
        return low is None and high is None
    return _within(value, low, high, scale)


@cache
def _window(start: str | None, end: str | None) -> frozenset[int]:
    begin = 0 if start is None else _minute(start)
    finish = _MINUTES_PER_DAY if end is None or _minute(end) == 0 else _minute(end)
    if begin < finish:
        return frozenset(range(begin, finish))
    if begin == finish:
        return frozenset(range(_MINUTES_PER_DAY))
    return frozenset(range(begin, _MINUTES_PER_DAY)) | frozenset(range(finish))


def _minute(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _check_date(name: str, value: str | None) -> None:
    if value is None:
        return
    try:
        valid = bool(_DATE.match(value)) and date.fromisoformat(value).isoformat() == value
    except ValueError:
        valid = False
    if not valid:
        raise InvalidValue(f"restrictions.{name} {value!r} is not a date YYYY-MM-DD")


def _check_ranges(restrictions: TariffRestrictions) -> None:
    pairs = [("start_date", "end_date"), *zip(_lows(), _highs(), strict=True)]
    for low_name, high_name in pairs:
        low, high = getattr(restrictions, low_name), getattr(restrictions, high_name)
        if low is not None and high is not None and low >= high:
            raise InvalidValue(f"restrictions.{low_name} must be below {high_name}")


def _enum(kind: type[_E], value: object, field: str) -> _E:
    try:
        return kind(as_text(value, f"restrictions.{field}"))
    except ValueError:
        raise InvalidValue(f"restrictions.{field} {value!r} is not a {kind.__name__}") from None


def _put(data: dict[str, object], key: str, value: object) -> None:
    if value is not None:
        data[key] = value
