"""Helpers for end-to-end tests: real OCPP clients (the ocpp library's ChargePoint) over a
real WebSocket, and registration through the real API."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v201 import ChargePoint as ChargePoint201
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

PASSWORD = "station-password-0001"
TAG = "04A1B2C3D4E501"
OTHER_TAG = "04A1B2C3D4E502"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def basic_auth(station_id: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{station_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def register_station(
    api: httpx.AsyncClient, station_id: str, password: str = PASSWORD, **fields: Any
) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/stations", json={"id": station_id, "password": password} | fields
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def register_token(api: httpx.AsyncClient, uid: str = TAG, **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/v1/tokens", json={"uid": uid, "type": "RFID"} | fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@contextlib.asynccontextmanager
async def open_socket(
    ocpp_url: str, station_id: str, password: str | None = PASSWORD, version: str = "1.6"
) -> AsyncIterator[ClientConnection]:
    headers = basic_auth(station_id, password) if password is not None else {}
    async with connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=[Subprotocol(f"ocpp{version}")],
        additional_headers=headers,
        open_timeout=5,
    ) as socket:
        yield socket


@contextlib.asynccontextmanager
async def station_16(
    ocpp_url: str, station_id: str, password: str | None = PASSWORD
) -> AsyncIterator[ChargePoint16]:
    """An OCPP 1.6 ChargePoint client, its message loop running."""
    async with open_socket(ocpp_url, station_id, password, "1.6") as socket:
        client = ChargePoint16(station_id, socket, response_timeout=10)
        async with _running(client):
            yield client


@contextlib.asynccontextmanager
async def station_201(
    ocpp_url: str, station_id: str, password: str | None = PASSWORD
) -> AsyncIterator[ChargePoint201]:
    """An OCPP 2.0.1 ChargePoint client, its message loop running."""
    async with open_socket(ocpp_url, station_id, password, "2.0.1") as socket:
        client = ChargePoint201(station_id, socket, response_timeout=10)
        async with _running(client):
            yield client


@contextlib.asynccontextmanager
async def _running(client: ChargePoint16 | ChargePoint201) -> AsyncIterator[None]:
    task = asyncio.create_task(client.start())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def stored_rows(database_url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Read the store directly (for what the API does not show)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(sql), params)
            return [dict(row) for row in result.mappings()]
    finally:
        await engine.dispose()


_T = TypeVar("_T")


async def eventually(
    probe: Callable[[], Awaitable[_T]],
    done: Callable[[_T], bool],
    *,
    timeout_s: float = 2.0,
    interval_s: float = 0.02,
) -> _T:
    """Probe until ``done`` holds or the time is up, and return the last value: some things
    (the message log, a noticed disconnect) are written shortly after the exchange."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await probe()
        if done(value) or asyncio.get_running_loop().time() >= deadline:
            return value
        await asyncio.sleep(interval_s)
