"""Monitoring tests' helpers: a real webhook receiver that checks signatures, OCPP 1.6
messages and API shortcuts."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from ocpp.v16 import call
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.conftest import free_port

SECRET = "webhook-secret-for-tests"
ADMIN = "admin (configured)"  # the name of the API key the test server is started with
DAY = datetime(2025, 6, 1, tzinfo=UTC)


@dataclass
class Delivery:
    headers: dict[str, str]
    body: dict[str, Any]
    signature_ok: bool


@dataclass
class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that checks the signature of what it receives."""

    port: int = field(default_factory=free_port)
    received: list[Delivery] = field(default_factory=list)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/alerts"

    async def _hook(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        timestamp = request.headers["x-kilowatt-timestamp"]
        digest = hmac.new(SECRET.encode(), f"{timestamp}.{raw}".encode(), hashlib.sha256)
        expected = f"sha256={digest.hexdigest()}"
        ok = hmac.compare_digest(expected, request.headers["x-kilowatt-signature"])
        self.received.append(Delivery(dict(request.headers), json.loads(raw), ok))
        return Response(status_code=204 if ok else 401)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/hooks/alerts", self._hook, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError("the webhook receiver did not start")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, 10)

    async def events(self) -> list[str]:
        return [d.body["event"] for d in self.received]


def status(connector: int, status: str, at: datetime, error: str = "NoError") -> Any:
    return call.StatusNotification(
        connector_id=connector, error_code=error, status=status, timestamp=at.isoformat()
    )


BOOT = call.BootNotification(charge_point_vendor="ACME", charge_point_model="AC22")


def location(location_id: str) -> dict[str, str]:
    return {
        "id": location_id,
        "name": "Monitored site",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "postal_code": "1012AB",
        "country": "NLD",
        "latitude": "52.378901",
        "longitude": "4.900272",
        "time_zone": "Europe/Amsterdam",
    }


def moment(stored: datetime | str) -> datetime:
    """A time read with raw SQL: SQLite gives text (UTC), PostgreSQL an aware datetime."""
    return stored if isinstance(stored, datetime) else datetime.fromisoformat(stored + "+00:00")


async def list_alerts(api: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/alerts", params=filters)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found
