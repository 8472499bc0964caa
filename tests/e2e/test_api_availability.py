"""Availability over the API: uptime of a known day comes out exact, per station, location
and fleet, with announced maintenance excluded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from ocpp.v16 import call

from kilowatt.adapters.clock import FixedClock
from kilowatt.services import monitoring
from tests.conftest import RunningServer
from tests.monitoring_support import ADMIN, BOOT, DAY, location, status
from tests.support import register_station, station_16


@pytest.fixture
async def api(monitored: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """The API of the monitored server (tests/e2e/conftest.py), not the plain one."""
    async with monitored.client() as client:
        yield client


async def test_availability_of_a_known_day_is_exact(
    monitored: RunningServer,
    api: httpx.AsyncClient,
    clock: FixedClock,
) -> None:
    """24 h: 30 min faulted, 1 h offline, 2 h announced maintenance → 20.5 h / 22 h = 41/44."""
    for location_id in ("AMS-MON", "UTR-MON"):
        created = await api.post("/api/v1/locations", json=location(location_id))
        assert created.status_code == 201, created.text
    await register_station(api, "CP-MON-6", location_id="AMS-MON")
    ctx = monitored.app.ctx
    async with station_16(monitored.ocpp_url, "CP-MON-6") as cp:
        await cp.call(BOOT, suppress=False)  # heard from at 08:00
        await cp.call(status(1, "Faulted", DAY - timedelta(hours=5)), suppress=False)
        await cp.call(status(1, "Available", DAY - timedelta(hours=1)), suppress=False)
        await cp.call(status(1, "Faulted", DAY + timedelta(hours=6)), suppress=False)
        await cp.call(status(1, "Available", DAY + timedelta(hours=6.5)), suppress=False)
        clock.advance(timedelta(minutes=15))
        await monitoring.sweep(ctx, clock.now())  # offline since 08:00
        clock.advance(timedelta(minutes=45))
        await cp.call(call.Heartbeat(), suppress=False)  # back at 09:00
        await monitoring.sweep(ctx, clock.now())
    maintenance = {
        "station_id": "CP-MON-6",
        "starts_at": "2025-06-01T20:00:00Z",
        "ends_at": "2025-06-01T22:00:00+00:00",
        "reason": "replace the cable",
    }
    created = await api.post("/api/v1/maintenance-windows", json=maintenance)
    assert created.status_code == 201, created.text
    assert created.json()["created_by"] == ADMIN
    clock.advance(timedelta(hours=20))

    day = {"from": "2025-06-01T00:00:00Z", "to": "2025-06-02T00:00:00Z"}
    response = await api.get("/api/v1/availability", params=day | {"station_id": "CP-MON-6"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["uptime_percent"] == "93.182"
    assert (body["seconds_up"], body["seconds_down"], body["seconds_excluded"]) == (
        73800,
        5400,
        7200,
    )
    assert [(e["station_id"], e["evse_id"]) for e in body["evses"]] == [("CP-MON-6", 1)]

    fleet = (await api.get("/api/v1/availability", params=day)).json()
    assert fleet["uptime_percent"] == "93.182"
    site = (await api.get("/api/v1/availability", params=day | {"location_id": "AMS-MON"})).json()
    assert (site["uptime_percent"], site["seconds_up"]) == ("93.182", 73800)
    other = await api.get("/api/v1/availability", params=day | {"location_id": "UTR-MON"})
    assert (other.json()["uptime_percent"], other.json()["evses"]) == (None, [])
    evse = await api.get("/api/v1/availability", params=day | {"evse_id": "1"})
    assert evse.status_code == 422  # an EVSE is named with its station
    backwards = {"from": day["to"], "to": day["from"]}
    assert (await api.get("/api/v1/availability", params=backwards)).status_code == 422
    windows = await api.get("/api/v1/maintenance-windows", params=day)
    assert [w["reason"] for w in windows.json()] == ["replace the cable"]
    deleted = await api.delete(f"/api/v1/maintenance-windows/{created.json()['id']}")
    assert deleted.status_code == 204
    without = await api.get("/api/v1/availability", params=day | {"station_id": "CP-MON-6"})
    assert without.json()["seconds_down"] == 5400
    assert without.json()["seconds_up"] == 73800 + 7200


async def test_moving_or_cancelling_announced_maintenance_changes_the_uptime_exactly(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    """Faulted 06:00-06:30. Maintenance 20:00-22:00: 77400 s up / 79200 s = 97.727 %; moved
    to 06:15-08:15 it hides the last 15 faulted minutes: 78300 / 79200 = 98.864 %;
    cancelled: 84600 / 86400 = 97.917 %."""
    await register_station(api, "CP-MW")
    async with station_16(monitored.ocpp_url, "CP-MW") as cp:
        await cp.call(BOOT, suppress=False)
        await cp.call(status(1, "Available", DAY - timedelta(hours=1)), suppress=False)
        await cp.call(status(1, "Faulted", DAY + timedelta(hours=6)), suppress=False)
        await cp.call(status(1, "Available", DAY + timedelta(hours=6.5)), suppress=False)
    announced = await api.post(
        "/api/v1/maintenance-windows",
        json={
            "station_id": "CP-MW",
            "starts_at": "2025-06-01T20:00:00Z",
            "ends_at": "2025-06-01T22:00:00Z",
            "reason": "replace the cable",
        },
    )
    window = f"/api/v1/maintenance-windows/{announced.json()['id']}"
    clock.advance(timedelta(hours=20))
    day = {"from": "2025-06-01T00:00:00Z", "to": "2025-06-02T00:00:00Z"}

    async def uptime() -> tuple[str, int, int, int]:
        found = await api.get("/api/v1/availability", params=day | {"station_id": "CP-MW"})
        body = found.json()
        return (
            body["uptime_percent"],
            body["seconds_up"],
            body["seconds_down"],
            body["seconds_excluded"],
        )

    assert await uptime() == ("97.727", 77400, 1800, 7200)

    moved = await api.patch(
        window, json={"starts_at": "2025-06-01T06:15:00Z", "ends_at": "2025-06-01T08:15:00Z"}
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["starts_at"], moved.json()["reason"]) == (
        "2025-06-01T06:15:00Z",
        "replace the cable",
    )
    assert await uptime() == ("98.864", 78300, 900, 7200)

    renamed = await api.patch(window, json={"reason": "replace the cable and the RCD"})
    assert renamed.json()["ends_at"] == "2025-06-01T08:15:00Z"
    assert await uptime() == ("98.864", 78300, 900, 7200)
    backwards = await api.patch(window, json={"ends_at": "2025-06-01T06:00:00Z"})
    no_evse = await api.patch(window, json={"evse_id": 9})
    unknown = await api.patch("/api/v1/maintenance-windows/nope", json={"reason": "x"})
    assert (backwards.status_code, no_evse.status_code, unknown.status_code) == (422, 404, 404)
    assert await uptime() == ("98.864", 78300, 900, 7200), "a refused edit changes nothing"

    cancelled = await api.delete(window)
    assert cancelled.status_code == 204
    assert await uptime() == ("97.917", 84600, 1800, 0)
    listed = await api.get("/api/v1/maintenance-windows", params=day)
    assert listed.json() == []
