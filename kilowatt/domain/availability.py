"""Availability (uptime) of an EVSE over a period, from its status history: pure and exact.

The rule, at every instant of the period (after EU AFIR art. 5 and OCPI's EVSE status):

1. inside an announced maintenance window → **excluded** (counts neither way);
2. the station is offline (an outage: its heartbeats stopped) → **down**;
3. no status is known yet for the EVSE or its station → **excluded** (nothing to judge by);
4. the station as a whole, or any connector of the EVSE, last reported ``Faulted`` or
   ``Unavailable`` → **down**;
5. otherwise (Available, Preparing, Charging, Occupied, Reserved, Finishing...) → **up**.

Uptime = up / (up + down). Sums of several EVSEs (a location, the fleet) add their times, so
each EVSE weighs by the time it was judged.

    >>> day = Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC))
    >>> evse_uptime(day, [StatusChange(day.start, 1, "Available")], [], []).percent()
    Decimal('100.000')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import pairwise

from kilowatt.domain.errors import InvalidValue

__all__ = ["DOWN_STATUSES", "MaintenanceWindow", "Period", "StatusChange", "Uptime", "evse_uptime"]

#: Reported statuses during which an EVSE cannot charge (OCPP 1.6 and 2.0.1 spellings).
DOWN_STATUSES = frozenset({"Faulted", "Unavailable"})

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open time interval [start, end), timezone-aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidValue("a period needs timezone-aware times")
        if self.end <= self.start:
            raise InvalidValue("a period ends after it starts")

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A status reported at ``at``: by a connector of the EVSE, or (connector None) by the
    station as a whole (OCPP 1.6 connector 0)."""

    at: datetime
    connector_id: int | None
    status: str


@dataclass(frozen=True, slots=True)
class Uptime:
    up: timedelta = _ZERO
    down: timedelta = _ZERO
    excluded: timedelta = _ZERO

    def __add__(self, other: Uptime) -> Uptime:
        return Uptime(self.up + other.up, self.down + other.down, self.excluded + other.excluded)

    @property
    def ratio(self) -> Fraction | None:
        """up / (up + down), exact; None when no time could be judged."""
        judged = _microseconds(self.up + self.down)
        return Fraction(_microseconds(self.up), judged) if judged else None

    def percent(self, places: int = 3) -> Decimal | None:
        """The ratio in percent, rounded half-even to ``places`` decimals."""
        ratio = self.ratio
        if ratio is None:
            return None
        exact = Decimal(ratio.numerator * 100) / Decimal(ratio.denominator)
        return exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)


def _microseconds(span: timedelta) -> int:
    return span // timedelta(microseconds=1)  # exact: timedelta / timedelta is a float


def evse_uptime(
    period: Period,
    statuses: Sequence[StatusChange],
    outages: Sequence[Period],
    maintenance: Sequence[Period],
) -> Uptime:
    """The EVSE's up, down and excluded time within ``period`` (see the module's rule).

    ``statuses`` may start before the period: the last one before it sets the initial state.
    """
    ordered = sorted(statuses, key=lambda change: change.at)
    cuts = {period.start, period.end}
    cuts.update(c.at for c in ordered if period.covers(c.at))
    for window in (*outages, *maintenance):
        cuts.update(t for t in (window.start, window.end) if period.covers(t))
    bounds = sorted(cuts)
    total = Uptime()
    for start, end in pairwise(bounds):
        total += _judge(start, end - start, ordered, outages, maintenance)
    return total


def _judge(
    start: datetime,
    length: timedelta,
    ordered: Sequence[StatusChange],
    outages: Sequence[Period],
    maintenance: Sequence[Period],
) -> Uptime:
    """One stretch over which nothing changes, judged at its start."""
    if _inside(start, maintenance):
        return Uptime(excluded=length)
    if _inside(start, outages):
        return Uptime(down=length)
    latest = _latest_by_source(c for c in ordered if c.at <= start)
    if not latest:
        return Uptime(excluded=length)
    if any(status in DOWN_STATUSES for status in latest.values()):
        return Uptime(down=length)
    return Uptime(up=length)


def _inside(moment: datetime, windows: Sequence[Period]) -> bool:
    return any(window.covers(moment) for window in windows)


def _latest_by_source(changes: Iterable[StatusChange]) -> dict[int | None, str]:
    latest: dict[int | None, str] = {}
    for change in changes:  # in time order: later ones overwrite
        latest[change.connector_id] = change.status
    return latest


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Announced maintenance of a station (``evse_id`` None) or one of its EVSEs: excluded
    from its availability."""

    id: str
    station_id: str
    evse_id: int | None
    period: Period
    reason: str
    created_by: str
    created_at: datetime

    def applies_to(self, station_id: str, evse_id: int) -> bool:
        return self.station_id == station_id and self.evse_id in (None, evse_id)
