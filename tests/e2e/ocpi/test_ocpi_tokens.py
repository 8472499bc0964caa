"""Roaming drivers: an eMSP's tokens PUT into our Tokens receiver work at our stations, and a
card nobody here knows is authorized in real time at the eMSP."""

from __future__ import annotations

import httpx
from ocpp.v16 import call

from tests.conftest import RunningServer
from tests.e2e.ocpi.receiver import OcpiReceiver
from tests.e2e.ocpi.support import register, token_header
from tests.e2e.test_api_tariffs import priced_site
from tests.support import now_iso, station_16

TOKENS = "/ocpi/cpo/2.2.1/tokens"


def ocpi_token(uid: str, **fields: object) -> dict[str, object]:
    return {
        "country_code": "DE",
        "party_id": "MSP",
        "uid": uid,
        "type": "RFID",
        "contract_id": "DE-MSP-C12345678-X",
        "issuer": "Test EMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-11-01T00:00:00Z",
    } | fields


async def authorize(server: RunningServer, uid: str) -> str:
    async with station_16(server.ocpp_url, "CP-T1") as cp:
        result = await cp.call(call.Authorize(id_tag=uid), suppress=False)
    return str(result.id_tag_info["status"])


async def test_a_card_we_do_not_know_is_authorized_at_the_emsp_in_real_time(
    server: RunningServer, api: httpx.AsyncClient, receiver: OcpiReceiver
) -> None:
    await priced_site(api, "CP-T1")
    assert await authorize(server, "ROAM0001") == "Invalid"  # no partner yet
    await register(server, receiver)
    assert await authorize(server, "ROAM0001") == "Accepted"
    assert await authorize(server, "ROAMBAD") == "Blocked"
    assert await authorize(server, "NOBODY01") == "Invalid"
    assert receiver.authorized[-3:] == [
        ("ROAM0001", "RFID"),
        ("ROAMBAD", "RFID"),
        ("NOBODY01", "RFID"),
    ]
    async with station_16(server.ocpp_url, "CP-T1") as cp:
        started = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="ROAM0001", meter_start=0, timestamp=now_iso()
            ),
            suppress=False,
        )
    assert started.id_tag_info["status"] == "Accepted"


async def test_tokens_put_by_the_emsp_are_ours_to_check_and_can_be_blocked(
    server: RunningServer, api: httpx.AsyncClient, receiver: OcpiReceiver
) -> None:
    await priced_site(api, "CP-T1")
    token_c = await register(server, receiver)
    async with httpx.AsyncClient(
        base_url=server.base_url + TOKENS, headers=token_header(token_c), timeout=10
    ) as ocpi:
        put = await ocpi.put("/DE/MSP/CARD0001", json=ocpi_token("CARD0001"))
        assert put.json()["status_code"] == 1000, put.text
        read = (await ocpi.get("/DE/MSP/CARD0001")).json()["data"]
        assert (read["contract_id"], read["valid"]) == ("DE-MSP-C12345678-X", True)
        assert await authorize(server, "CARD0001") == "Accepted"
        patched = await ocpi.patch("/DE/MSP/CARD0001", json={"valid": False})
        assert patched.json()["status_code"] == 1000
        assert await authorize(server, "CARD0001") == "Blocked"

        unknown = await ocpi.get("/DE/MSP/NOPE")
        assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2004)
        not_theirs = await ocpi.put("/NL/KWT/CARD0002", json=ocpi_token("CARD0002"))
        assert not_theirs.status_code == 403
        bad = await ocpi.put("/DE/MSP/CARD0003", json=ocpi_token("CARD0003", type="BANANA"))
        assert (bad.status_code, bad.json()["status_code"]) == (400, 2001)
    local = (await api.get("/api/v1/tokens/CARD0001")).json()
    assert (local["country_code"], local["party_id"], local["status"]) == ("DE", "MSP", "BLOCKED")
