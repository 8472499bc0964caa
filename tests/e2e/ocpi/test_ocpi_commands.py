"""OCPI Commands from an eMSP carried out at a real OCPP 1.6 station: the CommandResponse
comes at once, the station gets the OCPP call, the CommandResult reaches response_url."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.conftest import RunningServer
from tests.e2e.ocpi.receiver import OcpiReceiver, Received
from tests.e2e.ocpi.support import ocpi_data, register, token_header
from tests.e2e.test_api_commands import Station16
from tests.e2e.test_api_tariffs import priced_site
from tests.support import PASSWORD, eventually, open_socket

COMMANDS = "/ocpi/cpo/2.2.1/commands"


@contextlib.asynccontextmanager
async def station(server: RunningServer, station_id: str) -> AsyncIterator[Station16]:
    async with open_socket(server.ocpp_url, station_id, PASSWORD, "1.6") as socket:
        client = Station16(station_id, socket, response_timeout=10)
        client.received = []
        task = asyncio.create_task(client.start())
        try:
            yield client
        finally:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


async def results(receiver: OcpiReceiver, count: int) -> list[Received]:
    async def found() -> list[Received]:
        return [r for r in receiver.received if r.path.startswith("results/")]

    return await eventually(found, lambda got: len(got) >= count, timeout_s=10)


async def test_start_unlock_and_reservations_from_an_emsp(
    fast_server: RunningServer,
    receiver: OcpiReceiver,
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-K1")
    token_c = await register(fast_server, receiver)
    base = f"http://127.0.0.1:{receiver.port}/ocpi/emsp/2.2.1/results"
    token = {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": "ROAMAPP1",
        "type": "APP_USER",
        "contract_id": "DE-MSP-C00000001-X",
        "issuer": "Test EMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-11-01T00:00:00Z",
    }
    async with (
        httpx.AsyncClient(
            base_url=fast_server.base_url + COMMANDS, headers=token_header(token_c), timeout=10
        ) as ocpi,
        station(fast_server, "CP-K1") as cp,
    ):
        evse_uid = await _evse_uid(fast_server, token_c)
        start = {
            "response_url": f"{base}/1",
            "token": token,
            "location_id": "AMS-1",
            "evse_uid": evse_uid,
        }
        response = ocpi_data(await ocpi.post("/START_SESSION", json=start))
        assert response["result"] == "ACCEPTED" and response["timeout"] > 0
        unlock = {
            "response_url": f"{base}/2",
            "location_id": "AMS-1",
            "evse_uid": evse_uid,
            "connector_id": "1",
        }
        assert ocpi_data(await ocpi.post("/UNLOCK_CONNECTOR", json=unlock))["result"] == "ACCEPTED"
        got = await results(receiver, 2)
        assert sorted((r.path, r.body["result"]) for r in got) == [
            ("results/1", "ACCEPTED"),
            ("results/2", "ACCEPTED"),
        ]
        assert sorted(name for name, _ in cp.received) == [
            "RemoteStartTransaction",
            "UnlockConnector",
        ]
        started = dict(cp.received)["RemoteStartTransaction"]
        assert started == {"id_tag": "ROAMAPP1", "connector_id": 1}

        reserve = {"response_url": f"{base}/3", "location_id": "AMS-1"}
        assert ocpi_data(await ocpi.post("/RESERVE_NOW", json=reserve))["result"] == (
            "NOT_SUPPORTED"
        )
        stop = {"response_url": f"{base}/4", "session_id": "no-such-session"}
        assert ocpi_data(await ocpi.post("/STOP_SESSION", json=stop))["result"] == (
            "UNKNOWN_SESSION"
        )
        elsewhere = start | {"location_id": "NOWHERE"}
        unknown = await ocpi.post("/START_SESSION", json=elsewhere)
        assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2003)
        bogus = await ocpi.post("/SELF_DESTRUCT", json=start)
        assert (bogus.status_code, bogus.json()["status_code"]) == (400, 2001)
    async with fast_server.client() as api:
        stored = (await api.get("/api/v1/tokens/ROAMAPP1")).json()
    assert (stored["country_code"], stored["party_id"]) == ("DE", "MSP")


async def test_a_command_for_an_offline_station_fails_in_the_result(
    fast_server: RunningServer,
    receiver: OcpiReceiver,
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-K2")
    token_c = await register(fast_server, receiver)
    evse_uid = await _evse_uid(fast_server, token_c)
    unlock: dict[str, Any] = {
        "response_url": f"http://127.0.0.1:{receiver.port}/ocpi/emsp/2.2.1/results/9",
        "location_id": "AMS-1",
        "evse_uid": evse_uid,
        "connector_id": "1",
    }
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(
            f"{fast_server.base_url}{COMMANDS}/UNLOCK_CONNECTOR",
            json=unlock,
            headers=token_header(token_c),
        )
    assert ocpi_data(answer)["result"] == "ACCEPTED"
    (result,) = await results(receiver, 1)
    assert result.body == {"result": "FAILED"}


async def _evse_uid(server: RunningServer, token_c: str) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"{server.base_url}/ocpi/cpo/2.2.1/locations/AMS-1"
        location = ocpi_data(await client.get(url, headers=token_header(token_c)))
    return str(location["evses"][0]["uid"])
