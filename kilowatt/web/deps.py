"""Dependencies of the app's JSON endpoints: the backend and the signed-in driver (a driver
session token in the Authorization header, as the driver API wants it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kilowatt.domain.drivers import Driver
from kilowatt.domain.rate_limits import GuestLimits
from kilowatt.ports import (
    Favourites,
    PartnerFavourites,
    Queries,
    ReceivedObjects,
    SentCommands,
    StationGateway,
)
from kilowatt.services import drivers
from kilowatt.services.drivers import DriverContext
from kilowatt.services.payment_context import PaymentContext
from kilowatt.web.live import LiveFeed

__all__ = ["AnyDriver", "Backend", "SignedInDriver", "WebBackend"]


@dataclass(frozen=True, slots=True)
class WebBackend:
    """What the app's endpoints use; bootstrap builds it."""

    drivers: DriverContext
    queries: Queries
    gateway: StationGateway
    favourites: Favourites
    live: LiveFeed
    map_tile_url: str = ""  # empty: markers on a blank background (works offline)
    map_attribution: str = ""
    keepalive_s: float = 15.0  # a live stream re-sends the session at least this often
    payments: PaymentContext | None = None  # None: no card payment (and no ad hoc start)
    stripe_publishable_key: str = ""  # set: the app loads Stripe.js from js.stripe.com
    call_timeout_s: float = 30.0  # starting and stopping an ad hoc session
    received: ReceivedObjects | None = None  # partner CPOs' locations and tariffs (roaming)
    partner_favourites: PartnerFavourites | None = None  # drivers' starred partner locations
    sent_commands: SentCommands | None = None  # commands sent to partners (live roaming pages)
    guest_limits: GuestLimits | None = None  # new ad hoc guests per address and EVSE; None: any


_bearer = HTTPBearer(auto_error=False, description="A driver session token (from sign-in)")


def _backend(request: Request) -> WebBackend:
    backend: WebBackend = request.app.state.web
    return backend


Backend = Annotated[WebBackend, Depends(_backend)]


async def _any_driver(
    backend: Backend,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Driver | None:
    if credentials is None:
        return None
    driver = await drivers.authenticate(credentials.credentials, backend.drivers)
    if driver is None:
        raise _unauthorized("unknown or expired session: sign in again")
    return driver


AnyDriver = Annotated[Driver | None, Depends(_any_driver)]
"""The signed-in driver, or None for an anonymous visitor (a bad token is still 401)."""


async def _signed_in(driver: AnyDriver) -> Driver:
    if driver is None:
        raise _unauthorized("sign in first: Authorization: Bearer <session token>")
    return driver


SignedInDriver = Annotated[Driver, Depends(_signed_in)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )
