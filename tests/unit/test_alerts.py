"""The alert lifecycle (kilowatt.domain.alerts): open → acknowledged → resolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.alerts import SYSTEM, Alert, AlertKind, AlertState
from kilowatt.domain.errors import Conflict, InvalidValue

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def _alert() -> Alert:
    return Alert("a1", AlertKind.CONNECTOR_FAULTED, "CP-1", "1/1", "GroundFailure", NOW)


def test_a_new_alert_is_open_and_active() -> None:
    alert = _alert()
    assert alert.state is AlertState.OPEN
    assert alert.active
    assert alert.active_key == "connector_faulted|CP-1|1/1"


def test_acknowledging_records_who_and_when() -> None:
    alert = _alert()
    alert.acknowledge("alice", NOW + timedelta(minutes=5))
    assert alert.state is AlertState.ACKNOWLEDGED
    assert (alert.acknowledged_by, alert.acknowledged_at) == ("alice", NOW + timedelta(minutes=5))
    assert alert.active


@pytest.mark.parametrize("acknowledged_first", [False, True])
def test_an_alert_resolves_from_open_or_acknowledged(acknowledged_first: bool) -> None:
    alert = _alert()
    if acknowledged_first:
        alert.acknowledge("alice", NOW)
    alert.resolve(SYSTEM, NOW + timedelta(hours=1))
    assert alert.state is AlertState.RESOLVED
    assert (alert.resolved_by, alert.resolved_at) == (SYSTEM, NOW + timedelta(hours=1))
    assert not alert.active


def test_an_acknowledged_alert_cannot_be_acknowledged_again() -> None:
    alert = _alert()
    alert.acknowledge("alice", NOW)
    with pytest.raises(Conflict):
        alert.acknowledge("bob", NOW)
    assert alert.acknowledged_by == "alice"


def test_a_resolved_alert_is_final() -> None:
    alert = _alert()
    alert.resolve("alice", NOW)
    with pytest.raises(Conflict):
        alert.resolve("bob", NOW)
    with pytest.raises(Conflict):
        alert.acknowledge("bob", NOW)
    assert alert.resolved_by == "alice"


def test_a_transition_needs_who_made_it() -> None:
    with pytest.raises(InvalidValue):
        _alert().acknowledge("  ", NOW)
