"""OCPI Commands from an eMSP carried out at a real OCPP 1.6 station: the CommandResponse
comes at once, the station gets the OCPP call, the CommandResult reaches response_url."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16

from tests.conftest import RunningServer
from tests.e2e.ocpi.receiver import OcpiReceiver, Received
from tests.e2e.ocpi.support import ocpi_data, register, token_header
from tests.e2e.test_api_commands import Station16
from tests.e2e.test_api_tariffs import priced_site
from tests.support import PASSWORD, eventually, now_iso, open_socket

COMMANDS = "/ocpi/cpo/2.2.1/commands"


ROAMING_TOKEN = {
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


class ReservingStation(Station16):
    """Holds reservations: answers ReserveNow with the next of ``answers`` (then Accepted)."""

    answers: list[str]

    @on(Action16.reserve_now)  # type: ignore[untyped-decorator]
    async def on_reserve_now(self, **request: Any) -> result16.ReserveNow:
        self.received.append(("ReserveNow", request))
        return result16.ReserveNow(status=self.answers.pop(0) if self.answers else "Accepted")

    @on(Action16.cancel_reservation)  # type: ignore[untyped-decorator]
    async def on_cancel_reservation(self, **request: Any) -> result16.CancelReservation:
        self.received.append(("CancelReservation", request))
        return result16.CancelReservation(status="Accepted")


@contextlib.asynccontextmanager
async def station(
    server: RunningServer, station_id: str, kind: type[Station16] = Station16
) -> AsyncIterator[Any]:
    async with open_socket(server.ocpp_url, station_id, PASSWORD, "1.6") as socket:
        client = kind(station_id, socket, response_timeout=10)
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
    token = ROAMING_TOKEN
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


async def test_reservations_from_an_emsp_are_mapped_to_ours_replaced_and_cancelled(
    fast_server: RunningServer,
    receiver: OcpiReceiver,
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-K3")
    token_c = await register(fast_server, receiver)
    base = f"http://127.0.0.1:{receiver.port}/ocpi/emsp/2.2.1/results"
    expiry = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    async with (
        httpx.AsyncClient(
            base_url=fast_server.base_url + COMMANDS, headers=token_header(token_c), timeout=10
        ) as ocpi,
        station(fast_server, "CP-K3", ReservingStation) as cp,
    ):
        cp.answers = ["Accepted", "Accepted", "Occupied"]
        evse_uid = await _evse_uid(fast_server, token_c)
        reserve = {
            "response_url": f"{base}/r1",
            "token": ROAMING_TOKEN,
            "expiry_date": expiry,
            "reservation_id": "R-1",
            "location_id": "AMS-1",
            "evse_uid": evse_uid,
        }
        assert ocpi_data(await ocpi.post("/RESERVE_NOW", json=reserve))["result"] == "ACCEPTED"
        assert [r.body for r in await results(receiver, 1)] == [{"result": "ACCEPTED"}]
        (name, first), *_ = cp.received
        assert name == "ReserveNow"
        assert (first["id_tag"], first["connector_id"]) == ("ROAMAPP1", 1)
        assert first["reservation_id"] != "R-1"  # ours, never the eMSP's

        again = reserve | {"response_url": f"{base}/r2"}  # the same id replaces it
        assert ocpi_data(await ocpi.post("/RESERVE_NOW", json=again))["result"] == "ACCEPTED"
        await results(receiver, 2)
        cancel = {"response_url": f"{base}/c1", "reservation_id": "R-1"}
        assert ocpi_data(await ocpi.post("/CANCEL_RESERVATION", json=cancel))["result"] == (
            "ACCEPTED"
        )
        await results(receiver, 3)
        occupied = reserve | {"response_url": f"{base}/r3", "reservation_id": "R-2"}
        await ocpi.post("/RESERVE_NOW", json=occupied)
        unknown = {"response_url": f"{base}/c2", "reservation_id": "NOT-MINE"}
        await ocpi.post("/CANCEL_RESERVATION", json=unknown)
        got = {r.path: r.body["result"] for r in await results(receiver, 5)}
        bad = reserve | {"expiry_date": "next tuesday"}
        refused = await ocpi.post("/RESERVE_NOW", json=bad)

    assert got == {
        "results/r1": "ACCEPTED",
        "results/r2": "ACCEPTED",
        "results/c1": "ACCEPTED",
        "results/r3": "EVSE_OCCUPIED",
        "results/c2": "UNKNOWN_RESERVATION",
    }
    calls = [(name, request["reservation_id"]) for name, request in cp.received]
    first_id, second_id = calls[0][1], calls[2][1]
    assert calls[:4] == [
        ("ReserveNow", first_id),
        ("CancelReservation", first_id),  # replaced: the earlier one is cancelled
        ("ReserveNow", second_id),
        ("CancelReservation", second_id),
    ]
    assert second_id != first_id and len(calls) == 5
    assert (refused.status_code, refused.json()["status_code"]) == (400, 2001)
    async with fast_server.client() as api:
        held = (await api.get("/api/v1/stations/CP-K3/reservations")).json()
    statuses = {r["id"]: r["status"] for r in held}
    assert statuses[first_id] == statuses[second_id] == "CANCELLED"


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


async def test_a_start_sessions_reference_is_on_the_session_and_the_cdr_it_started(
    fast_server: RunningServer,
    receiver: OcpiReceiver,
) -> None:
    """START_SESSION's authorization_reference "will be provided in the relevant Session
    and/or CDR": the 1.6 StartTransaction that follows the remote start is linked to it.
    Its auth_method is COMMAND ("Command like StartSession ... used to start the Session"),
    though 1.6 echoes no remoteStartId, and a restart of ours mid-session keeps it."""
    async with fast_server.client() as api:
        await priced_site(api, "CP-K4")
    token_c = await register(fast_server, receiver)
    base = f"http://127.0.0.1:{receiver.port}/ocpi/emsp/2.2.1/results"
    async with (
        httpx.AsyncClient(
            base_url=fast_server.base_url + COMMANDS, headers=token_header(token_c), timeout=10
        ) as ocpi,
        station(fast_server, "CP-K4") as cp,
    ):
        start = {
            "response_url": f"{base}/s1",
            "token": ROAMING_TOKEN,
            "location_id": "AMS-1",
            "evse_uid": await _evse_uid(fast_server, token_c),
            "authorization_reference": "HOLD-REF-0001",
        }
        assert ocpi_data(await ocpi.post("/START_SESSION", json=start))["result"] == "ACCEPTED"
        assert [r.body for r in await results(receiver, 1)] == [{"result": "ACCEPTED"}]
        too_long = start | {"authorization_reference": "X" * 37}
        refused = await ocpi.post("/START_SESSION", json=too_long)
        begun = call16.StartTransaction(
            connector_id=1, id_tag="ROAMAPP1", meter_start=0, timestamp=now_iso()
        )
        tx = (await cp.call(begun, suppress=False)).transaction_id
    await _linked_session_pushed(receiver)
    await fast_server.restart()
    async with station(fast_server, "CP-K4") as cp:
        end = call16.StopTransaction(meter_stop=3000, timestamp=now_iso(), transaction_id=tx)
        await cp.call(end, suppress=False)

    async def pushed() -> list[Received]:
        return [r for r in receiver.received if r.path.split("/")[0] in ("sessions", "cdrs")]

    got = await eventually(pushed, lambda found: len(found) >= 3, timeout_s=10)
    assert sorted((r.method, r.path.split("/")[0]) for r in got) == [
        ("POST", "cdrs"),
        ("PUT", "sessions"),
        ("PUT", "sessions"),
    ]
    assert [r.body["authorization_reference"] for r in got] == ["HOLD-REF-0001"] * 3
    assert [r.body["auth_method"] for r in got] == ["COMMAND"] * 3
    assert (refused.status_code, refused.json()["status_code"]) == (400, 2001)


async def _linked_session_pushed(receiver: OcpiReceiver) -> None:
    """The ACTIVE Session went out: the transaction was linked to its remote start."""

    async def sessions() -> list[Received]:
        return [r for r in receiver.received if r.path.startswith("sessions/")]

    await eventually(sessions, bool, timeout_s=10)


async def test_a_reserve_nows_reference_is_on_the_session_that_uses_the_reservation(
    fast_server: RunningServer,
    receiver: OcpiReceiver,
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-K5")
    token_c = await register(fast_server, receiver)
    expiry = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    async with (
        httpx.AsyncClient(
            base_url=fast_server.base_url + COMMANDS, headers=token_header(token_c), timeout=10
        ) as ocpi,
        station(fast_server, "CP-K5", ReservingStation) as cp,
    ):
        cp.answers = []
        reserve = {
            "response_url": f"http://127.0.0.1:{receiver.port}/ocpi/emsp/2.2.1/results/r",
            "token": ROAMING_TOKEN,
            "expiry_date": expiry,
            "reservation_id": "R-9",
            "location_id": "AMS-1",
            "evse_uid": await _evse_uid(fast_server, token_c),
            "authorization_reference": "RESERVE-REF-9",
        }
        assert ocpi_data(await ocpi.post("/RESERVE_NOW", json=reserve))["result"] == "ACCEPTED"
        assert [r.body for r in await results(receiver, 1)] == [{"result": "ACCEPTED"}]
        ((_, ours),) = cp.received
        begun = call16.StartTransaction(
            connector_id=1,
            id_tag="ROAMAPP1",
            meter_start=0,
            timestamp=now_iso(),
            reservation_id=ours["reservation_id"],
        )
        await cp.call(begun, suppress=False)

    async def pushed() -> list[Received]:
        return [r for r in receiver.received if r.path.startswith("sessions/")]

    (session,) = await eventually(pushed, bool, timeout_s=10)
    assert session.body["authorization_reference"] == "RESERVE-REF-9"
