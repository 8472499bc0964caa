"""The partner session as its live page shows it: the partner's figures, power from its
POWER dimension or from the energy added since the previous report, the CDR's final figures
once it came; and when a command sent for the driver is settled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kilowatt.domain.roaming_objects import ObjectKey, ReceivedModule, ReceivedObject
from kilowatt.services.partner_live import command_settled, session_view


def received(**changes: Any) -> ReceivedObject:
    body = {
        "id": "S1",
        "status": "ACTIVE",
        "kwh": 2,
        "start_date_time": "2026-11-25T10:00:00Z",
        "currency": "EUR",
        "total_cost": {"excl_vat": 0.6, "incl_vat": 0.73},
        "last_updated": "2026-11-25T10:30:00Z",
    } | changes
    key = ObjectKey("DE", "CPO", "S1")
    return ReceivedObject(ReceivedModule.SESSIONS, key, "p1", body, datetime.now(UTC))


def test_the_view_shows_the_partners_figures() -> None:
    view = session_view(received(), None, None)
    assert (view["operator"], view["status"], view["kwh"]) == ("DE*CPO", "ACTIVE", "2")
    assert view["total_cost"] == {"excl_vat": 0.6, "incl_vat": 0.73}
    assert (view["power_w"], view["cdr"], view["ended"]) == (None, None, False)


def test_power_comes_from_the_latest_charging_periods_power_dimension() -> None:
    periods = [
        {"start_date_time": "2026-11-25T10:00:00Z", "dimensions": [{"type": "POWER", "volume": 7}]},
        {
            "start_date_time": "2026-11-25T10:20:00Z",
            "dimensions": [{"type": "POWER", "volume": 11}],
        },
    ]
    assert session_view(received(charging_periods=periods), None, None)["power_w"] == 11000


def test_otherwise_power_is_the_energy_added_since_the_previous_report() -> None:
    before = session_view(received(), None, None)
    later = received(kwh=3.5, last_updated="2026-11-25T10:45:00Z")
    assert session_view(later, None, before)["power_w"] == 6000.0  # 1.5 kWh in 15 minutes
    same_report = session_view(later, None, session_view(later, None, before))
    assert same_report["power_w"] == 6000.0  # woken again without news: kept


def test_reports_less_than_a_minute_apart_give_no_new_average_power() -> None:
    before = session_view(received(), None, None)
    soon = received(kwh=2.5, last_updated="2026-11-25T10:30:20Z")
    assert session_view(soon, None, before)["power_w"] is None
    later = session_view(received(kwh=3.5, last_updated="2026-11-25T10:45:00Z"), None, before)
    again = received(kwh=3.6, last_updated="2026-11-25T10:45:30Z")
    assert session_view(again, None, later)["power_w"] == 6000.0  # the last average kept


def test_a_finished_session_shows_no_power() -> None:
    before = session_view(received(), None, None)
    done = received(status="COMPLETED", kwh=3, last_updated="2026-11-25T10:45:00Z")
    view = session_view(done, None, before)
    assert (view["power_w"], view["ended"]) == (None, True)


def test_the_cdr_ends_the_session_with_its_final_figures() -> None:
    cdr = {
        "id": "CDR1",
        "session_id": "S1",
        "end_date_time": "2026-11-25T11:00:00Z",
        "total_energy": 4.2,
        "total_cost": {"excl_vat": 1.26, "incl_vat": 1.52},
        "currency": "EUR",
    }
    view = session_view(received(), cdr, None)
    assert (view["status"], view["kwh"], view["ended"]) == ("COMPLETED", "4.2", True)
    assert view["end_date_time"] == "2026-11-25T11:00:00Z"
    assert view["cdr"] == {
        "id": "CDR1",
        "total_energy": 4.2,
        "total_cost": {"excl_vat": 1.26, "incl_vat": 1.52},
        "currency": "EUR",
    }


@pytest.mark.parametrize(
    ("command", "response", "result", "session_id", "settled"),
    [
        ("START_SESSION", "ACCEPTED", None, None, False),  # waiting for the result
        ("START_SESSION", "ACCEPTED", "ACCEPTED", None, False),  # and then the session
        ("START_SESSION", "ACCEPTED", "ACCEPTED", "S1", True),
        ("START_SESSION", "ACCEPTED", None, "S1", True),  # the session came first
        ("START_SESSION", "ACCEPTED", "EVSE_OCCUPIED", None, True),
        ("START_SESSION", "REJECTED", None, None, True),
        ("START_SESSION", "ACCEPTED", "TIMEOUT", None, True),
        ("STOP_SESSION", "ACCEPTED", None, None, False),
        ("STOP_SESSION", "ACCEPTED", "ACCEPTED", None, True),
    ],
)
def test_a_command_is_settled_once_nothing_more_is_to_come(
    command: str, response: str, result: str | None, session_id: str | None, settled: bool
) -> None:
    view = {"command": command, "response": response, "result": result, "session_id": session_id}
    assert command_settled(view) is settled
