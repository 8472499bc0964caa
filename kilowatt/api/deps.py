"""Request dependencies: the caller's API key, the services and the read side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kilowatt.ports import ApiKey, Queries, StationGateway
from kilowatt.services import access
from kilowatt.services.context import ServiceContext

__all__ = ["Backend", "BackendDep", "Principal", "require_key"]

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
