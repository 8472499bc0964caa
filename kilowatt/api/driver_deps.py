"""Dependencies of the driver API: the signed-in driver (a driver session token, never an
operator API key) and the driver use cases' context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kilowatt.domain.drivers import Driver
from kilowatt.services import drivers
from kilowatt.services.drivers import DriverContext

__all__ = ["DriverContextDep", "SessionToken", "SignedInDriver"]

_bearer = HTTPBearer(auto_error=False, description="A driver session token (from sign-in)")


def _driver_context(request: Request) -> DriverContext:
    dctx: DriverContext = request.app.state.drivers
    return dctx


DriverContextDep = Annotated[DriverContext, Depends(_driver_context)]


def _session_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None:
        raise _unauthorized("sign in first: Authorization: Bearer <session token>")
    return credentials.credentials


SessionToken = Annotated[str, Depends(_session_token)]


async def _signed_in(token: SessionToken, dctx: DriverContextDep) -> Driver:
    driver = await drivers.authenticate(token, dctx)
    if driver is None:
        raise _unauthorized("unknown or expired session: sign in again")
    return driver


SignedInDriver = Annotated[Driver, Depends(_signed_in)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )
