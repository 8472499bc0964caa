"""Helpers of the driver tests: sign up through the real API, read the mailed (logged) links,
sign in, and a driver's authenticated client."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import RunningServer

PASSWORD = "correct horse battery"
_LINK = re.compile(r"/driver/(verify-email|reset-password)\?token=([A-Za-z0-9_\-]+)")


@dataclass
class SignedUpDriver:
    id: str
    email: str
    contract_id: str
    session_token: str

    def client(self, server: RunningServer) -> httpx.AsyncClient:
        return server.client(self.session_token)


def mailed_links(caplog: pytest.LogCaptureFixture, email: str, kind: str) -> list[str]:
    """The link tokens of ``kind`` logged for ``email``, oldest first."""
    found = []
    for record in caplog.records:
        addressed = isinstance(record.args, tuple) and record.args[:1] == (email,)
        if record.name == "kilowatt.adapters.mail" and addressed:
            found += [m[1] for m in _LINK.findall(record.getMessage()) if m[0] == kind]
    return found


async def sign_in(server: RunningServer, email: str, password: str = PASSWORD) -> httpx.Response:
    async with server.client(None) as anonymous:
        return await anonymous.post(
            "/api/v1/driver/sign-in", json={"email": email, "password": password}
        )


async def signed_up(
    server: RunningServer, caplog: pytest.LogCaptureFixture, email: str
) -> SignedUpDriver:
    """A driver who signed up, verified the address from the mailed link and signed in."""
    caplog.set_level(logging.INFO, logger="kilowatt.adapters.mail")
    async with server.client(None) as anonymous:
        created = await anonymous.post(
            "/api/v1/driver/sign-up", json={"email": email, "password": PASSWORD}
        )
        assert created.status_code == 201, created.text
        (link,) = mailed_links(caplog, email, "verify-email")
        verified = await anonymous.post("/api/v1/driver/verify-email", json={"token": link})
        assert verified.status_code == 200, verified.text
    signed_in = await sign_in(server, email)
    assert signed_in.status_code == 200, signed_in.text
    body = created.json()
    return SignedUpDriver(body["id"], email, body["contract_id"], signed_in.json()["token"])
