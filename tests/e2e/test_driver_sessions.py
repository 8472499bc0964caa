"""A driver's charging end to end: start and stop from the app on a real OCPP station, the
session and its CDR seen by the driver, and none of it seen or touched by another driver
(404, exactly like something that does not exist)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from tests.conftest import RunningServer
from tests.driver_support import SignedUpDriver, signed_up
from tests.e2e.test_api_cdrs import at, charge_16, register
from tests.e2e.test_api_tariffs import priced_site
from tests.support import PASSWORD, eventually, now_iso, open_socket, register_station

Received = list[tuple[str, dict[str, Any]]]


class AppStation16(ChargePoint16):  # type: ignore[misc]
    """Accepts remote starts and stops and remembers them; the test then plays the driver
    plugging in (StartTransaction) and the station ending the session (StopTransaction)."""

    received: Received

    @on(Action16.remote_start_transaction)  # type: ignore[untyped-decorator]
    async def on_start(self, **request: Any) -> result16.RemoteStartTransaction:
        self.received.append(("RemoteStartTransaction", request))
        return result16.RemoteStartTransaction(status="Accepted")

    @on(Action16.remote_stop_transaction)  # type: ignore[untyped-decorator]
    async def on_stop(self, **request: Any) -> result16.RemoteStopTransaction:
        self.received.append(("RemoteStopTransaction", request))
        return result16.RemoteStopTransaction(status="Accepted")


class AppStation201(ChargePoint201):  # type: ignore[misc]
    received: Received

    @on(Action201.request_start_transaction)  # type: ignore[untyped-decorator]
    async def on_start(self, **request: Any) -> result201.RequestStartTransaction:
        self.received.append(("RequestStartTransaction", request))
        return result201.RequestStartTransaction(status="Rejected")


@contextlib.asynccontextmanager
async def connected(
    server: RunningServer, api: httpx.AsyncClient, kind: type[Any], station_id: str, version: str
) -> AsyncIterator[Any]:
    async with open_socket(server.ocpp_url, station_id, PASSWORD, version) as socket:
        station = kind(station_id, socket, response_timeout=10)
        station.received = []
        task = asyncio.create_task(station.start())
        try:
            await eventually(
                lambda: api.get(f"/api/v1/stations/{station_id}/state"),
                lambda r: r.json().get("ocpp_version") == version,
            )
            yield station
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def ok(response: Any, status: int = 200) -> Any:
    reply: httpx.Response = await response
    assert reply.status_code == status, reply.text
    return reply.json()


async def app_token_of(driver: httpx.AsyncClient) -> str:
    tokens = await ok(driver.get("/api/v1/driver/tokens"))
    (uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
    return str(uid)


@pytest.fixture
async def ada(server: RunningServer, caplog: pytest.LogCaptureFixture) -> SignedUpDriver:
    return await signed_up(server, caplog, "ada@example.com")


@pytest.fixture
async def bob(server: RunningServer, caplog: pytest.LogCaptureFixture) -> SignedUpDriver:
    return await signed_up(server, caplog, "bob@example.com")


async def test_a_driver_starts_and_stops_from_the_app_and_gets_the_cdr(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver, bob: SignedUpDriver
) -> None:
    await priced_site(api, "CP-APP")
    async with (
        connected(server, api, AppStation16, "CP-APP", "1.6") as station,
        ada.client(server) as driver,
        bob.client(server) as other,
    ):
        uid = await app_token_of(driver)
        start = {"station_id": "CP-APP", "evse_id": 1}
        assert await ok(driver.post("/api/v1/driver/sessions", json=start), 202) == {
            "status": "Accepted"
        }
        assert station.received == [("RemoteStartTransaction", {"id_tag": uid, "connector_id": 1})]

        started = await station.call(
            call.StartTransaction(connector_id=1, id_tag=uid, meter_start=1000, timestamp=at(0)),
            suppress=False,
        )
        assert started.id_tag_info["status"] == "Accepted"  # the app token is ours
        (session,) = await ok(driver.get("/api/v1/driver/sessions"))
        assert session["status"] == "ACTIVE"
        assert session["cdr_token"]["uid"] == uid
        assert session["cdr_token"]["contract_id"] == ada.contract_id

        # Bob sees nothing of it and cannot stop it
        assert await ok(other.get("/api/v1/driver/sessions")) == []
        assert (await other.get(f"/api/v1/driver/sessions/{session['id']}")).status_code == 404
        bob_stop = await other.post(f"/api/v1/driver/sessions/{session['id']}/stop")
        assert bob_stop.status_code == 404
        assert len(station.received) == 1  # nothing was sent to the station for Bob

        stopped = await ok(driver.post(f"/api/v1/driver/sessions/{session['id']}/stop"), 202)
        assert stopped == {"status": "Accepted"}
        tx = started.transaction_id
        assert station.received[1] == ("RemoteStopTransaction", {"transaction_id": tx})
        await station.call(
            call.MeterValues(connector_id=1, transaction_id=tx, meter_value=register(6000, 30)),
            suppress=False,
        )
        stop = call.StopTransaction(meter_stop=11000, timestamp=at(60), transaction_id=tx)
        await station.call(stop, suppress=False)

        cdrs = await eventually(lambda: ok(driver.get("/api/v1/driver/cdrs")), bool)
        (cdr,) = cdrs
        assert cdr["total_cost"] == {"excl_vat": 3.5, "incl_vat": 4.24}  # 10 kWh x 0.30 + 0.50
        assert await ok(driver.get(f"/api/v1/driver/cdrs/{cdr['id']}")) == cdr
        assert (await other.get(f"/api/v1/driver/cdrs/{cdr['id']}")).status_code == 404
        assert await ok(other.get("/api/v1/driver/cdrs")) == []

        ended = await driver.post(f"/api/v1/driver/sessions/{session['id']}/stop")
        assert ended.status_code == 409


async def test_a_start_from_the_app_is_a_command_on_the_cdr_at_a_16_station(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver
) -> None:
    """OCPI AuthMethod COMMAND: "Command like StartSession ... used to start the Session".
    The app's start is our own remote start; 1.6 echoes no id, so it is linked by token,
    connector and time (unlike the app's 2.0.1 remoteStartId)."""
    await priced_site(api, "CP-CMD")
    async with (
        connected(server, api, AppStation16, "CP-CMD", "1.6") as station,
        ada.client(server) as driver,
    ):
        uid = await app_token_of(driver)
        start = {"station_id": "CP-CMD", "evse_id": 1}
        await ok(driver.post("/api/v1/driver/sessions", json=start), 202)
        begun = call.StartTransaction(
            connector_id=1, id_tag=uid, meter_start=1000, timestamp=now_iso()
        )
        tx = (await station.call(begun, suppress=False)).transaction_id
        end = call.StopTransaction(meter_stop=3000, timestamp=now_iso(), transaction_id=tx)
        await station.call(end, suppress=False)
        (cdr,) = await eventually(lambda: ok(driver.get("/api/v1/driver/cdrs")), bool)
    assert cdr["auth_method"] == "COMMAND"


async def test_a_driver_cannot_see_or_touch_another_drivers_card_sessions_or_cdrs(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver, bob: SignedUpDriver
) -> None:
    await priced_site(api, "CP-ISO")
    async with ada.client(server) as driver, bob.client(server) as other:
        await ok(driver.post("/api/v1/driver/cards", json={"uid": "04ADA001"}), 201)
        async with connected(server, api, AppStation16, "CP-ISO", "1.6") as station:
            await charge_16(station, "04ADA001", 10)
        (session,) = await ok(driver.get("/api/v1/driver/sessions"))
        (cdr,) = await eventually(lambda: ok(driver.get("/api/v1/driver/cdrs")), bool)
        assert cdr["cdr_token"]["uid"] == "04ADA001"

        for method, path, body in [
            ("GET", "/api/v1/driver/tokens/04ADA001", None),
            ("POST", "/api/v1/driver/cards/04ADA001/block", None),
            ("POST", "/api/v1/driver/cards/04ADA001/replace", {"uid": "04B0B001"}),
            ("GET", f"/api/v1/driver/sessions/{session['id']}", None),
            ("POST", f"/api/v1/driver/sessions/{session['id']}/stop", None),
            ("GET", f"/api/v1/driver/cdrs/{cdr['id']}", None),
        ]:
            answer = await other.request(method, path, json=body)
            assert answer.status_code == 404, (path, answer.text)
            missing = await other.request(method, path.replace("04ADA001", "04FFFFFF"), json=body)
            assert missing.status_code == 404  # the same as for what does not exist
        assert [t["type"] for t in await ok(other.get("/api/v1/driver/tokens"))] == ["APP_USER"]
        assert await ok(other.get("/api/v1/driver/sessions")) == []
        assert await ok(other.get("/api/v1/driver/cdrs")) == []

        # and Ada's card was not blocked by Bob's attempt
        assert (await ok(driver.get("/api/v1/driver/tokens/04ADA001")))["status"] == "ACTIVE"


async def test_an_operator_token_is_nobodys_and_a_driver_sees_only_their_own(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver
) -> None:
    await priced_site(api, "CP-OPS")  # registers the operator's cards TAG and OTHER_TAG
    async with connected(server, api, AppStation16, "CP-OPS", "1.6") as station:
        await charge_16(station, "04A1B2C3D4E501", 5)
    await eventually(lambda: ok(api.get("/api/v1/cdrs")), bool)
    async with ada.client(server) as driver:
        assert await ok(driver.get("/api/v1/driver/sessions")) == []
        assert await ok(driver.get("/api/v1/driver/cdrs")) == []
        assert (await driver.get("/api/v1/driver/tokens/04A1B2C3D4E501")).status_code == 404


async def test_the_app_starts_only_at_evses_that_exist_and_stations_that_are_online(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver
) -> None:
    await priced_site(api, "CP-OFF")
    async with ada.client(server) as driver:
        for where in (
            {"station_id": "CP-NONE", "evse_id": 1},
            {"station_id": "CP-OFF", "evse_id": 9},
        ):
            missing = await driver.post("/api/v1/driver/sessions", json=where)
            assert missing.status_code == 404, missing.text
        offline = await driver.post(
            "/api/v1/driver/sessions", json={"station_id": "CP-OFF", "evse_id": 1}
        )
        assert offline.status_code == 409


async def test_a_201_station_is_asked_with_the_app_token_as_a_central_token(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver
) -> None:
    evses = [{"evse_id": 1, "connectors": [{"connector_id": 1}]}]
    await register_station(api, "CP-APP2", evses=evses)
    async with (
        connected(server, api, AppStation201, "CP-APP2", "2.0.1") as station,
        ada.client(server) as driver,
    ):
        uid = await app_token_of(driver)
        answer = await driver.post(
            "/api/v1/driver/sessions", json={"station_id": "CP-APP2", "evse_id": 1}
        )
        assert answer.json() == {"status": "Rejected"}  # the station's answer, as it came
        ((action, request),) = station.received
        assert action == "RequestStartTransaction"
        assert request["id_token"] == {"id_token": uid, "type": "Central"}
        assert request["evse_id"] == 1
