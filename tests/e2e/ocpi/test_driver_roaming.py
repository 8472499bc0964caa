"""A driver of one Kilowatt (the eMSP) charges at another (a partner CPO) from the driver
API: starts with the app token, follows the command, sees the session the CPO sent, stops it
and finds the CDR in the history; another driver sees none of it (404)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import RunningServer
from tests.driver_support import signed_up
from tests.e2e.ocpi.support import roaming_pair
from tests.e2e.ocpi.test_ocpi_commands import station
from tests.e2e.test_api_tariffs import priced_site
from tests.support import eventually, now_iso

ROAMING = "/api/v1/driver/roaming"


async def listed(driver: httpx.AsyncClient, what: str) -> list[dict[str, Any]]:
    answer = await driver.get(f"{ROAMING}/{what}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def finished(driver: httpx.AsyncClient, command_id: str) -> dict[str, Any]:
    async def current() -> dict[str, Any]:
        found: dict[str, Any] = (await driver.get(f"{ROAMING}/commands/{command_id}")).json()
        return found

    return await eventually(current, lambda c: c.get("result") is not None, timeout_s=10)


async def test_a_driver_starts_and_stops_at_a_partner_and_sees_only_their_own_history(
    fast_server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with fast_server.client() as cpo_api:
        await priced_site(cpo_api, "CP-D1")
    async with roaming_pair(fast_server, tmp_path) as pair:
        ada = await signed_up(pair.emsp, caplog, "ada@example.com")
        bob = await signed_up(pair.emsp, caplog, "bob@example.com")
        async with (
            ada.client(pair.emsp) as driver,
            bob.client(pair.emsp) as other,
            station(fast_server, "CP-D1") as cp,
        ):
            tokens = (await driver.get("/api/v1/driver/tokens")).json()
            (app_uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
            where = {"partner_id": pair.partner_id, "location_id": "AMS-1"}
            begun = await driver.post(f"{ROAMING}/sessions", json=where)
            assert begun.status_code == 202, begun.text
            start = begun.json()
            assert (start["command"], start["response"]) == ("START_SESSION", "ACCEPTED")
            assert start["request"]["token"]["uid"] == app_uid  # the app token, always
            assert (await finished(driver, start["id"]))["result"] == "ACCEPTED"
            assert (await other.get(f"{ROAMING}/commands/{start['id']}")).status_code == 404
            assert cp.received == [("RemoteStartTransaction", {"id_tag": app_uid})]
            started = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag=app_uid, meter_start=0, timestamp=now_iso()
                ),
                suppress=False,
            )

            (session,) = await eventually(lambda: listed(driver, "sessions"), bool, timeout_s=10)
            assert (session["partner_id"], session["country_code"]) == (pair.partner_id, "NL")
            assert session["object"]["cdr_token"]["uid"] == app_uid
            assert "authorization_reference" not in start["request"]  # no hold, no reference
            assert "authorization_reference" not in session["object"]  # absent, never null
            session_id = session["object"]["id"]
            assert (await driver.get(f"{ROAMING}/sessions/{session_id}")).status_code == 200
            assert await listed(other, "sessions") == []
            assert (await other.get(f"{ROAMING}/sessions/{session_id}")).status_code == 404
            refused = await other.post(f"{ROAMING}/sessions/{session_id}/stop")
            assert refused.status_code == 404

            stop = await driver.post(f"{ROAMING}/sessions/{session_id}/stop")
            assert stop.status_code == 202, stop.text
            assert (await finished(driver, stop.json()["id"]))["result"] == "ACCEPTED"
            assert (await other.get(f"{ROAMING}/commands/{stop.json()['id']}")).status_code == 404
            assert cp.received[1] == (
                "RemoteStopTransaction",
                {"transaction_id": started.transaction_id},
            )
            await cp.call(
                call.StopTransaction(
                    meter_stop=4000, timestamp=now_iso(), transaction_id=started.transaction_id
                ),
                suppress=False,
            )
            (cdr,) = await eventually(lambda: listed(driver, "cdrs"), bool, timeout_s=10)
            assert (cdr["object"]["cdr_token"]["uid"], cdr["object"]["total_energy"]) == (
                app_uid,
                4,
            )
            assert "authorization_reference" not in cdr["object"]
            assert await listed(other, "cdrs") == []


async def test_the_roaming_driver_api_needs_a_signed_in_driver(
    fast_server: RunningServer,
) -> None:
    async with fast_server.client(None) as anonymous:
        for path in ("sessions", "cdrs", "commands/x"):
            assert (await anonymous.get(f"{ROAMING}/{path}")).status_code == 401
        where = {"partner_id": "p", "location_id": "L"}
        assert (await anonymous.post(f"{ROAMING}/sessions", json=where)).status_code == 401
    async with fast_server.client() as operator:  # an operator key is no driver session
        assert (await operator.get(f"{ROAMING}/sessions")).status_code == 401
