"""A driver's vehicles over the driver API, on SQLite and PostgreSQL: add, list, change,
remove, one default at a time, input refused with the reason, and each driver sees and
changes only their own vehicles."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from kilowatt.domain.vehicles import MAX_VEHICLES
from tests.conftest import RunningServer
from tests.driver_support import signed_up

VEHICLES = "/api/v1/driver/vehicles"
ZOE = {
    "name": "The blue one",
    "make": "Renault",
    "model": "Zoe R135",
    "licence_plate": " ab-123-c ",
    "battery_wh": 52_000,
    "max_ac_power_w": 22_000,
    "max_dc_power_w": 46_000,
    "connector_standards": ["IEC_62196_T2", "IEC_62196_T2_COMBO"],
}
LEAF = {
    "name": "Leaf",
    "make": "Nissan",
    "model": "Leaf 40",
    "battery_wh": 39_000,
    "max_ac_power_w": 6_600,
    "max_dc_power_w": 50_000,
    "connector_standards": ["IEC_62196_T2", "CHADEMO"],
}


async def _added(driver: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await driver.post(VEHICLES, json=body)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


async def _defaults(driver: httpx.AsyncClient) -> list[str]:
    return [v["name"] for v in (await driver.get(VEHICLES)).json() if v["is_default"]]


async def test_a_driver_adds_lists_changes_and_removes_vehicles(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as driver:
        assert (await driver.get(VEHICLES)).json() == []
        zoe = await _added(driver, ZOE)
        assert zoe | {"id": None, "created_at": None, "updated_at": None} == ZOE | {
            "licence_plate": "AB-123-C",
            "is_default": True,  # the first vehicle is the default
            "id": None,
            "created_at": None,
            "updated_at": None,
        }
        assert (await driver.get(f"{VEHICLES}/{zoe['id']}")).json() == zoe

        changed = await driver.patch(
            f"{VEHICLES}/{zoe['id']}", json={"name": "Zoe", "licence_plate": None}
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["name"], changed.json()["licence_plate"]) == ("Zoe", None)
        assert changed.json()["model"] == "Zoe R135"  # what was left out stays

        leaf = await _added(driver, LEAF)
        assert [v["id"] for v in (await driver.get(VEHICLES)).json()] == [zoe["id"], leaf["id"]]
        removed = await driver.delete(f"{VEHICLES}/{leaf['id']}")
        assert removed.status_code == 204
        assert (await driver.get(f"{VEHICLES}/{leaf['id']}")).status_code == 404


async def test_one_vehicle_is_the_default_and_the_next_takes_over_when_it_goes(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as driver:
        zoe = await _added(driver, ZOE)
        await _added(driver, LEAF)
        assert await _defaults(driver) == ["The blue one"]

        chosen = await driver.put(
            f"{VEHICLES}/{(await _added(driver, LEAF | {'name': 'Leaf 2'}))['id']}/default"
        )
        assert chosen.json()["is_default"] is True
        assert await _defaults(driver) == ["Leaf 2"]

        await _added(driver, ZOE | {"name": "New default", "is_default": True})
        assert await _defaults(driver) == ["New default"]

        await driver.put(f"{VEHICLES}/{zoe['id']}/default")
        assert (await driver.delete(f"{VEHICLES}/{zoe['id']}")).status_code == 204
        assert await _defaults(driver) == ["Leaf"]  # the oldest one left


async def test_two_racing_requests_leave_one_default(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as driver:
        await _added(driver, ZOE)
        cars = [await _added(driver, LEAF | {"name": f"Leaf {n}"}) for n in range(2)]
        answers = await asyncio.gather(
            *(driver.put(f"{VEHICLES}/{car['id']}/default") for car in cars)
        )
        assert {a.status_code for a in answers} <= {200, 409}  # 409: the other one won
        assert len(await _defaults(driver)) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": "  "}, "name cannot be empty"),
        ({"battery_wh": 0}, "battery_wh must be a whole number above 0"),
        ({"max_ac_power_w": -11_000}, "max_ac_power_w must be a whole number above 0"),
        ({"max_dc_power_w": 0}, "max_dc_power_w must be a whole number above 0"),
        ({"connector_standards": []}, "at least one connector type"),
        ({"connector_standards": ["TYPE_9"]}, "IEC_62196_T2"),  # the known types are listed
        ({"colour": "blue"}, "Extra inputs are not permitted"),
    ],
)
async def test_a_vehicle_that_breaks_a_rule_is_refused_with_the_reason(
    server: RunningServer, caplog: pytest.LogCaptureFixture, change: dict[str, Any], reason: str
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as driver:
        added = await driver.post(VEHICLES, json=ZOE | change)
        assert added.status_code == 422
        assert reason in added.text
        zoe = await _added(driver, ZOE)
        changed = await driver.patch(f"{VEHICLES}/{zoe['id']}", json=change)
        assert changed.status_code == 422
        assert reason in changed.text
        assert (await driver.get(f"{VEHICLES}/{zoe['id']}")).json() == zoe


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_driver_has_at_most_twenty_vehicles(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as driver:
        for n in range(MAX_VEHICLES):
            await _added(driver, LEAF | {"name": f"Car {n}"})
        one_more = await driver.post(VEHICLES, json=LEAF)
        assert one_more.status_code == 409
        assert f"at most {MAX_VEHICLES} vehicles" in one_more.json()["detail"]


async def test_a_driver_sees_and_changes_only_their_own_vehicles(
    server: RunningServer, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    bob = await signed_up(server, caplog, "bob@example.com")
    async with ada.client(server) as as_ada, bob.client(server) as as_bob:
        zoe = await _added(as_ada, ZOE)
        leaf = await _added(as_bob, LEAF)
        assert [v["id"] for v in (await as_bob.get(VEHICLES)).json()] == [leaf["id"]]
        ada_car = f"{VEHICLES}/{zoe['id']}"
        assert (await as_bob.get(ada_car)).status_code == 404
        assert (await as_bob.patch(ada_car, json={"name": "Mine"})).status_code == 404
        assert (await as_bob.put(f"{ada_car}/default")).status_code == 404
        assert (await as_bob.delete(ada_car)).status_code == 404
        assert (await as_ada.get(ada_car)).json() == zoe
        assert await _defaults(as_bob) == ["Leaf"]  # each driver has their own default
    # vehicles belong to drivers: an operator key is not a driver session
    assert (await api.get(VEHICLES)).status_code == 401
    async with server.client(None) as anonymous:
        assert (await anonymous.get(VEHICLES)).status_code == 401
