"""A tiny real OCPI EMSP for push tests: versions, details and Receiver endpoints that record
every call; it can be stopped (down) and started again on the same port."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.conftest import free_port

RECEIVER_TOKEN = "receiver-token-0123456789"


def routing(request: Request) -> dict[str, str]:
    """The message routing headers of a request, by their lower-case names."""
    return {k: v for k, v in request.headers.items() if k.startswith("ocpi-")}


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str
    body: Any
    authorization: str | None
    routing: dict[str, str] = field(default_factory=dict)  # the OCPI-from-/OCPI-to- headers


@dataclass
class OcpiReceiver:
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    cards: dict[str, str] = field(default_factory=dict)  # uid → AuthorizationInfo.allowed
    authorized: list[tuple[str, str]] = field(default_factory=list)
    routed: list[dict[str, str]] = field(default_factory=list)  # of each authorization
    configuration_routing: list[dict[str, str]] = field(default_factory=list)  # versions
    command_answer: str | None = None  # set: a CPO's Commands receiver answering this
    references: dict[str, str] = field(default_factory=dict)  # uid → authorization_reference
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def versions_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ocpi/versions"

    def app(self) -> FastAPI:
        app = FastAPI()
        base = f"http://127.0.0.1:{self.port}/ocpi"

        def ok(data: Any = None) -> JSONResponse:
            return JSONResponse({"status_code": 1000, "data": data, "timestamp": "2026-01-01"})

        @app.get("/ocpi/versions")
        async def versions(request: Request) -> JSONResponse:
            self.configuration_routing.append(routing(request))
            return ok([{"version": "2.2.1", "url": f"{base}/2.2.1"}])

        @app.get("/ocpi/2.2.1")
        async def details(request: Request) -> JSONResponse:
            self.configuration_routing.append(routing(request))
            modules = ["credentials", "locations", "sessions", "cdrs", "tokens"]
            endpoints = [
                {"identifier": m, "role": "RECEIVER", "url": f"{base}/emsp/2.2.1/{m}"}
                for m in modules
            ]
            sender = {"identifier": "tokens", "role": "SENDER", "url": f"{base}/sender/tokens"}
            endpoints.append(sender)
            if self.command_answer is not None:
                commands = {"identifier": "commands", "role": "RECEIVER", "url": f"{base}/cpo/c"}
                endpoints.append(commands)
            return ok({"version": "2.2.1", "endpoints": endpoints})

        @app.post("/ocpi/cpo/c/{name}")
        async def command(name: str, request: Request) -> JSONResponse:
            body = await request.json()
            auth = request.headers.get("Authorization")
            self.received.append(Received("POST", f"commands/{name}", body, auth))
            return ok({"result": self.command_answer, "timeout": 30})

        @app.post("/ocpi/sender/tokens/{uid}/authorize")
        async def authorize(request: Request, uid: str, type: str = "RFID") -> JSONResponse:
            self.authorized.append((uid, type))
            self.routed.append(routing(request))
            allowed = self.cards.get(uid)
            if allowed is None:
                unknown = {"status_code": 2004, "status_message": "unknown token"}
                return JSONResponse(unknown | {"timestamp": "2026-01-01T00:00:00Z"}, 404)
            token = {"uid": uid, "type": type, "country_code": "DE", "party_id": "MSP"}
            info = {"allowed": allowed, "token": token | {"group_id": "roamers"}}
            if uid in self.references:
                info["authorization_reference"] = self.references[uid]
            return ok(info)

        @app.api_route("/ocpi/emsp/2.2.1/{rest:path}", methods=["PUT", "PATCH", "POST"])
        async def receive(rest: str, request: Request) -> JSONResponse:
            body = await request.json()
            auth = request.headers.get("Authorization")
            self.received.append(Received(request.method, rest, body, auth, routing(request)))
            return ok()

        return app

    async def start(self) -> None:
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="error")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                await self._task
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, 10)
        self._server = self._task = None
