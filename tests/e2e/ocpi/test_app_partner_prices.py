"""The finder shows what a driver would pay at a partner's EVSE for a session starting now:
the partner CPO's received tariff priced at the (test) clock's time in the location's time
zone, so a night price shows at night and the day price by day (OCPI tariff restrictions)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kilowatt.adapters.clock import FixedClock
from tests.conftest import RunningServer, settings_for
from tests.e2e.ocpi.objects import EMSP, LOCATION, example
from tests.e2e.ocpi.support import as_cpo, ocpi_data

WEDNESDAY_NOON_BRUSSELS = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # CET: UTC+1
NIGHT_AND_DAY = {
    "country_code": "DE",
    "party_id": "CPO",
    "id": "11",  # the tariff the spec's example location names on EVSE 3256
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.20, "vat": 21, "step_size": 1}],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {
            "price_components": [{"type": "ENERGY", "price": 0.45, "vat": 21, "step_size": 1}],
            "restrictions": {"day_of_week": ["SATURDAY", "SUNDAY"]},
        },
        {"price_components": [{"type": "ENERGY", "price": 0.35, "vat": 21, "step_size": 1}]},
    ],
    "last_updated": "2026-11-01T00:00:00Z",
}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(WEDNESDAY_NOON_BRUSSELS)


@pytest.fixture
async def emsp(database_url: str, clock: FixedClock) -> AsyncIterator[RunningServer]:
    running = RunningServer(settings_for(database_url), clock)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def cpo(emsp: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """An OCPI client of a partner registered with us as the CPO DE*CPO."""
    async with as_cpo(emsp) as client:
        yield client


async def shown_per_kwh(visitor: httpx.AsyncClient) -> str:
    answer = await visitor.get("/app/api/locations/DE:CPO:LOC1")
    assert answer.status_code == 200, answer.text
    (priced,) = [evse for evse in answer.json()["evses"] if evse["uid"] == "3256"]
    price: str = priced["prices"]["per_kwh"]["excl_vat"]
    return price


async def test_the_partner_price_shown_follows_the_clock_at_the_location(
    emsp: RunningServer, cpo: httpx.AsyncClient, clock: FixedClock
) -> None:
    ocpi_data(await cpo.put(LOCATION, json=example("location_example.json")))
    ocpi_data(await cpo.put(f"{EMSP}/tariffs/DE/CPO/11", json=NIGHT_AND_DAY))
    async with emsp.client(None) as visitor:
        assert await shown_per_kwh(visitor) == "0.3500"  # Wednesday noon
        clock.advance(timedelta(hours=10, minutes=30))  # 22:30 in Brussels
        assert await shown_per_kwh(visitor) == "0.2000"
        clock.advance(timedelta(hours=8))  # Thursday 06:30: day again
        assert await shown_per_kwh(visitor) == "0.3500"
        clock.advance(timedelta(days=2))  # Saturday 06:30
        assert await shown_per_kwh(visitor) == "0.4500"
        listed = (await visitor.get("/app/api/locations")).json()
        (partner,) = [loc for loc in listed if loc.get("partner")]
        (priced,) = [evse for evse in partner["evses"] if evse["uid"] == "3256"]
        assert priced["prices"]["per_kwh"] == {"excl_vat": "0.4500", "incl_vat": "0.5445"}
