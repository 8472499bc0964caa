"""Roaming drivers: an eMSP's tokens PUT into our Tokens receiver work at our stations, and a
card nobody here knows is authorized in real time at the eMSP."""

from __future__ import annotations

import httpx
from ocpp.v16 import call

from tests.conftest import RunningServer
from tests.e2e.ocpi.receiver import OcpiReceiver, Received
from tests.e2e.ocpi.support import register, token_header
from tests.e2e.test_api_tariffs import priced_site
from tests.support import eventually, now_iso, station_16

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


async def test_a_real_time_authorizations_reference_is_on_the_session_and_the_cdr(
    fast_server: RunningServer, receiver: OcpiReceiver
) -> None:
    """OCPI AuthorizationInfo.authorization_reference "will be provided in the relevant
    Session and/or CDR"; a session authorized without one carries none (absent, not null)."""
    async with fast_server.client() as api:
        await priced_site(api, "CP-T2")
    receiver.cards["ROAM0002"] = "ALLOWED"
    receiver.references["ROAM0001"] = "RT-AUTH-0001"
    await register(fast_server, receiver)
    async with station_16(fast_server.ocpp_url, "CP-T2") as cp:
        for uid in ("ROAM0001", "ROAM0002"):
            start = call.StartTransaction(
                connector_id=1, id_tag=uid, meter_start=0, timestamp=now_iso()
            )
            started = await cp.call(start, suppress=False)
            assert started.id_tag_info["status"] == "Accepted"
            stop = call.StopTransaction(
                meter_stop=2000, timestamp=now_iso(), transaction_id=started.transaction_id
            )
            await cp.call(stop, suppress=False)

    pushed = await pushed_sessions_and_cdrs(receiver, 2)
    by_token = {
        uid: [r.body for r in pushed if r.body["cdr_token"]["uid"] == uid]
        for uid in ("ROAM0001", "ROAM0002")
    }
    assert [b["authorization_reference"] for b in by_token["ROAM0001"]] == ["RT-AUTH-0001"] * 3
    assert all("authorization_reference" not in b for b in by_token["ROAM0002"])
    assert len(by_token["ROAM0002"]) == 3  # ACTIVE and COMPLETED Session, and the CDR


async def test_the_auth_method_says_whether_the_emsp_was_asked_in_real_time(
    fast_server: RunningServer, receiver: OcpiReceiver
) -> None:
    """OCPI AuthMethod: AUTH_REQUEST when "an Authentication request has been sent to the
    eMSP" (our real-time authorization accepted the card), WHITELIST when the token was
    known here (PUT by the eMSP), with no request to the eMSP."""
    async with fast_server.client() as api:
        await priced_site(api, "CP-T3")
    token_c = await register(fast_server, receiver)
    async with httpx.AsyncClient(
        base_url=fast_server.base_url + TOKENS, headers=token_header(token_c), timeout=10
    ) as ocpi:
        put = await ocpi.put("/DE/MSP/CARD0005", json=ocpi_token("CARD0005"))
        assert put.json()["status_code"] == 1000, put.text
    async with station_16(fast_server.ocpp_url, "CP-T3") as cp:
        for uid in ("ROAM0001", "CARD0005"):
            start = call.StartTransaction(
                connector_id=1, id_tag=uid, meter_start=0, timestamp=now_iso()
            )
            started = await cp.call(start, suppress=False)
            assert started.id_tag_info["status"] == "Accepted"
            stop = call.StopTransaction(
                meter_stop=2000, timestamp=now_iso(), transaction_id=started.transaction_id
            )
            await cp.call(stop, suppress=False)

    pushed = await pushed_sessions_and_cdrs(receiver, 2)
    methods = {(r.body["cdr_token"]["uid"], r.body["auth_method"]) for r in pushed}
    assert methods == {("ROAM0001", "AUTH_REQUEST"), ("CARD0005", "WHITELIST")}
    assert receiver.authorized == [("ROAM0001", "RFID")]  # CARD0005 was never asked about


async def pushed_sessions_and_cdrs(receiver: OcpiReceiver, sessions: int) -> list[Received]:
    """The Session PUTs (ACTIVE, COMPLETED) and CDR POSTs of ``sessions`` sessions."""

    async def found() -> list[Received]:
        return [r for r in receiver.received if r.path.split("/")[0] in ("sessions", "cdrs")]

    return await eventually(found, lambda got: len(got) >= 3 * sessions, timeout_s=10)
