"""Interop with an OCPI implementation we did not write: the extrawest-ocpi peer
(../shared/ocpi-peer, in its own venv) as eMSP. Credentials both ways, it pulls our
locations page by page, receives an EVSE status push, and authorizes its tokens in real time.

Its deviations (see README "Roaming (OCPI)"): ids come back upper-cased (compare
case-insensitively), single objects arrive as one-element lists, errors are not OCPI bodies.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import RunningServer, free_port
from tests.e2e.ocpi.support import invite
from tests.e2e.test_api_tariffs import priced_site
from tests.support import eventually, now_iso, station_16

REPO = Path(__file__).resolve().parents[3]
PEER_DIR = REPO.parent / "shared" / "ocpi-peer"
TOKEN_A = "token-a-emsp-interop"

pytestmark = pytest.mark.skipif(
    not (PEER_DIR / "peer.py").exists(), reason=f"the OCPI peer is not at {PEER_DIR}"
)


@dataclass
class Peer:
    url: str

    @property
    def versions_url(self) -> str:
        return f"{self.url}/ocpi/versions"

    async def state(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10) as client:
            body: dict[str, Any] = (await client.get(f"{self.url}/peer/state")).json()
        return body

    async def control(self, method: str, path: str, **kwargs: Any) -> Any:
        async with httpx.AsyncClient(timeout=20) as client:
            response = await client.request(method, f"{self.url}{path}", **kwargs)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def peer_python() -> Path:
    subprocess.run([REPO / "scripts" / "setup-ocpi-peer"], check=True, timeout=600)
    return REPO / ".venv-ocpi-peer" / "bin" / "python"


@pytest.fixture
def peer(peer_python: Path) -> Iterator[Peer]:
    port = free_port()
    env = os.environ | {
        "PEER_ROLE": "EMSP",
        "TOKEN_A": TOKEN_A,
        "COUNTRY_CODE": "DE",
        "PARTY_ID": "MSP",
        "OCPI_HOST": f"127.0.0.1:{port}",
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


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("the OCPI peer exited")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the OCPI peer did not start")


def same(a: object, b: object) -> bool:
    return str(a).upper() == str(b).upper()  # the peer upper-cases CiStrings


async def test_we_register_at_the_peer_and_it_pulls_our_locations_and_gets_status_pushes(
    fast_server: RunningServer, peer: Peer
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-X1")
        registered = await api.post(
            "/api/v1/ocpi/partners/register",
            json={"versions_url": peer.versions_url, "token": TOKEN_A},
        )
        assert registered.status_code == 201, registered.text
        partner = registered.json()
        assert (partner["status"], partner["role"]) == ("REGISTERED", "EMSP")
        assert (partner["country_code"], partner["party_id"]) == ("DE", "MSP")
        endpoints = {(e["identifier"], e["role"]) for e in partner["endpoints"]}
        assert {("tokens", "SENDER"), ("locations", "RECEIVER")} <= endpoints

    (registration,) = (await peer.state())["registrations"].values()
    assert registration["their_url"] == f"{fast_server.base_url}/ocpi/versions"

    pages = await peer.control("GET", "/peer/pull/locations", params={"limit": 1})
    assert [(p["http"], p["status_code"], p["count"]) for p in pages] == [(200, 1000, 1)]
    assert pages[0]["x_total_count"] == "1"

    async def received_location() -> dict[str, Any]:
        found: dict[str, Any] = (await peer.state())["received"].get("locations", {})
        return found

    locations = await eventually(received_location, bool, timeout_s=10)  # pushed on registration
    (location,) = locations.values()
    assert same(location["id"], "AMS-1")
    async with station_16(fast_server.ocpp_url, "CP-X1") as cp:
        status = call.StatusNotification(
            connector_id=1, error_code="NoError", status="Charging", timestamp=now_iso()
        )
        await cp.call(status, suppress=False)

        async def evse_status() -> str:
            stored = (await received_location())["AMS-1"]
            return str(stored["evses"][0]["status"])

        assert await eventually(evse_status, lambda s: s == "CHARGING", timeout_s=10) == "CHARGING"


async def test_the_peer_registers_with_us_and_authorizes_its_tokens_in_real_time(
    fast_server: RunningServer, peer: Peer
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-X2")
        invitation = await invite(api)
        answer = await peer.control(
            "POST",
            "/peer/register",
            json={"versions_url": invitation["versions_url"], "token": invitation["token"]},
        )
        assert answer["credentials"]["roles"][0]["party_id"] == "KWT"
        partners = (await api.get("/api/v1/ocpi/partners")).json()
    assert [(p["status"], p["party_id"], p["role"]) for p in partners] == [
        ("REGISTERED", "MSP", "EMSP")
    ]
    async with station_16(fast_server.ocpp_url, "CP-X2") as cp:
        allowed = await cp.call(call.Authorize(id_tag="012345678"), suppress=False)
        blocked = await cp.call(call.Authorize(id_tag="DEADBEEF"), suppress=False)
    assert allowed.id_tag_info["status"] == "Accepted"
    assert blocked.id_tag_info["status"] == "Blocked"
    asked = [a["token_uid"] for a in (await peer.state())["authorizations"]]
    assert [uid.upper() for uid in asked] == ["012345678", "DEADBEEF"]
