"""Two Kilowatt deployments over real HTTP, one the CPO of a station, the other the eMSP of a
driver: the credentials handshake, the CPO's location pushed to the eMSP, the driver's card
pushed to the CPO and the app token authorized in real time, then START_SESSION from the
eMSP through the CommandResult, the session and STOP_SESSION to the CDR at the eMSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import call

from kilowatt.domain.errors import NotFound
from kilowatt.domain.roaming_objects import ReceivedModule, ReceivedObject
from kilowatt.services import roaming_sent_commands as sent_commands
from tests.conftest import RunningServer
from tests.driver_support import signed_up
from tests.e2e.ocpi.support import invite, partner_server
from tests.e2e.ocpi.test_ocpi_commands import station
from tests.e2e.test_api_tariffs import priced_site
from tests.support import eventually, now_iso, station_16


async def ok(response: Any, status: int = 200) -> Any:
    reply: httpx.Response = await response
    assert reply.status_code == status, reply.text
    return reply.json()


async def received(server: RunningServer, module: ReceivedModule) -> list[ReceivedObject]:
    assert server.app.sender is not None
    page = await server.app.sender.received.page(module, None, limit=100, offset=0)
    return list(page.items)


async def test_a_driver_of_one_kilowatt_charges_at_another(
    fast_server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cpo = fast_server
    async with cpo.client() as cpo_api:
        await priced_site(cpo_api, "CP-E1")
        invitation = await invite(cpo_api)
    async with (
        partner_server(tmp_path, party_id="MSP") as emsp,
        emsp.client() as emsp_api,
        cpo.client() as cpo_api,
    ):
        body = {"versions_url": invitation["versions_url"], "token": invitation["token"]}
        partner = await ok(emsp_api.post("/api/v1/ocpi/partners/register", json=body), 201)
        assert (partner["country_code"], partner["party_id"], partner["role"]) == (
            "NL",
            "KWT",
            "CPO",
        )
        assert {("commands", "RECEIVER"), ("tokens", "SENDER"), ("locations", "RECEIVER")} <= {
            (e["identifier"], e["role"]) for e in partner["endpoints"]
        }

        async def partner_locations() -> list[Any]:
            found: list[Any] = await ok(emsp_api.get("/api/v1/ocpi/partner-locations"))
            return found

        (listed,) = await eventually(partner_locations, bool, timeout_s=10)  # pushed to us
        location = listed["location"]
        assert (listed["partner_id"], location["id"]) == (partner["id"], "AMS-1")
        evse_uid = location["evses"][0]["uid"]

        ada = await signed_up(emsp, caplog, "ada@example.com")
        async with ada.client(emsp) as driver:
            tokens = await ok(driver.get("/api/v1/driver/tokens"))
            (app_uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
            await ok(driver.post("/api/v1/driver/cards", json={"uid": "04E5A001"}), 201)

            async def card_at_cpo() -> httpx.Response:
                return await cpo_api.get("/api/v1/tokens/04E5A001")

            pushed = await eventually(card_at_cpo, lambda r: r.status_code == 200, timeout_s=10)
            card = pushed.json()
            assert (card["country_code"], card["party_id"]) == ("DE", "MSP")
            assert card["contract_id"] == ada.contract_id
            await ok(driver.post("/api/v1/driver/cards/04E5A001/block"))

        async with station_16(cpo.ocpp_url, "CP-E1") as cp:
            allowed = await cp.call(call.Authorize(id_tag=app_uid), suppress=False)
            assert allowed.id_tag_info["status"] == "Accepted"  # asked the eMSP in real time

            async def card_status() -> str:
                answer = await cp.call(call.Authorize(id_tag="04E5A001"), suppress=False)
                return str(answer.id_tag_info["status"])

            await eventually(card_status, lambda s: s == "Blocked", timeout_s=10)

        async with station(cpo, "CP-E1") as cp:
            start = {
                "partner_id": partner["id"],
                "location_id": "AMS-1",
                "evse_uid": evse_uid,
                "token_uid": app_uid,
            }
            sent = await ok(emsp_api.post("/api/v1/ocpi/commands/start-session", json=start), 202)
            assert (sent["command"], sent["response"]) == ("START_SESSION", "ACCEPTED")
            assert sent["result_due_at"] is not None  # the CPO's timeout

            async def command(command_id: str) -> dict[str, Any]:
                found: dict[str, Any] = await ok(
                    emsp_api.get(f"/api/v1/ocpi/commands/{command_id}")
                )
                return found

            done = await eventually(
                lambda: command(sent["id"]), lambda c: c["result"], timeout_s=10
            )
            assert done["result"] == "ACCEPTED"
            assert cp.received == [
                ("RemoteStartTransaction", {"id_tag": app_uid, "connector_id": 1})
            ]
            started = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag=app_uid, meter_start=0, timestamp=now_iso()
                ),
                suppress=False,
            )
            assert started.id_tag_info["status"] == "Accepted"

            sessions = await eventually(
                lambda: received(emsp, ReceivedModule.SESSIONS), bool, timeout_s=10
            )
            (session,) = sessions
            assert session.partner_id == partner["id"]
            assert (session.body["status"], session.body["cdr_token"]["uid"]) == ("ACTIVE", app_uid)

            # the driver app's way: only the driver's own session can be stopped
            assert emsp.app.sender is not None
            with pytest.raises(NotFound):
                await sent_commands.driver_stop_session(
                    emsp.app.sender, emsp.app.ctx, "someone-else", partner["id"], session.key.id
                )
            stopped = await sent_commands.driver_stop_session(
                emsp.app.sender, emsp.app.ctx, ada.id, partner["id"], session.key.id
            )
            assert stopped.response == "ACCEPTED"
            await eventually(lambda: command(stopped.id), lambda c: c["result"], timeout_s=10)
            assert cp.received[1] == (
                "RemoteStopTransaction",
                {"transaction_id": started.transaction_id},
            )
            await cp.call(
                call.StopTransaction(
                    meter_stop=6000, timestamp=now_iso(), transaction_id=started.transaction_id
                ),
                suppress=False,
            )
            (cdr,) = await eventually(
                lambda: received(emsp, ReceivedModule.CDRS), bool, timeout_s=10
            )
        assert cdr.body["cdr_token"]["uid"] == app_uid
        assert cdr.body["total_energy"] == 6
        assert cdr.key.country_code == "NL" and cdr.key.party_id == "KWT"

        async def completed() -> str:
            (found,) = await received(emsp, ReceivedModule.SESSIONS)
            return str(found.body["status"])

        assert await eventually(completed, lambda s: s == "COMPLETED", timeout_s=10) == "COMPLETED"


async def test_a_cpo_that_registers_gets_every_token_of_our_drivers(
    fast_server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emsp = fast_server
    ada = await signed_up(emsp, caplog, "ada@example.com")
    async with ada.client(emsp) as driver:
        await ok(driver.post("/api/v1/driver/cards", json={"uid": "04E5A002"}), 201)
        tokens = await ok(driver.get("/api/v1/driver/tokens"))
    async with (
        partner_server(tmp_path, party_id="CPX") as cpo,
        cpo.client() as cpo_api,
        emsp.client() as emsp_api,
    ):
        invitation = await invite(cpo_api)
        body = {"versions_url": invitation["versions_url"], "token": invitation["token"]}
        await ok(emsp_api.post("/api/v1/ocpi/partners/register", json=body), 201)

        async def known_at_cpo() -> list[int]:
            return [
                (await cpo_api.get(f"/api/v1/tokens/{token['uid']}")).status_code
                for token in tokens
            ]

        found = await eventually(known_at_cpo, lambda codes: codes == [200, 200], timeout_s=10)
        assert found == [200, 200]
        app_token = (await cpo_api.get(f"/api/v1/tokens/{tokens[0]['uid']}")).json()
        assert app_token["contract_id"] == ada.contract_id


async def test_a_driver_who_signs_up_later_has_the_app_token_pushed_to_partner_cpos(
    fast_server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emsp = fast_server
    async with (
        partner_server(tmp_path, party_id="CPX") as cpo,
        cpo.client() as cpo_api,
        emsp.client() as emsp_api,
    ):
        invitation = await invite(cpo_api)
        body = {"versions_url": invitation["versions_url"], "token": invitation["token"]}
        await ok(emsp_api.post("/api/v1/ocpi/partners/register", json=body), 201)
        ada = await signed_up(emsp, caplog, "ada@example.com")  # after the registration
        async with ada.client(emsp) as driver:
            tokens = await ok(driver.get("/api/v1/driver/tokens"))
        (uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]

        async def at_cpo() -> httpx.Response:
            return await cpo_api.get(f"/api/v1/tokens/{uid}")

        pushed = await eventually(at_cpo, lambda r: r.status_code == 200, timeout_s=10)
        token = pushed.json()
        assert (token["country_code"], token["party_id"]) == ("NL", "KWT")
        assert token["contract_id"] == ada.contract_id
