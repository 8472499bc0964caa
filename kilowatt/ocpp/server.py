"""The WebSocket endpoint ``/ocpp/{station_id}``: subprotocol, Basic auth, then a session.

Security profile 1: the station sends HTTP Basic auth with its identity as user name and its
password; a wrong or missing password is refused at the handshake with 401, before the
WebSocket is accepted. A station not in the store is refused, or let in to boot as Pending,
by configuration.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
from urllib.parse import unquote

from starlette.responses import Response
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from kilowatt.domain.locations import OcppVersion
from kilowatt.ocpp.gateway import InProcessStationGateway
from kilowatt.ocpp.session import Session
from kilowatt.ocpp.v16.incoming import StationSession16
from kilowatt.ocpp.v201.incoming import StationSession201
from kilowatt.ports import MessageLog
from kilowatt.services import stations
from kilowatt.services.context import ServiceContext

__all__ = ["SUBPROTOCOLS", "CentralSystem"]

log = logging.getLogger(__name__)

#: Subprotocols in order of preference, and the session class of each.
SUBPROTOCOLS: dict[str, type[StationSession16] | type[StationSession201]] = {
    "ocpp2.0.1": StationSession201,
    "ocpp1.6": StationSession16,
}


class _Socket:
    """The ``recv``/``send`` connection the ocpp library expects, over a Starlette WebSocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def recv(self) -> str:
        message = await self._websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text = message.get("text")
        if text is None:
            return bytes(message.get("bytes") or b"").decode("utf-8", errors="replace")
        return str(text)

    async def send(self, message: str) -> None:
        await self._websocket.send_text(message)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._websocket.close(code=1000)


class CentralSystem:
    """Accepts station connections and keeps their sessions in the gateway."""

    def __init__(
        self, ctx: ServiceContext, gateway: InProcessStationGateway, message_log: MessageLog
    ) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.message_log = message_log

    def routes(self) -> list[WebSocketRoute]:
        return [WebSocketRoute("/ocpp/{station_id:path}", self.endpoint)]

    async def endpoint(self, websocket: WebSocket) -> None:
        station_id = unquote(websocket.path_params["station_id"]).strip("/")
        subprotocol = _negotiate(websocket)
        if subprotocol is None:
            await _deny(websocket, 400, "no supported OCPP subprotocol (ocpp1.6, ocpp2.0.1)")
            return
        password = _basic_password(websocket, station_id)
        admission = await stations.admit(station_id, password, self.ctx)
        if admission is stations.Admission.REFUSED:
            await _deny(websocket, 401, "unknown station or wrong password", basic=True)
            return
        await websocket.accept(subprotocol=subprotocol)
        await self._serve(websocket, station_id, subprotocol)

    async def _serve(self, websocket: WebSocket, station_id: str, subprotocol: str) -> None:
        session_class = SUBPROTOCOLS[subprotocol]
        session: Session = session_class(station_id, _Socket(websocket))
        session.attach(self.ctx, self.message_log)
        version = OcppVersion.V201 if subprotocol == "ocpp2.0.1" else OcppVersion.V16
        previous = self.gateway.register(station_id, session)
        if previous is not None:
            await previous.close_connection()
        await stations.connected(station_id, version, self.ctx)
        try:
            await session.start()
        except WebSocketDisconnect:
            pass
        finally:
            session.closed = True
            if self.gateway.unregister(station_id, session):
                with contextlib.suppress(Exception):
                    await asyncio.shield(stations.disconnected(station_id, self.ctx))


def _negotiate(websocket: WebSocket) -> str | None:
    offered = [p.strip() for p in websocket.scope.get("subprotocols", [])]
    return next((p for p in SUBPROTOCOLS if p in offered), None)


def _basic_password(websocket: WebSocket, station_id: str) -> str | None:
    header = websocket.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password if user == station_id else None


async def _deny(websocket: WebSocket, status: int, reason: str, *, basic: bool = False) -> None:
    headers = {"WWW-Authenticate": 'Basic realm="OCPP"'} if basic else None
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(Response(reason, status, headers=headers))
    else:
        await websocket.close(code=1008, reason=reason)
