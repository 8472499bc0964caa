"""Helpers of the OCPI tests: a second Kilowatt as the partner, tokens in OCPI headers."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kilowatt.store.database import upgrade_schema
from tests.conftest import RunningServer, settings_for
from tests.e2e.ocpi.receiver import RECEIVER_TOKEN, OcpiReceiver
from tests.support import eventually


def token_header(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


@contextlib.asynccontextmanager
async def partner_server(
    tmp_path: Path, party_id: str = "PRT", **settings: Any
) -> AsyncIterator[RunningServer]:
    """Another Kilowatt (SQLite) acting as the partner platform (``settings``: more of its
    settings, e.g. payments on)."""
    path = tmp_path / "partner.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_schema(url)
    running = RunningServer(settings_for(url, party_id=party_id, country_code="DE", **settings))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def invite(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.post("/api/v1/ocpi/invitations")
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def ocpi_data(response: httpx.Response) -> Any:
    envelope = response.json()
    assert envelope["status_code"] == 1000, envelope
    assert "timestamp" in envelope
    return envelope.get("data")


async def register_partner(server: RunningServer, partner: RunningServer) -> str:
    """The partner registers with ``server``; returns token C (the partner's token with us)."""
    async with server.client() as api, partner.client() as partner_api:
        ours, theirs = await invite(api), await invite(partner_api)
    body = {
        "token": theirs["token"],
        "url": theirs["versions_url"],
        "roles": [{"role": "EMSP", "country_code": "DE", "party_id": "MSP"}],
    }
    async with httpx.AsyncClient(timeout=10) as client:
        posted = await client.post(
            f"{server.base_url}/ocpi/2.2.1/credentials",
            json=body,
            headers=token_header(ours["token"]),
        )
    token: str = ocpi_data(posted)["token"]
    return token


async def register(
    server: RunningServer, receiver: OcpiReceiver, role_name: str = "EMSP", party_id: str = "MSP"
) -> str:
    """The receiver registers with ``server`` (as an eMSP unless told); returns its token C."""
    async with server.client() as api:
        token_a = (await invite(api))["token"]
    role = {"role": role_name, "country_code": "DE", "party_id": party_id}
    body = {"token": RECEIVER_TOKEN, "url": receiver.versions_url, "roles": [role]}
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"{server.base_url}/ocpi/2.2.1/credentials"
        credentials = ocpi_data(await client.post(url, json=body, headers=token_header(token_a)))
    token: str = credentials["token"]
    return token


async def register_cpo(server: RunningServer, receiver: OcpiReceiver) -> str:
    """The receiver registers with ``server`` as a CPO (DE*CPO); returns its token C."""
    async with server.client() as api:
        token_a = (await invite(api))["token"]
    role = {"role": "CPO", "country_code": "DE", "party_id": "CPO"}
    body = {"token": RECEIVER_TOKEN, "url": receiver.versions_url, "roles": [role]}
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"{server.base_url}/ocpi/2.2.1/credentials"
        credentials = ocpi_data(await client.post(url, json=body, headers=token_header(token_a)))
    token: str = credentials["token"]
    return token


@contextlib.asynccontextmanager
async def as_cpo(
    server: RunningServer, receiver: OcpiReceiver | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An OCPI client of a partner registered with ``server`` as the CPO DE*CPO; its own
    endpoints are ``receiver`` (a plain one when not given), running while it is used."""
    running = receiver or OcpiReceiver()
    await running.start()
    try:
        token = await register_cpo(server, running)
        async with httpx.AsyncClient(
            base_url=server.base_url, headers=token_header(token), timeout=10
        ) as client:
            yield client
    finally:
        await running.stop()


def ocpi_error(response: httpx.Response, http_status: int, status_code: int) -> str:
    """The status message of an OCPI error envelope with these statuses."""
    envelope = response.json()
    assert (response.status_code, envelope.get("status_code")) == (http_status, status_code), (
        response.status_code,
        envelope,
    )
    assert "data" not in envelope and "timestamp" in envelope
    message: str = envelope["status_message"]
    return message


@dataclass(frozen=True, slots=True)
class RoamingPair:
    """Two Kilowatts: ``cpo`` with a site, ``emsp`` registered at it as a partner."""

    cpo: RunningServer
    emsp: RunningServer
    partner_id: str  # the CPO, as the eMSP knows it
    location: dict[str, Any]  # the CPO's location, as pushed to the eMSP

    @property
    def evse_uid(self) -> str:
        uid: str = self.location["evses"][0]["uid"]
        return uid


@contextlib.asynccontextmanager
async def roaming_pair(
    cpo: RunningServer, tmp_path: Path, **emsp_settings: Any
) -> AsyncIterator[RoamingPair]:
    """``cpo`` must have published a location (e.g. ``priced_site``) already."""
    async with cpo.client() as cpo_api:
        invitation = await invite(cpo_api)
    partner = partner_server(tmp_path, party_id="MSP", **emsp_settings)
    async with partner as emsp, emsp.client() as api:
        body = {"versions_url": invitation["versions_url"], "token": invitation["token"]}
        registered = await api.post("/api/v1/ocpi/partners/register", json=body)
        assert registered.status_code == 201, registered.text

        async def pushed() -> list[Any]:
            listed: list[Any] = (await api.get("/api/v1/ocpi/partner-locations")).json()
            return listed

        (listed,) = await eventually(pushed, bool, timeout_s=10)
        yield RoamingPair(cpo, emsp, registered.json()["id"], listed["location"])
