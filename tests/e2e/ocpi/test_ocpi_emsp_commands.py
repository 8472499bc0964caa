"""The eMSP's commands besides starting and stopping, between two Kilowatts over real HTTP:
RESERVE_NOW and CANCEL_RESERVATION for a driver's token (carried out by the CPO as OCPP
reservations), UNLOCK_CONNECTOR; each answered at once and its CommandResult kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.driver_support import signed_up
from tests.e2e.ocpi.support import RoamingPair, roaming_pair
from tests.e2e.ocpi.test_ocpi_commands import ReservingStation, station
from tests.e2e.test_api_tariffs import priced_site
from tests.support import eventually

COMMANDS = "/api/v1/ocpi/commands"


async def send(api: httpx.AsyncClient, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """Send a command and wait for its CommandResult."""
    answer = await api.post(f"{COMMANDS}/{name}", json=body)
    assert answer.status_code == 202, answer.text
    sent: dict[str, Any] = answer.json()
    assert sent["response"] == "ACCEPTED", sent

    async def found() -> dict[str, Any]:
        current: dict[str, Any] = (await api.get(f"{COMMANDS}/{sent['id']}")).json()
        return current

    return await eventually(found, lambda c: c["result"] is not None, timeout_s=10)


async def app_token(pair: RoamingPair, caplog: pytest.LogCaptureFixture) -> str:
    ada = await signed_up(pair.emsp, caplog, "ada@example.com")
    async with ada.client(pair.emsp) as driver:
        tokens = (await driver.get("/api/v1/driver/tokens")).json()
    (uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
    return str(uid)


async def test_an_emsp_reserves_an_evse_for_its_driver_and_cancels_it(
    fast_server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with fast_server.client() as cpo_api:
        await priced_site(cpo_api, "CP-V1")
    async with (
        roaming_pair(fast_server, tmp_path) as pair,
        pair.emsp.client() as api,
        station(fast_server, "CP-V1", ReservingStation) as cp,
    ):
        cp.answers = []
        uid = await app_token(pair, caplog)
        until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        reserve = {
            "partner_id": pair.partner_id,
            "location_id": "AMS-1",
            "evse_uid": pair.evse_uid,
            "token_uid": uid,
            "expiry_date": until.isoformat(),
            "reservation_id": "R-ADA-1",
        }
        reserved = await send(api, "reserve-now", reserve)
        assert (reserved["command"], reserved["result"]) == ("RESERVE_NOW", "ACCEPTED")
        assert reserved["request"]["token"]["uid"] == uid
        assert reserved["request"]["expiry_date"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
        (name, booked) = cp.received[0]
        assert (name, booked["id_tag"], booked["connector_id"]) == ("ReserveNow", uid, 1)

        cancel = {"partner_id": pair.partner_id, "reservation_id": "R-ADA-1"}
        cancelled = await send(api, "cancel-reservation", cancel)
        assert (cancelled["command"], cancelled["result"]) == ("CANCEL_RESERVATION", "ACCEPTED")
        # the CPO's own reservation id reaches the station, never the eMSP's
        assert cp.received[1] == ("CancelReservation", {"reservation_id": booked["reservation_id"]})
        again = await send(api, "cancel-reservation", cancel)
        assert again["result"] == "UNKNOWN_RESERVATION"


async def test_an_emsp_unlocks_a_connector_at_the_cpo(
    fast_server: RunningServer, tmp_path: Path
) -> None:
    async with fast_server.client() as cpo_api:
        await priced_site(cpo_api, "CP-V2")
    async with (
        roaming_pair(fast_server, tmp_path) as pair,
        pair.emsp.client() as api,
        station(fast_server, "CP-V2") as cp,
    ):
        connector_id = pair.location["evses"][0]["connectors"][0]["id"]
        unlock = {
            "partner_id": pair.partner_id,
            "location_id": "AMS-1",
            "evse_uid": pair.evse_uid,
            "connector_id": connector_id,
        }
        unlocked = await send(api, "unlock-connector", unlock)
        assert (unlocked["command"], unlocked["result"]) == ("UNLOCK_CONNECTOR", "ACCEPTED")
        assert cp.received == [("UnlockConnector", {"connector_id": 1})]


async def test_a_reservation_needs_one_of_our_drivers_tokens_and_a_registered_cpo(
    fast_server: RunningServer, tmp_path: Path
) -> None:
    async with fast_server.client() as cpo_api:
        await priced_site(cpo_api, "CP-V3")
    async with roaming_pair(fast_server, tmp_path) as pair, pair.emsp.client() as api:
        until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        reserve = {
            "partner_id": pair.partner_id,
            "location_id": "AMS-1",
            "token_uid": "NOT-OURS",
            "expiry_date": until,
        }
        unknown_token = await api.post(f"{COMMANDS}/reserve-now", json=reserve)
        assert unknown_token.status_code == 404, unknown_token.text
        elsewhere = await api.post(
            f"{COMMANDS}/cancel-reservation", json={"partner_id": "nobody", "reservation_id": "R"}
        )
        assert elsewhere.status_code == 404, elsewhere.text
        naive = await api.post(
            f"{COMMANDS}/reserve-now", json=reserve | {"expiry_date": "2030-01-01T00:00:00"}
        )
        assert naive.status_code == 422
