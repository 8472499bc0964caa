"""The driver web app: ``create_web`` builds the ASGI app mounted at ``/app``.

Pages (HTML shells, no driver data): ``/app/`` find a charger, ``/app/locations/{id}``,
``/app/sessions/{id}`` (live), ``/app/roaming/{id}`` (a session at a partner CPO),
``/app/history``, ``/app/receipts/{cdr id}``, ``/app/partner-receipts/{cdr id}`` (a CDR a
partner CPO sent), ``/app/payment`` (saved cards), ``/app/profile``,
sign-up, sign-in and ``/app/reset-password``. Data (Authorization: Bearer <driver session
token>): ``/app/api/...``. Ad hoc charging without an account:
``/app/charge/{station}/{evse}`` (the QR code's page) and ``/app/guest/{secret}``, with their
data under ``/app/api/adhoc``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.routing import Route

from kilowatt.domain.errors import (
    AccessDenied,
    Conflict,
    DomainError,
    InvalidValue,
    NotFound,
    RateLimited,
)
from kilowatt.domain.locations import ConnectorStandard
from kilowatt.domain.payments import PaymentDeclined
from kilowatt.web import adhoc, data, roaming
from kilowatt.web.deps import WebBackend

__all__ = ["WebBackend", "create_web", "mail_link_routes"]

_HERE = Path(__file__).parent
_PAGES = {
    "/": ("find.html", "Find a charger"),
    "/history": ("history.html", "History"),
    "/payment": ("payment.html", "Payment"),
    "/sign-in": ("sign_in.html", "Sign in"),
    "/sign-up": ("sign_up.html", "Sign up"),
    "/verify-email": ("verify.html", "Verify your email"),
    "/reset-password": ("reset_password.html", "Reset your password"),
    "/profile": ("profile.html", "Profile"),
}
_PAGES_WITH_ID = {
    "/locations/{item_id}": ("location.html", "Location"),
    "/sessions/{item_id}": ("live.html", "Charging"),
    "/roaming/{item_id}": ("roaming.html", "Charging at a partner"),  # a partner's session
    "/receipts/{item_id}": ("receipt.html", "Receipt"),
    "/partner-receipts/{item_id}": ("receipt.html", "Receipt"),  # a partner CPO's CDR
    "/charge/{station_id}/{evse_id}": ("charge.html", "Charge here"),  # ad hoc, the QR code's
    "/guest/{item_id}": ("guest.html", "Charging"),  # ad hoc: item_id is the guest's secret
}

# What drivers call each OCPI connector type, in the order the vehicle form lists them.
_CONNECTOR_NAMES = {
    ConnectorStandard.IEC_62196_T2: "Type 2",
    ConnectorStandard.IEC_62196_T2_COMBO: "CCS (Combo 2)",
    ConnectorStandard.CHADEMO: "CHAdeMO",
    ConnectorStandard.IEC_62196_T1: "Type 1",
    ConnectorStandard.IEC_62196_T1_COMBO: "CCS1 (Combo 1)",
    ConnectorStandard.DOMESTIC_F: "Schuko",
    ConnectorStandard.TESLA_S: "Tesla",
    ConnectorStandard.GBT_AC: "GB/T AC",
    ConnectorStandard.GBT_DC: "GB/T DC",
    ConnectorStandard.IEC_62196_T3C: "Type 3C",
    ConnectorStandard.NEMA_5_20: "NEMA 5-20",
}
_CONNECTOR_TYPES = tuple(
    [(standard.value, name) for standard, name in _CONNECTOR_NAMES.items()]
    + [(s.value, s.value) for s in ConnectorStandard if s not in _CONNECTOR_NAMES]
)


def create_web(backend: WebBackend) -> FastAPI:
    app = FastAPI(title="Kilowatt driver app", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = backend
    templates = Jinja2Templates(directory=_HERE / "templates")
    app.state.templates = templates
    app.add_exception_handler(DomainError, _domain_error)
    app.include_router(data.router, prefix="/api")
    app.include_router(adhoc.router, prefix="/api")
    app.include_router(roaming.router, prefix="/api")
    for path, (template, title) in (_PAGES | _PAGES_WITH_ID).items():
        app.add_api_route(path, _page(templates, template, title), response_class=HTMLResponse)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    app.middleware("http")(_security_headers(backend.map_tile_url, backend.stripe_publishable_key))
    return app


def mail_link_routes() -> list[Route]:
    """The pages the mailed links open (``/driver/verify-email?token=...``,
    ``/driver/reset-password?token=...``): the app's."""

    async def verify(request: Request) -> Response:
        token = request.query_params.get("token", "")
        return RedirectResponse(f"/app/verify-email?token={token}", status_code=303)

    async def reset(request: Request) -> Response:
        token = quote(request.query_params.get("token", ""), safe="")
        return RedirectResponse(f"/app/reset-password?token={token}", status_code=303)

    return [Route("/driver/verify-email", verify), Route("/driver/reset-password", reset)]


def _page(templates: Jinja2Templates, template: str, title: str) -> Any:
    async def page(request: Request, item_id: str = "") -> HTMLResponse:
        backend: WebBackend = request.app.state.web
        context = {
            "title": title,
            "item_id": item_id,
            "params": request.path_params,
            "stripe_key": backend.stripe_publishable_key,
            "payments_on": backend.payments is not None,
            "tile_url": backend.map_tile_url,
            "attribution": backend.map_attribution,
            "connector_types": _CONNECTOR_TYPES,  # the profile's vehicle form
        }
        return templates.TemplateResponse(request, template, context)

    return page


_STRIPE_JS = (
    "; script-src 'self' https://js.stripe.com; connect-src 'self' https://api.stripe.com"
    "; frame-src https://js.stripe.com https://hooks.stripe.com"
)


def _security_headers(tile_url: str, stripe_key: str) -> Any:
    """Only our own origin, the tile host, and Stripe.js when a publishable key is set."""
    tiles = _origin(tile_url)
    policy = (
        f"default-src 'self'; img-src 'self' data: blob: {tiles}".strip()
        + "; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'"
        + (_STRIPE_JS if stripe_key else "")
    )

    async def add_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return add_headers


def _origin(url: str) -> str:
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (InvalidValue, 422),
    (AccessDenied, 403),
    (Conflict, 409),
    (PaymentDeclined, 402),  # the provider's reason, for the driver or guest
    (RateLimited, 429),  # with Retry-After
]


async def _domain_error(_: Request, error: Any) -> JSONResponse:
    code = next((status for kind, status in _STATUS if isinstance(error, kind)), 400)
    headers = None
    if isinstance(error, RateLimited):  # whole seconds, rounded up: never too early
        headers = {"Retry-After": str(math.ceil(error.retry_after.total_seconds()))}
    body = {"detail": str(error), "error": type(error).__name__}
    return JSONResponse(body, code, headers=headers)
