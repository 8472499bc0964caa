"""Interop of our eMSP role with an OCPI implementation we did not write: the extrawest-ocpi
peer (../shared/ocpi-peer, in its own venv) as CPO. Credentials both ways, its locations by
push and by pull (paged), real-time authorization of our drivers' tokens, and START_SESSION
→ CommandResult → Session → STOP_SESSION → CDR.

Its deviations (see README "Roaming (OCPI)"): ids come back upper-cased, optional fields come
as null, single objects as one-element lists, and the CommandResult comes after a ~2 s poll.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kilowatt.domain.roaming_objects import ReceivedModule, ReceivedObject
from tests.conftest import RunningServer, free_port
from tests.driver_support import signed_up
from tests.e2e.ocpi.support import invite
from tests.e2e.ocpi.test_ocpi_interop import PEER_DIR, Peer, _wait_until_up, peer_python
from tests.support import eventually

__all__ = ["peer_python"]  # a fixture, imported to be shared

TOKEN_A = "token-a-cpo-interop"

pytestmark = pytest.mark.skipif(
    not (PEER_DIR / "peer.py").exists(), reason=f"the OCPI peer is not at {PEER_DIR}"
)


@pytest.fixture
def cpo_peer(peer_python: Path) -> Iterator[Peer]:
    """The peer as a CPO (NL*CPO) with five locations, two to a page."""
    port = free_port()
    env = os.environ | {
        "PEER_ROLE": "CPO",
        "TOKEN_A": TOKEN_A,
        "COUNTRY_CODE": "NL",
        "PARTY_ID": "CPO",
        "OCPI_HOST": f"127.0.0.1:{port}",
        "SEED_LOCATIONS": "5",
        "PAGE_LIMIT": "2",
    }
    command = [str(peer_python), "-m", "uvicorn", "peer:app", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"], cwd=PEER_DIR, env=env
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/peer/state", process)
        yield Peer(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(10)


async def ok(response: Any, status: int = 200) -> Any:
    reply: httpx.Response = await response
    assert reply.status_code == status, reply.text
    return reply.json()


async def received(server: RunningServer, module: ReceivedModule) -> list[ReceivedObject]:
    assert server.app.sender is not None
    page = await server.app.sender.received.page(module, None, limit=100, offset=0)
    return list(page.items)


async def test_we_register_at_the_cpo_peer_pull_its_locations_and_charge_there(
    fast_server: RunningServer, cpo_peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(fast_server, caplog, "ada@example.com")
    async with ada.client(fast_server) as driver:
        tokens = await ok(driver.get("/api/v1/driver/tokens"))
    (app_uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
    async with fast_server.client() as api:
        body = {"versions_url": cpo_peer.versions_url, "token": TOKEN_A}
        partner = await ok(api.post("/api/v1/ocpi/partners/register", json=body), 201)
        assert (partner["role"], partner["country_code"], partner["party_id"]) == (
            "CPO",
            "NL",
            "CPO",
        )
        (registration,) = (await cpo_peer.state())["registrations"].values()
        assert {("locations", "RECEIVER"), ("commands", "SENDER")} <= {
            (e["identifier"], e["role"]) for e in registration["endpoints"]
        }

        # by pull: five locations, two to a page, and the tariff
        synced = await ok(api.post(f"/api/v1/ocpi/partners/{partner['id']}/sync", json={}))
        assert synced["locations"] == {"stored": 5, "unchanged": 0, "refused": 0, "errors": []}
        assert synced["tariffs"]["stored"] == 1
        again = await ok(api.post(f"/api/v1/ocpi/partners/{partner['id']}/sync", json={}))
        assert again["locations"]["unchanged"] == 5
        since = {"modules": ["locations"], "date_from": "2024-01-04T00:00:00Z"}
        recent = await ok(api.post(f"/api/v1/ocpi/partners/{partner['id']}/sync", json=since))
        assert recent["locations"]["unchanged"] == 2  # LOC4 and LOC5 changed since
        listed = await ok(api.get("/api/v1/ocpi/partner-locations"))
        assert sorted(item["location"]["id"] for item in listed) == [
            "LOC1",
            "LOC2",
            "LOC3",
            "LOC4",
            "LOC5",
        ]

        # by push: the peer changes a location and PUTs it
        changed = {"id": "LOC6", "name": "Pushed"} | {
            k: v for k, v in listed[0]["location"].items() if k not in ("id", "name", "evses")
        }
        changed["evses"] = listed[0]["location"]["evses"]
        await cpo_peer.control("POST", "/peer/seed/locations", json=changed)
        (pushed,) = await cpo_peer.control("POST", "/peer/push/locations/LOC6")
        assert (pushed["http"], pushed["body"]["status_code"]) == (200, 1000), pushed
        names = {
            i["location"]["id"]: i["location"]["name"]
            for i in await ok(api.get("/api/v1/ocpi/partner-locations"))
        }
        assert names["LOC6"] == "Pushed"

        # real-time authorization of our driver's token, asked by the peer
        (allowed,) = await cpo_peer.control("POST", f"/peer/authorize/{app_uid}?type=APP_USER")
        assert allowed["http"] == 200 and allowed["body"]["data"]["allowed"] == "ALLOWED"
        (unknown,) = await cpo_peer.control("POST", "/peer/authorize/NOBODY?type=RFID")
        assert (unknown["http"], unknown["body"]["status_code"]) == (404, 2004)

        # START_SESSION → CommandResult → Session → STOP_SESSION → CDR
        start = {"partner_id": partner["id"], "location_id": "LOC1", "token_uid": app_uid}
        sent = await ok(api.post("/api/v1/ocpi/commands/start-session", json=start), 202)
        assert sent["response"] == "ACCEPTED"

        async def command(command_id: str) -> dict[str, Any]:
            found: dict[str, Any] = await ok(api.get(f"/api/v1/ocpi/commands/{command_id}"))
            return found

        done = await eventually(lambda: command(sent["id"]), lambda c: c["result"], timeout_s=20)
        assert done["result"] == "ACCEPTED"
        (session,) = await eventually(
            lambda: received(fast_server, ReceivedModule.SESSIONS), bool, timeout_s=10
        )
        assert session.body["status"] == "ACTIVE"
        assert session.body["cdr_token"]["uid"].upper() == app_uid.upper()

        stop = {"partner_id": partner["id"], "session_id": session.key.id}
        stopped = await ok(api.post("/api/v1/ocpi/commands/stop-session", json=stop), 202)
        assert stopped["response"] == "ACCEPTED"
        (cdr,) = await eventually(
            lambda: received(fast_server, ReceivedModule.CDRS), bool, timeout_s=10
        )
        assert cdr.body["session_id"] == session.key.id and cdr.body["total_energy"] == 12.3
        (session,) = await received(fast_server, ReceivedModule.SESSIONS)
        assert session.body["status"] == "COMPLETED"
        done = await eventually(lambda: command(stopped["id"]), lambda c: c["result"], timeout_s=20)
        assert done["result"] == "ACCEPTED"


async def test_the_cpo_peer_registers_with_us_and_pushes_a_location(
    fast_server: RunningServer, cpo_peer: Peer
) -> None:
    async with fast_server.client() as api:
        invitation = await invite(api)
        answer = await cpo_peer.control(
            "POST",
            "/peer/register",
            json={"versions_url": invitation["versions_url"], "token": invitation["token"]},
        )
        roles = {(r["role"], r["party_id"]) for r in answer["credentials"]["roles"]}
        assert roles == {("CPO", "KWT"), ("EMSP", "KWT")}
        (pushed,) = await cpo_peer.control("POST", "/peer/push/locations/LOC2")
        assert (pushed["http"], pushed["body"]["status_code"]) == (200, 1000), pushed
        (listed,) = await ok(api.get("/api/v1/ocpi/partner-locations"))
    assert listed["location"]["id"] == "LOC2"
    assert listed["location"]["evses"][0]["connectors"][0]["standard"] == "IEC_62196_T2"
