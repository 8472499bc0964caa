"""Pushes to a registered EMSP: EVSE status changes, sessions and CDRs reach its Receiver
endpoints; while it is down nothing is lost (not even across our restart), and the changes
of one location arrive in the order they happened."""

from __future__ import annotations

import base64

import pytest
from ocpp.v16 import call
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import RunningServer
from tests.driver_support import signed_up
from tests.e2e.ocpi.receiver import RECEIVER_TOKEN, OcpiReceiver, Received
from tests.e2e.ocpi.support import register
from tests.e2e.test_api_cdrs import charge_16
from tests.e2e.test_api_tariffs import priced_site
from tests.support import TAG, eventually, now_iso, station_16


def status(state: str) -> call.StatusNotification:
    return call.StatusNotification(
        connector_id=1, error_code="NoError", status=state, timestamp=now_iso()
    )


def patches(receiver: OcpiReceiver) -> list[Received]:
    return [r for r in receiver.received if r.method == "PATCH"]


async def test_a_burst_of_status_changes_reaches_a_partner_that_was_down_in_order(
    fast_server: RunningServer, receiver: OcpiReceiver
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-P1")
    await register(fast_server, receiver)

    async def received() -> list[Received]:
        return list(receiver.received)

    (put,) = await eventually(received, bool, timeout_s=10)  # a new partner gets our locations
    assert (put.method, put.path, put.body["id"]) == ("PUT", "locations/NL/KWT/AMS-1", "AMS-1")
    receiver.received.clear()
    await receiver.stop()  # the partner goes down
    burst = ["Available", "Preparing", "Charging", "SuspendedEV", "Finishing", "Available"]
    async with station_16(fast_server.ocpp_url, "CP-P1") as cp:
        for state in burst[:3]:
            await cp.call(status(state), suppress=False)
    await fast_server.restart()  # and we restart while the pushes wait
    async with station_16(fast_server.ocpp_url, "CP-P1") as cp:
        for state in burst[3:]:
            await cp.call(status(state), suppress=False)
    assert receiver.received == []
    await receiver.start()

    got = await eventually(lambda: _async(patches(receiver)), lambda p: len(p) >= 6, timeout_s=10)
    expected = ["AVAILABLE", "BLOCKED", "CHARGING", "CHARGING", "BLOCKED", "AVAILABLE"]
    assert [p.body["status"] for p in got] == expected
    evse_uid = got[0].path.rsplit("/", 1)[1]
    assert {p.path for p in got} == {f"locations/NL/KWT/AMS-1/{evse_uid}"}
    token = base64.b64encode(RECEIVER_TOKEN.encode()).decode()
    assert {p.authorization for p in got} == {f"Token {token}"}


async def test_sessions_and_cdrs_are_pushed_as_they_happen(
    fast_server: RunningServer, receiver: OcpiReceiver
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-P2")
    await register(fast_server, receiver)
    async with station_16(fast_server.ocpp_url, "CP-P2") as cp:
        await charge_16(cp, TAG, 10)

    def all_there(received: list[Received]) -> bool:
        sessions = [r for r in received if r.path.startswith("sessions/")]
        return len(sessions) == 2 and any(r.method == "POST" for r in received)

    got = await eventually(lambda: _async(list(receiver.received)), all_there, timeout_s=10)
    got = [r for r in got if not r.path.startswith("locations/")]
    sessions = [r for r in got if r.method == "PUT" and r.path.startswith("sessions/")]
    assert [s.body["status"] for s in sessions] == ["ACTIVE", "COMPLETED"]
    assert sessions[0].path == f"sessions/NL/KWT/{sessions[0].body['id']}"
    (cdr,) = [r for r in got if r.method == "POST"]
    assert cdr.path == "cdrs"
    assert (cdr.body["session_id"], cdr.body["total_energy"]) == (sessions[0].body["id"], 10)


async def test_an_operators_change_to_a_location_or_its_evses_is_put_to_partners_in_order(
    fast_server: RunningServer, receiver: OcpiReceiver
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-P3")
        await register(fast_server, receiver)
        await eventually(lambda: _async(list(receiver.received)), bool, timeout_s=10)
        receiver.received.clear()

        renamed = await api.patch("/api/v1/locations/AMS-1", json={"name": "Depot Noord"})
        assert renamed.status_code == 200, renamed.text
        connector = {"connector_id": 1, "standard": "IEC_62196_T2", "power_type": "AC_3_PHASE"}
        added = await api.put("/api/v1/stations/CP-P3/evses/2", json={"connectors": [connector]})
        assert added.status_code == 201, added.text

    got = await eventually(
        lambda: _async(list(receiver.received)), lambda r: len(r) >= 2, timeout_s=10
    )
    assert [(r.method, r.path) for r in got] == [("PUT", "locations/NL/KWT/AMS-1")] * 2
    first, second = (r.body for r in got)
    assert (first["name"], len(first["evses"])) == ("Depot Noord", 1)
    assert (second["name"], len(second["evses"])) == ("Depot Noord", 2)


_MODULES = "(object_key LIKE 'session:%' OR object_key LIKE 'cdr:%')"
_TOKENS = "object_key LIKE 'token:%'"
_LOST = "DELETE FROM ocpi_pushes WHERE delivered_at IS NULL AND"
_STAGED = "SELECT count(*) FROM ocpi_pushes WHERE"


async def lose_staged_pushes(database_url: str, keys: str = _MODULES) -> int:
    """What a crash between a change's commit and its staging leaves: no outbox rows for the
    objects ``keys`` names (here the pending ones, removed)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            lost = await connection.execute(text(f"{_LOST} {keys}"))
    finally:
        await engine.dispose()
    return lost.rowcount


async def staged_count(database_url: str, keys: str = _MODULES) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(text(f"{_STAGED} {keys}"))
    finally:
        await engine.dispose()
    return int(count or 0)


async def test_sessions_and_cdrs_whose_pushes_a_crash_lost_are_pushed_after_the_restart(
    fast_server: RunningServer, receiver: OcpiReceiver, database_url: str
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-P4")
    await register(fast_server, receiver)
    await eventually(lambda: _async(list(receiver.received)), bool, timeout_s=10)
    await receiver.stop()
    async with station_16(fast_server.ocpp_url, "CP-P4") as cp:
        await charge_16(cp, TAG, 10)

    async def cdr_staged() -> int:
        return await staged_count(database_url)

    await eventually(cdr_staged, lambda n: n == 3, timeout_s=10)  # two session PUTs, a CDR
    await fast_server.stop()
    assert await lose_staged_pushes(database_url) == 3  # the crash
    await fast_server.start()
    await receiver.start()

    def both(received: list[Received]) -> bool:
        return any(r.path == "cdrs" for r in received) and any(
            r.path.startswith("sessions/") for r in received
        )

    got = await eventually(lambda: _async(list(receiver.received)), both, timeout_s=10)
    (session,) = [r for r in got if r.path.startswith("sessions/")]  # as it stands now
    (cdr,) = [r for r in got if r.path == "cdrs"]
    assert (session.method, session.body["status"]) == ("PUT", "COMPLETED")
    assert (cdr.method, cdr.body["session_id"]) == ("POST", session.body["id"])

    staged = await staged_count(database_url)
    await fast_server.restart()  # nothing was lost this time: nothing is staged again
    assert await staged_count(database_url) == staged == 2


async def test_a_drivers_token_whose_push_a_crash_lost_reaches_partner_cpos_after_the_restart(
    fast_server: RunningServer,
    receiver: OcpiReceiver,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await register(fast_server, receiver, role_name="CPO", party_id="CPX")
    await receiver.stop()
    ada = await signed_up(fast_server, caplog, "ada@example.com")
    async with ada.client(fast_server) as driver:
        (token,) = (await driver.get("/api/v1/driver/tokens")).json()

    async def token_staged() -> int:
        return await staged_count(database_url, _TOKENS)

    await eventually(token_staged, lambda n: n == 1, timeout_s=10)
    await fast_server.stop()
    assert await lose_staged_pushes(database_url, _TOKENS) == 1  # the crash
    await fast_server.start()
    await receiver.start()

    (put,) = await eventually(lambda: _async(list(receiver.received)), bool, timeout_s=10)
    assert (put.method, put.path) == ("PUT", f"tokens/NL/KWT/{token['uid']}")
    assert (put.body["uid"], put.body["contract_id"]) == (token["uid"], ada.contract_id)
    assert put.routing["ocpi-to-party-id"] == "CPX"


async def _async(value: list[Received]) -> list[Received]:
    return value
