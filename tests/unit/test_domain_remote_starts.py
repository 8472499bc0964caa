"""Which 1.6 StartTransaction a remote start caused: same token, connector, and soon after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.remote_starts import LINK_WINDOW, RemoteStartRecord

REQUESTED = datetime(2026, 11, 24, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("evse_id", "id_token", "started_evse", "delay", "status", "linked"),
    [
        (None, "TAG", 2, timedelta(seconds=3), "Accepted", True),
        (1, "TAG", 1, timedelta(seconds=3), "Requested", True),
        (1, "TAG", 2, timedelta(seconds=3), "Accepted", False),  # another connector
        (None, "OTHER", 1, timedelta(seconds=3), "Accepted", False),
        (None, "TAG", 1, LINK_WINDOW + timedelta(seconds=1), "Accepted", False),
        (None, "TAG", 1, -timedelta(seconds=10), "Accepted", True),  # a slow station clock
        (None, "TAG", 1, -timedelta(minutes=2), "Accepted", False),
        (None, "TAG", 1, timedelta(seconds=3), "Rejected", False),
    ],
)
def test_a_start_is_linked_when_token_connector_and_time_fit(
    evse_id: int | None,
    id_token: str,
    started_evse: int,
    delay: timedelta,
    status: str,
    linked: bool,
) -> None:
    record = RemoteStartRecord(1, "CP", evse_id, "TAG", REQUESTED, status)
    assert record.may_have_started(id_token, started_evse, REQUESTED + delay) is linked


def test_a_remote_start_starts_one_transaction() -> None:
    record = RemoteStartRecord(1, "CP", None, "TAG", REQUESTED, "Accepted", transaction_id="7")
    assert not record.may_have_started("TAG", 1, REQUESTED)
