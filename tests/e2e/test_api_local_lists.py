"""Local authorization lists against simulated stations of both OCPP versions: a full list
from the store's tokens (split as the station advertises), then kept in step with every
token change, also for a station that was offline when the token changed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kilowatt.simulator import SimulatedStation
from tests.conftest import RunningServer
from tests.e2e.test_api_device_model import sent, simulated
from tests.support import eventually, register_station, register_token

TAGS = [f"04AA00000000{n:02X}" for n in range(1, 6)]
VERSIONS = ["1.6", "2.0.1"]


async def held(api: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/stations/{station_id}/local-list")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def follows(station: SimulatedStation, expected: dict[str, str]) -> dict[str, str]:
    """The station's own list, once it equals ``expected`` (or as it is when time is up)."""

    async def probe() -> dict[str, str]:
        return dict(station.local_list)

    return await eventually(probe, lambda found: found == expected, timeout_s=5)


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_full_list_is_sent_in_parts_the_station_accepts(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "LL1")
    for tag in TAGS[:4]:
        await register_token(api, tag)
    await register_token(api, TAGS[4], status="BLOCKED")
    await register_token(api, "NEVER-LISTED", whitelist="NEVER")
    async with simulated(server, "LL1", version, items_per_message=2) as station:
        synced = await api.post("/api/v1/stations/LL1/local-list/sync")
        station_list = dict(station.local_list)

    assert synced.status_code == 200, synced.text
    assert station_list == dict.fromkeys(TAGS[:4], "Accepted") | {TAGS[4]: "Blocked"}
    assert station.local_list_version == 1
    body = synced.json()
    assert (body["version"], body["entries"], body["last_status"]) == (1, 5, "Accepted")
    assert body["pending"] is False
    assert await held(api, "LL1") == body
    requests = [m["request"] for m in await sent(api, "LL1", "SendLocalList")]
    assert [(r["updateType"], len(r["localAuthorizationList"])) for r in requests] == [
        ("Full", 2),
        ("Differential", 2),
        ("Differential", 1),
    ]


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_local_list_follows_token_changes(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "LL2")
    for tag in TAGS[:2]:
        await register_token(api, tag)
    async with simulated(server, "LL2", version) as station:
        await api.post("/api/v1/stations/LL2/local-list/sync")
        expected = {TAGS[0]: "Accepted", TAGS[1]: "Accepted"}
        assert await follows(station, expected) == expected

        await api.patch(f"/api/v1/tokens/{TAGS[0]}", json={"status": "BLOCKED"})
        expected[TAGS[0]] = "Blocked"
        assert await follows(station, expected) == expected

        await api.delete(f"/api/v1/tokens/{TAGS[1]}")
        del expected[TAGS[1]]
        assert await follows(station, expected) == expected

        await register_token(api, TAGS[2])
        expected[TAGS[2]] = "Accepted"
        assert await follows(station, expected) == expected

        await register_token(api, "NOT-FOR-LISTS", whitelist="NEVER")
        state = await eventually(lambda: held(api, "LL2"), lambda body: body["version"] == 4)

    assert station.local_list == expected, "a token that is never whitelisted is not sent"
    assert (state["version"], state["entries"], state["pending"]) == (4, 2, False)
    assert station.local_list_version == 4
    requests = [m["request"] for m in await sent(api, "LL2", "SendLocalList")]
    assert [r["updateType"] for r in requests] == ["Full"] + ["Differential"] * 3


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_offline_during_a_token_change_gets_the_full_list_when_it_boots(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "LL3")
    await register_token(api, TAGS[0])
    async with simulated(server, "LL3", version) as station:
        await api.post("/api/v1/stations/LL3/local-list/sync")

    await api.patch(f"/api/v1/tokens/{TAGS[0]}", json={"status": "BLOCKED"})
    behind = await eventually(lambda: held(api, "LL3"), lambda body: body["pending"])
    assert station.local_list == {TAGS[0]: "Accepted"}

    async with station:
        await station.boot()
        caught_up = await follows(station, {TAGS[0]: "Blocked"})
        after = await eventually(lambda: held(api, "LL3"), lambda body: not body["pending"])

    assert behind["pending"] is True and behind["version"] == 1
    assert caught_up == {TAGS[0]: "Blocked"}
    assert (after["version"], after["last_status"]) == (2, "Accepted")


async def test_syncing_an_offline_station_is_409_and_marks_its_list_pending(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "LL4")
    async with simulated(server, "LL4", "1.6"):
        pass
    response = await api.post("/api/v1/stations/LL4/local-list/sync")
    assert response.status_code == 409
    assert (await held(api, "LL4"))["pending"] is True


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_full_list_holds_no_more_entries_than_the_station_can_keep(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    """1.6 LocalAuthListMaxLength; 2.0.1 the maxLimit of LocalAuthListCtrlr.Entries, as the
    stored device model (a NotifyReport) has it."""
    await register_station(api, "LLCAP")
    for tag in TAGS:
        await register_token(api, tag)
    config = {"items_per_message": 2, "local_list_max_length": 3}
    async with simulated(server, "LLCAP", version, **config) as station:
        await api.post("/api/v1/stations/LLCAP/configuration/refresh")

        simulated_station: Any = station
        every = (
            simulated_station.report_data()
            if version == "2.0.1"
            else simulated_station.configuration()
        )

        async def stored() -> list[Any]:
            found = await api.get("/api/v1/stations/LLCAP/configuration")
            return list(found.json())

        await eventually(stored, lambda found: len(found) == len(every))
        synced = await api.post("/api/v1/stations/LLCAP/local-list/sync")
        station_list = dict(station.local_list)

    assert synced.status_code == 200, synced.text
    assert (synced.json()["entries"], synced.json()["last_status"]) == (3, "Accepted")
    assert station_list == dict.fromkeys(TAGS[:3], "Accepted")
    requests = [m["request"] for m in await sent(api, "LLCAP", "SendLocalList")]
    assert [len(r["localAuthorizationList"]) for r in requests] == [2, 1]
