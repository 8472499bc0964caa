"""Request dependencies: the caller's API key, the services and the read side, paging, and
the station a path names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kilowatt.domain.errors import UnknownStation
from kilowatt.domain.locations import ChargingStation
from kilowatt.ports import ApiKey, Queries, StationGateway
from kilowatt.services import access
from kilowatt.services.context import ServiceContext

__all__ = [
    "Backend",
    "BackendDep",
    "KnownStation",
    "Limit",
    "Offset",
    "Principal",
    "require_key",
]

_bearer = HTTPBearer(auto_error=False, description="An operator API key")


@dataclass(frozen=True, slots=True)
class Backend:
    ctx: ServiceContext
    queries: Queries
    gateway: StationGateway
    call_timeout_s: float


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


BackendDep = Annotated[Backend, Depends(_backend)]


async def require_key(
    backend: BackendDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API key is required: Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = await access.authenticate(credentials.credentials, backend.ctx)
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return key


Principal = Annotated[ApiKey, Depends(require_key)]

Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many items")]
Offset = Annotated[int, Query(ge=0, description="Skip this many items")]


async def _known_station(station_id: str, backend: BackendDep) -> ChargingStation:
    station = await backend.queries.station(station_id)
    if station is None:
        raise UnknownStation(f"no station {station_id}")
    return station


KnownStation = Annotated[ChargingStation, Depends(_known_station)]
"""The station named by the ``{station_id}`` path parameter, or 404."""
