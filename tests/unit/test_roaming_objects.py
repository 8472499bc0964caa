"""The checks and PATCH rules of partner CPOs' objects we keep (eMSP role), without I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.roaming import UnknownLocation
from kilowatt.domain.roaming_objects import (
    ObjectKey,
    ReceivedModule,
    SentCommand,
    checked,
    last_updated,
    merge_session,
    patch_connector,
    patch_evse,
    put_connector,
    put_evse,
)

KEY = ObjectKey("DE", "CPO", "LOC1")
CONNECTOR = {"id": "1", "standard": "IEC_62196_T2", "last_updated": "2026-01-01T00:00:00Z"}


def location(**changes: Any) -> dict[str, Any]:
    body = {
        "country_code": "DE",
        "party_id": "CPO",
        "id": "LOC1",
        "publish": True,
        "address": "Straße 1",
        "city": "Berlin",
        "country": "DEU",
        "coordinates": {"latitude": "52.5", "longitude": "13.4"},
        "time_zone": "Europe/Berlin",
        "evses": [
            {
                "uid": "E1",
                "status": "AVAILABLE",
                "connectors": [CONNECTOR],
                "last_updated": "2026-01-01T00:00:00Z",
            }
        ],
        "last_updated": "2026-01-01T00:00:00Z",
    }
    return body | changes


def test_a_whole_location_passes_and_is_copied() -> None:
    body = location()
    kept = checked(ReceivedModule.LOCATIONS, KEY, body)
    assert kept == body and kept is not body


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"city": None}, "missing city"),
        ({"id": "LOC2"}, "differs from the URL"),
        ({"party_id": "XYZ"}, "differs from the URL"),
        ({"coordinates": {"latitude": "95", "longitude": "0"}}, "out of range"),
        ({"coordinates": "here"}, "latitude and a longitude"),
        ({"last_updated": "yesterday"}, "not a timestamp"),
        ({"evses": [{"uid": "E1"}]}, "needs a status"),
        ({"evses": [{"uid": "E1", "status": "AVAILABLE", "connectors": [{}]}]}, "connector"),
    ],
)
def test_a_location_that_is_not_ocpi_is_refused(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidValue, match=problem):
        checked(ReceivedModule.LOCATIONS, KEY, location(**changes))


def test_ids_longer_than_ocpi_allows_are_refused() -> None:
    with pytest.raises(InvalidValue):
        ObjectKey("DE", "CPO", "X" * 37)


def test_last_updated_without_a_zone_is_utc() -> None:
    moment = last_updated({"last_updated": "2026-01-01T10:00:00"})
    assert moment == datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_an_evse_patch_changes_its_fields_and_the_location_s_last_updated() -> None:
    patched = patch_evse(
        location(), "E1", {"status": "CHARGING", "last_updated": "2026-02-01T00:00:00Z"}
    )
    assert patched["evses"][0]["status"] == "CHARGING"
    assert patched["last_updated"] == "2026-02-01T00:00:00Z"
    with pytest.raises(UnknownLocation):
        patch_evse(location(), "E9", {"last_updated": "2026-02-01T00:00:00Z"})
    with pytest.raises(InvalidValue):
        patch_evse(location(), "E1", {"status": "CHARGING"})


def test_a_connector_patch_touches_its_evse_and_location() -> None:
    changes = {"max_amperage": 32, "last_updated": "2026-03-01T00:00:00Z"}
    patched = patch_connector(location(), "E1", "1", changes)
    evse = patched["evses"][0]
    assert evse["connectors"][0]["max_amperage"] == 32
    assert evse["last_updated"] == patched["last_updated"] == "2026-03-01T00:00:00Z"


def test_put_adds_or_replaces_an_evse_or_a_connector() -> None:
    evse = {"uid": "E2", "status": "AVAILABLE", "last_updated": "2026-04-01T00:00:00Z"}
    with_two = put_evse(location(), evse)
    assert [e["uid"] for e in with_two["evses"]] == ["E1", "E2"]
    replaced = put_evse(with_two, evse | {"status": "BLOCKED"})
    assert [e["status"] for e in replaced["evses"]] == ["AVAILABLE", "BLOCKED"]
    second = CONNECTOR | {"id": "2", "last_updated": "2026-05-01T00:00:00Z"}
    assert [c["id"] for c in put_connector(location(), "E1", second)["evses"][0]["connectors"]] == [
        "1",
        "2",
    ]


def test_a_session_patch_appends_charging_periods_and_replaces_the_rest() -> None:
    period = {"start_date_time": "2026-01-01T00:00:00Z", "dimensions": []}
    session = {"kwh": 1, "charging_periods": [period], "status": "ACTIVE"}
    merged = merge_session(session, {"kwh": 2, "charging_periods": [period]})
    assert (merged["kwh"], len(merged["charging_periods"]), merged["status"]) == (2, 2, "ACTIVE")
    assert len(merge_session(session, {"kwh": 3})["charging_periods"]) == 1


def test_a_command_without_a_result_times_out_after_the_cpo_s_timeout() -> None:
    sent_at = datetime(2026, 1, 1, tzinfo=UTC)
    due = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
    command = SentCommand("c", "p", "START_SESSION", {}, sent_at, sent_at, "ACCEPTED")
    assert not command.expire(datetime(2026, 1, 2, tzinfo=UTC))  # no timeout given: waits
    command.result_due_at = due
    assert not command.expire(due)
    assert command.expire(datetime(2026, 1, 1, 0, 1, tzinfo=UTC))
    assert command.result == "TIMEOUT"
    answered = SentCommand("c", "p", "START_SESSION", {}, sent_at, sent_at, "ACCEPTED", "ACCEPTED")
    answered.result_due_at = due
    assert not answered.expire(datetime(2026, 1, 1, 0, 1, tzinfo=UTC))
