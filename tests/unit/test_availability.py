"""Uptime of an EVSE from its status history (kilowatt.domain.availability), exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from kilowatt.domain.availability import Period, StatusChange, Uptime, evse_uptime
from kilowatt.domain.errors import InvalidValue

DAY = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 6, 2, tzinfo=UTC))


def at(hours: float) -> datetime:
    return DAY.start + timedelta(hours=hours)


def window(start_h: float, end_h: float) -> Period:
    return Period(at(start_h), at(end_h))


def test_a_day_with_a_fault_an_outage_and_maintenance_is_41_of_44() -> None:
    statuses = [
        StatusChange(at(-3), 1, "Available"),  # before the period: sets the initial state
        StatusChange(at(6), 1, "Faulted"),
        StatusChange(at(6.5), 1, "Available"),
        StatusChange(at(12), 1, "Charging"),
        StatusChange(at(14), 1, "Available"),
    ]
    outages = [window(8, 9)]
    maintenance = [window(20, 22)]

    uptime = evse_uptime(DAY, statuses, outages, maintenance)

    assert uptime == Uptime(
        up=timedelta(hours=20.5), down=timedelta(hours=1.5), excluded=timedelta(hours=2)
    )
    assert uptime.ratio == Fraction(41, 44)
    assert uptime.percent() == Decimal("93.182")
    assert uptime.percent(6) == Decimal("93.181818")


def test_maintenance_outranks_an_outage_and_a_fault() -> None:
    statuses = [StatusChange(at(0), 1, "Faulted")]
    uptime = evse_uptime(DAY, statuses, [window(0, 4)], [window(2, 24)])
    assert uptime == Uptime(down=timedelta(hours=2), excluded=timedelta(hours=22))
    assert uptime.percent() == Decimal("0.000")


def test_time_before_the_first_known_status_is_not_judged() -> None:
    uptime = evse_uptime(DAY, [StatusChange(at(12), 1, "Available")], [], [])
    assert uptime == Uptime(up=timedelta(hours=12), excluded=timedelta(hours=12))
    assert uptime.ratio == 1


def test_an_unavailable_station_takes_every_evse_down() -> None:
    statuses = [
        StatusChange(at(0), 1, "Available"),
        StatusChange(at(10), None, "Unavailable"),
        StatusChange(at(16), None, "Available"),
    ]
    uptime = evse_uptime(DAY, statuses, [], [])
    assert uptime.ratio == Fraction(18, 24)


def test_one_faulted_connector_takes_its_evse_down() -> None:
    statuses = [
        StatusChange(at(0), 1, "Available"),
        StatusChange(at(0), 2, "Available"),
        StatusChange(at(18), 2, "Faulted"),
    ]
    assert evse_uptime(DAY, statuses, [], []).ratio == Fraction(3, 4)


def test_windows_reaching_outside_the_period_are_clipped() -> None:
    statuses = [StatusChange(at(-1), 1, "Available")]
    uptime = evse_uptime(DAY, statuses, [window(-5, 1)], [window(23, 30)])
    assert uptime == Uptime(
        up=timedelta(hours=22), down=timedelta(hours=1), excluded=timedelta(hours=1)
    )


def test_a_period_with_nothing_judged_has_no_uptime() -> None:
    assert evse_uptime(DAY, [], [], []).ratio is None
    assert evse_uptime(DAY, [], [], []).percent() is None


def test_uptimes_of_several_evses_add_up_by_time() -> None:
    first = Uptime(up=timedelta(hours=24))
    second = Uptime(up=timedelta(hours=12), down=timedelta(hours=12))
    assert (first + second).ratio == Fraction(3, 4)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2025, 1, 2, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)),
        (datetime(2025, 1, 1), datetime(2025, 1, 2)),
    ],
)
def test_a_period_is_aware_and_ends_after_it_starts(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidValue):
        Period(start, end)
