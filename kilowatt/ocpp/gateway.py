"""The in-process station gateway (ports.StationGateway): calls to stations connected to this
process. A message-bus gateway will later route calls to the process that holds the socket."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from kilowatt.domain.errors import StationOffline
from kilowatt.ocpp.session import Session

__all__ = ["InProcessStationGateway"]


class InProcessStationGateway:
    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}

    def register(self, station_id: str, session: Session) -> Session | None:
        """Hold a new session; returns the one it replaces (the station reconnected)."""
        previous = self._sessions.get(station_id)
        self._sessions[station_id] = session
        return previous if previous is not session else None

    def unregister(self, station_id: str, session: Session) -> bool:
        """Forget the session, unless a newer one already replaced it."""
        if self._sessions.get(station_id) is session:
            del self._sessions[station_id]
            return True
        return False

    def is_connected(self, station_id: str) -> bool:
        return station_id in self._sessions

    def connected_stations(self) -> Sequence[str]:
        return list(self._sessions)

    async def call(
        self, station_id: str, action: str, payload: Mapping[str, Any], timeout_s: float
    ) -> dict[str, Any]:
        session = self._sessions.get(station_id)
        if session is None:
            raise StationOffline(f"station {station_id} is not connected")
        return await session.call_raw(action, payload, str(uuid.uuid4()), timeout_s)

    async def close_all(self) -> None:
        for session in list(self._sessions.values()):
            await session.close_connection()
