"""Shared main() for the reference servers: argument parsing, a health
endpoint, SIGTERM handling and a hard lifetime so a server never outlives
its benchmark."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

Handler = Callable[[ServerConnection], Awaitable[None]]


def _health(connection: ServerConnection, request: Request) -> Response | None:
    """Answer plain GET /api/v1/health (used by the harness to wait for startup)."""
    if request.path == "/api/v1/health":
        body = b'{"status":"ok"}'
        headers = Headers([("Content-Type", "application/json"), ("Content-Length", "15")])
        return Response(HTTPStatus.OK.value, "OK", headers, body)
    return None


async def _serve(handler: Handler, host: str, port: int, lifetime: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with serve(
        handler,
        host,
        port,
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        process_request=_health,
        backlog=4096,
        close_timeout=1,
    ) as server:
        print(f"listening on ws://{host}:{port}", flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=lifetime)
        # Leave quickly: drop the connections instead of closing each politely.
        server.close(close_connections=False)
        for conn in list(server.connections):
            conn.transport.abort()


def main(handler: Handler, description: str) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument(
        "--lifetime", type=float, default=3600, help="exit after this many seconds (safety)"
    )
    parser.add_argument("--no-uvloop", action="store_true", help="use the default asyncio loop")
    args = parser.parse_args()
    coro = _serve(handler, args.host, args.port, args.lifetime)
    if args.no_uvloop:
        asyncio.run(coro)
    else:
        import uvloop

        uvloop.run(coro)
    sys.exit(0)
