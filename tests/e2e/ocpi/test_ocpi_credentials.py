"""OCPI 2.2.1 version information and credentials, over real HTTP between two Kilowatt
servers (the partner is a second Kilowatt serving its own versions and details)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import RunningServer
from tests.e2e.ocpi.support import invite, ocpi_data, partner_server, token_header

EMSP_ROLE = {
    "role": "EMSP",
    "country_code": "DE",
    "party_id": "MSP",
    "business_details": {"name": "Test EMSP"},
}


async def test_a_partner_registers_with_token_a_and_then_calls_with_token_c(
    server: RunningServer, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    ours = await invite(api)
    async with partner_server(tmp_path) as partner, partner.client() as partner_api:
        # the partner's token B: one it hands out, so we can read its versions with it
        theirs = await invite(partner_api)
        body = {"token": theirs["token"], "url": theirs["versions_url"], "roles": [EMSP_ROLE]}
        async with httpx.AsyncClient(base_url=server.base_url + "/ocpi", timeout=10) as ocpi:
            versions = await ocpi.get("/versions", headers=token_header(ours["token"]))
            assert ocpi_data(versions)[0]["version"] == "2.2.1"
            posted = await ocpi.post(
                "/2.2.1/credentials", json=body, headers=token_header(ours["token"])
            )
            assert posted.status_code == 200, posted.text
            credentials = ocpi_data(posted)
            token_c = credentials["token"]
            assert token_c != ours["token"]
            assert credentials["url"] == ours["versions_url"]
            assert credentials["roles"][0] | {"business_details": {}} == {
                "role": "CPO",
                "country_code": "NL",
                "party_id": "KWT",
                "business_details": {},
            }

            refused = await ocpi.get("/versions", headers=token_header(ours["token"]))
            assert refused.status_code == 401
            assert refused.json()["status_code"] == 2000

            read = await ocpi.get("/2.2.1/credentials", headers=token_header(token_c))
            assert ocpi_data(read)["token"] == token_c
            again = await ocpi.post("/2.2.1/credentials", json=body, headers=token_header(token_c))
            assert again.status_code == 405

            raw = await ocpi.get("/versions", headers={"Authorization": f"Token {token_c}"})
            assert raw.status_code == 200  # 2.1.1-style peers send the token as is

            rotated = await ocpi.put("/2.2.1/credentials", json=body, headers=token_header(token_c))
            token_c2 = ocpi_data(rotated)["token"]
            assert token_c2 != token_c
            old = await ocpi.get("/2.2.1/credentials", headers=token_header(token_c))
            assert old.status_code == 401
            listed = (await api.get("/api/v1/ocpi/partners")).json()
            registered = [p for p in listed if p["status"] == "REGISTERED"]
            assert [(p["country_code"], p["party_id"], p["role"]) for p in registered] == [
                ("DE", "MSP", "EMSP")
            ]
            assert registered[0]["versions_url"] == theirs["versions_url"]
            endpoints = {(e["identifier"], e["role"]) for e in registered[0]["endpoints"]}
            assert ("credentials", "RECEIVER") in endpoints
            assert ("locations", "SENDER") in endpoints

            deleted = await ocpi.delete("/2.2.1/credentials", headers=token_header(token_c2))
            assert deleted.status_code == 200
            assert ocpi_data(deleted) is None
            gone = await ocpi.get("/2.2.1/credentials", headers=token_header(token_c2))
            assert gone.status_code == 401
    statuses = {p["status"] for p in (await api.get("/api/v1/ocpi/partners")).json()}
    assert statuses == {"UNREGISTERED"}


async def test_kilowatt_registers_at_a_partner_and_each_knows_the_other(
    server: RunningServer, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    async with partner_server(tmp_path, party_id="PRT") as partner, partner.client() as their:
        invitation = await invite(their)
        registered = await api.post(
            "/api/v1/ocpi/partners/register",
            json={"versions_url": invitation["versions_url"], "token": invitation["token"]},
        )
        assert registered.status_code == 201, registered.text
        assert registered.json()["status"] == "REGISTERED"
        assert (registered.json()["country_code"], registered.json()["party_id"]) == ("DE", "PRT")
        identifiers = {e["identifier"] for e in registered.json()["endpoints"]}
        assert {"credentials", "locations", "tariffs", "sessions", "cdrs"} <= identifiers

        theirs = (await their.get("/api/v1/ocpi/partners")).json()
        assert [(p["status"], p["country_code"], p["party_id"]) for p in theirs] == [
            ("REGISTERED", "NL", "KWT")
        ]
        assert theirs[0]["versions_url"] == f"{server.base_url}/ocpi/versions"
        again = await api.post(
            "/api/v1/ocpi/partners/register",
            json={"versions_url": invitation["versions_url"], "token": invitation["token"]},
        )
        assert again.status_code == 502  # token A works once


async def test_unknown_tokens_bad_bodies_and_unreachable_partners_get_ocpi_errors(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    ours = await invite(api)
    async with httpx.AsyncClient(base_url=server.base_url + "/ocpi", timeout=10) as ocpi:
        for headers in ({}, token_header("nobody"), {"Authorization": "Bearer x"}):
            response = await ocpi.get("/versions", headers=headers)
            assert response.status_code == 401
            assert response.json()["status_code"] == 2000
        bad = await ocpi.post(
            "/2.2.1/credentials", json={"url": 5}, headers=token_header(ours["token"])
        )
        assert (bad.status_code, bad.json()["status_code"]) == (400, 2001)
        unreachable = {
            "token": "x" * 20,
            "url": "http://127.0.0.1:9/ocpi/versions",
            "roles": [EMSP_ROLE],
        }
        failed = await ocpi.post(
            "/2.2.1/credentials", json=unreachable, headers=token_header(ours["token"])
        )
        assert (failed.status_code, failed.json()["status_code"]) == (502, 3001)
        # the invitation still works after a failed attempt
        versions = await ocpi.get(
            "/versions", headers=token_header(ours["token"]) | {"X-Request-ID": "req-1"}
        )
        assert versions.status_code == 200
        assert versions.headers["X-Request-ID"] == "req-1"
        assert versions.headers["X-Correlation-ID"]
