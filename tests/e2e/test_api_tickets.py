"""Maintenance tickets over the API: opened from an alert, assigned, commented, resolved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from kilowatt.adapters.clock import FixedClock
from tests.conftest import RunningServer
from tests.monitoring_support import ADMIN, BOOT, list_alerts, status
from tests.support import register_station, station_16


@pytest.fixture
async def api(monitored: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """The API of the monitored server (tests/e2e/conftest.py), not the plain one."""
    async with monitored.client() as client:
        yield client


async def test_a_ticket_from_an_alert_is_assigned_commented_and_resolved(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await register_station(api, "CP-MON-8")
    async with station_16(monitored.ocpp_url, "CP-MON-8") as cp:
        await cp.call(BOOT, suppress=False)
        await cp.call(status(1, "Faulted", clock.now(), "ConnectorLockFailure"), suppress=False)
    [alert] = await list_alerts(api, station_id="CP-MON-8")

    draft = {"station_id": "CP-MON-8", "title": "Lock stuck", "alert_id": alert["id"]}
    created = await api.post("/api/v1/tickets", json=draft | {"comment": "seen by the driver"})
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert (ticket["state"], ticket["created_by"], ticket["assignee"]) == ("open", ADMIN, None)
    assert [c["body"] for c in ticket["comments"]] == ["seen by the driver"]
    url = f"/api/v1/tickets/{ticket['id']}"

    clock.advance(timedelta(minutes=5))
    assigned = await api.patch(url, json={"assignee": "tech-7", "state": "in_progress"})
    assert (assigned.json()["assignee"], assigned.json()["state"]) == ("tech-7", "in_progress")
    comment = await api.post(f"{url}/comments", json={"body": "replaced the actuator"})
    assert comment.status_code == 201, comment.text
    clock.advance(timedelta(minutes=30))
    resolved = await api.patch(url, json={"state": "resolved"})
    assert resolved.json()["resolved_by"] == ADMIN
    assert resolved.json()["resolved_at"] == "2025-06-01T08:35:00Z"

    stored = (await api.get(url)).json()
    assert stored["state"] == "resolved"
    assert [(c["author"], c["body"]) for c in stored["comments"]] == [
        (ADMIN, "seen by the driver"),
        (ADMIN, "replaced the actuator"),
    ]
    assert (await api.patch(url, json={"assignee": "tech-9"})).status_code == 409
    assert (await api.patch(url, json={"state": None})).status_code == 422
    listed = await api.get("/api/v1/tickets", params={"state": "resolved", "assignee": "tech-7"})
    assert [t["id"] for t in listed.json()] == [ticket["id"]]
    assert (await api.get("/api/v1/tickets", params={"state": "open"})).json() == []
    missing = await api.post("/api/v1/tickets", json=draft | {"station_id": "CP-NOPE"})
    assert missing.status_code == 404
