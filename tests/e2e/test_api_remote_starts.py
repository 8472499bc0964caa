"""A remote start over the REST API is linked to the transaction it started: on 2.0.1 by the
remoteStartId the station echoes, on 1.6 by token, connector and time."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.e2e.test_api_device_model import sent, simulated
from tests.support import OTHER_TAG, TAG, eventually, register_station, register_token


async def transactions(api: httpx.AsyncClient, station_id: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/transactions", params={"station_id": station_id})
    found: list[dict[str, Any]] = response.json()
    return found


async def detail(api: httpx.AsyncClient, station_id: str, transaction_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/stations/{station_id}/transactions/{transaction_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def charging_with(api: httpx.AsyncClient, station_id: str, tag: str) -> dict[str, Any]:
    found = await eventually(
        lambda: transactions(api, station_id),
        lambda rows: any(row["id_token"] == tag for row in rows),
        timeout_s=5,
    )
    return next(row for row in found if row["id_token"] == tag)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_remote_start_is_linked_to_the_transaction_it_started(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "RM1")
    await register_token(api, TAG)
    await register_token(api, OTHER_TAG)
    async with simulated(server, "RM1", version) as station:
        await station.plug_in(2)
        assert await station.start_charging(OTHER_TAG, connector_id=2)
        answer = await api.post("/api/v1/stations/RM1/start", json={"id_token": TAG})
        remote = await charging_with(api, "RM1", TAG)
        local = await charging_with(api, "RM1", OTHER_TAG)

    assert answer.status_code == 200, answer.text
    start_id = answer.json()["remoteStartId"]
    assert answer.json() == {"status": "Accepted", "remoteStartId": start_id}
    remote_detail = await eventually(
        lambda: detail(api, "RM1", remote["id"]), lambda body: body["started_by"] == "remote"
    )
    assert (remote_detail["started_by"], remote_detail["remote_start_id"]) == ("remote", start_id)
    assert remote_detail["evse_id"] == 1, "the free connector"
    local_detail = await detail(api, "RM1", local["id"])
    assert (local_detail["started_by"], local_detail["remote_start_id"]) == ("station", None)
    if version == "2.0.1":
        request = (await sent(api, "RM1", "RequestStartTransaction"))[0]["request"]
        assert request["remoteStartId"] == start_id


async def test_remote_start_ids_come_from_a_sequence_and_a_refused_start_links_nothing(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "RM2")
    await register_token(api, TAG)
    async with simulated(server, "RM2", "1.6", connectors=1) as station:
        first = (await api.post("/api/v1/stations/RM2/start", json={"id_token": TAG})).json()
        started = await charging_with(api, "RM2", TAG)
        busy = (await api.post("/api/v1/stations/RM2/start", json={"id_token": TAG})).json()
        await station.stop_charging("Local", connector_id=1)

    assert first["status"] == "Accepted" and busy["status"] == "Rejected"
    assert busy["remoteStartId"] == first["remoteStartId"] + 1
    linked = await eventually(
        lambda: detail(api, "RM2", started["id"]), lambda body: body["started_by"] == "remote"
    )
    assert linked["remote_start_id"] == first["remoteStartId"]
