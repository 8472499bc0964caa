"""Stations with a display are told the running cost while charging: OCPP 2.0.1 by
CostUpdated, OCPP 1.6 by the Open Charge Alliance's DataTransfer convention, only when the
station's configuration says it shows cost (CustomDisplayCostAndPrice)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kilowatt.simulator.station import SimulatedStation
from tests.conftest import RunningServer, settings_for
from tests.e2e.test_api_device_model import simulated
from tests.e2e.test_api_tariffs import priced_site
from tests.support import TAG, eventually


@pytest.fixture
async def quick_costs(database_url: str) -> AsyncIterator[RunningServer]:
    running = RunningServer(settings_for(database_url, running_cost_interval_s=0.05))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def shown(station: SimulatedStation) -> dict[str, float]:
    return dict(station.shown_costs)


async def metered(api: httpx.AsyncClient, station_id: str) -> bool:
    found = (await api.get("/api/v1/transactions", params={"station_id": station_id})).json()
    return any((t["energy_wh"] or 0) > 0 for t in found)


async def test_a_201_display_shows_the_cost_so_far(quick_costs: RunningServer) -> None:
    async with quick_costs.client() as api:
        await priced_site(api, "RC-201")
        async with simulated(quick_costs, "RC-201", "2.0.1", meter_interval_s=3600) as station:
            await station.plug_in(1)
            assert await station.start_charging(TAG, connector_id=1)
            await station.send_meter_values(connector_id=1, advance_s=1800)
            costs = await eventually(
                lambda: shown(station), lambda c: any(v > 0.61 for v in c.values()), timeout_s=5
            )
    assert max(costs.values()) > 0.61  # the flat fee with VAT, then energy on top


async def test_a_16_display_is_sent_costs_only_once_it_says_it_shows_them(
    quick_costs: RunningServer,
) -> None:
    async with quick_costs.client() as api:
        await priced_site(api, "RC-16")
        async with simulated(quick_costs, "RC-16", "1.6", meter_interval_s=3600) as station:
            await station.plug_in(1)
            assert await station.start_charging(TAG, connector_id=1)
            await station.send_meter_values(connector_id=1, advance_s=1800)
            await eventually(lambda: metered(api, "RC-16"), bool, timeout_s=5)
            assert station.shown_costs == {}  # its configuration is not known yet
            refreshed = await api.post("/api/v1/stations/RC-16/configuration/refresh")
            assert refreshed.status_code in (200, 202), refreshed.text
            await station.send_meter_values(connector_id=1, advance_s=600)
            costs = await eventually(lambda: shown(station), bool, timeout_s=5)
    assert all(cost > 0.61 for cost in costs.values())
