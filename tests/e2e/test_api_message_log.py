"""The OCPP message log over the API: filters by direction, errors and time; retention."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from ocpp.v16 import call

from kilowatt.adapters.clock import FixedClock
from tests.conftest import RunningServer
from tests.monitoring_support import BOOT, DAY
from tests.support import eventually, register_station, station_16


@pytest.fixture
async def api(monitored: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """The API of the monitored server (tests/e2e/conftest.py), not the plain one."""
    async with monitored.client() as client:
        yield client


async def test_the_message_log_filters_by_direction_error_and_time(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await register_station(api, "CP-MON-7")
    async with station_16(monitored.ocpp_url, "CP-MON-7") as cp:
        await cp.call(BOOT, suppress=False)
        clock.advance(timedelta(minutes=1))
        await cp.call(call.Heartbeat(), suppress=False)

    url = "/api/v1/stations/CP-MON-7/messages"

    async def actions(**params: str) -> list[str]:
        response = await api.get(url, params=params)
        assert response.status_code == 200, response.text
        return [m["action"] for m in response.json()]

    await eventually(actions, lambda found: len(found) == 2)
    assert await actions(direction="in") == ["Heartbeat", "BootNotification"]
    assert await actions(direction="out") == []
    assert await actions(errors_only="true") == []
    assert await actions(since="2025-06-01T08:00:30Z") == ["Heartbeat"]
    assert await actions(until="2025-06-01T08:00:30Z") == ["BootNotification"]
    assert (await api.get(url, params={"since": "2025-06-01T08:00:30"})).status_code == 422

    pruned = await monitored.app.store.prune(DAY + timedelta(hours=8, seconds=30))
    assert pruned == 1
    assert await actions() == ["Heartbeat"]
