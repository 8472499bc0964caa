"""Helpers of the driver tests: sign up through the real API, read the mailed (logged) links,
sign in, and a driver's authenticated client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from kilowatt.simulator.station import SimulatedStation, StationConfig
from kilowatt.simulator.station_v16 import SimulatedStationV16
from tests.conftest import RunningServer
from tests.support import PASSWORD as STATION_PASSWORD

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


@contextlib.asynccontextmanager
async def simulated_station(
    server: RunningServer, station_id: str, kind: type[SimulatedStation] = SimulatedStationV16
) -> AsyncIterator[SimulatedStation]:
    """A simulated station running on its own that waits for the app: no cars of its own, one
    connector, a meter value every 0.3 s worth a simulated minute."""
    config = StationConfig(connectors=1, idle_s=(1e9, 1e9), speed=200.0, meter_interval_s=0.3)
    station = kind(station_id, server.ocpp_url, password=STATION_PASSWORD, config=config)
    running = asyncio.create_task(station.run())
    try:
        yield station
    finally:
        station.request_stop()
        await asyncio.wait_for(running, 15)
