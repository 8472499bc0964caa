"""The automatic invoice run: the last ended month (UTC) becomes due once the delay after its
end has passed, and stays done once its run went through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.invoices import Month
from kilowatt.services.invoice_schedule import InvoiceSchedule

TEN_MINUTES = timedelta(minutes=10)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 11, 20, 12, 0, tzinfo=UTC), "2026-10"),
        (datetime(2026, 12, 1, 0, 5, tzinfo=UTC), "2026-10"),  # within the delay
        (datetime(2026, 12, 1, 0, 10, tzinfo=UTC), "2026-11"),
        (datetime(2027, 1, 1, 0, 30, tzinfo=UTC), "2026-12"),  # across the year
        (datetime(2027, 1, 1, 0, 9, tzinfo=UTC), "2026-11"),
    ],
)
def test_the_last_month_that_ended_before_the_delay_is_due(now: datetime, due: str) -> None:
    assert InvoiceSchedule(TEN_MINUTES).due(now) == Month.parse(due)


def test_a_month_whose_run_went_through_is_not_due_again() -> None:
    schedule = InvoiceSchedule(TEN_MINUTES, last_run=Month.parse("2026-11"))
    assert schedule.due(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) is None
    assert schedule.due(datetime(2027, 1, 1, 0, 10, tzinfo=UTC)) == Month.parse("2026-12")


def test_without_a_delay_a_month_is_due_the_instant_it_ends() -> None:
    schedule = InvoiceSchedule(timedelta(0))
    assert schedule.due(datetime(2026, 12, 1, tzinfo=UTC)) == Month.parse("2026-11")
