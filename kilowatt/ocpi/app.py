"""The OCPI 2.2.1 API (CPO and eMSP roles), mounted under /ocpi: version information,
credentials, the CPO modules under /cpo and the eMSP modules under /emsp; every answer is an
OCPI envelope, every error too (mapped here, once)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kilowatt.domain.errors import AccessDenied, DomainError, InvalidValue, NotFound, UnknownToken
from kilowatt.domain.roaming import OCPI_VERSION, PartnerFailed, PartyAddress, UnknownLocation
from kilowatt.ocpi import credentials, emsp
from kilowatt.ocpi.client import routing_headers
from kilowatt.ocpi.cpo import cdrs, commands, locations, sessions, tariffs, tokens
from kilowatt.ocpi.deps import OcpiBackend, routed_party
from kilowatt.ocpi.envelope import OcpiError, envelope
from kilowatt.services.roaming import Registration

__all__ = ["create_ocpi"]

log = logging.getLogger(__name__)

_ECHOED = ("X-Request-ID", "X-Correlation-ID")


def create_ocpi(backend: OcpiBackend) -> FastAPI:
    app = FastAPI(title="Kilowatt OCPI 2.2.1", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ocpi = backend
    app.include_router(credentials.router)
    for module in (locations, tariffs, sessions, cdrs, tokens, commands):
        app.include_router(module.router, prefix=f"/cpo/{OCPI_VERSION}")
    for emsp_module in (emsp.locations, emsp.tariffs, emsp.sessions, emsp.cdrs, emsp.tokens):
        app.include_router(emsp_module.router, prefix=f"/emsp/{OCPI_VERSION}")
    app.include_router(emsp.commands.router, prefix=f"/emsp/{OCPI_VERSION}")
    app.add_exception_handler(OcpiError, _ocpi_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.middleware("http")(_request_ids)
    return app


async def _request_ids(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """X-Request-ID and X-Correlation-ID go back as sent (made up when missing); a request
    that named its party gets the routing headers of a direct response (from us, to it)."""
    response = await call_next(request)
    for name in _ECHOED:
        response.headers[name] = request.headers.get(name) or str(uuid.uuid4())
    try:
        sender = routed_party(request, "from")
    except OcpiError:
        sender = None
    if sender is not None:
        party = request.app.state.ocpi.party
        routing = routing_headers(PartyAddress(party.country_code, party.party_id), sender)
        response.headers.update(routing)
    return response


def _answer(http_status: int, status_code: int, message: str) -> JSONResponse:
    return JSONResponse(envelope(None, status_code, message), http_status)


async def _ocpi_error(_: Request, error: Any) -> JSONResponse:
    return _answer(error.http_status, error.status_code, str(error))


async def _domain_error(_: Request, error: Any) -> JSONResponse:
    if isinstance(error, Registration):
        return _answer(405, 2000, str(error))
    if isinstance(error, PartnerFailed):  # their API failed us: not our server's fault
        return _answer(502, error.ocpi_status, str(error))
    if isinstance(error, UnknownLocation):
        return _answer(404, 2003, str(error))
    if isinstance(error, UnknownToken):
        return _answer(404, 2004, str(error))
    if isinstance(error, AccessDenied):
        return _answer(403, 2000, str(error))
    if isinstance(error, NotFound):
        return _answer(404, 2000, str(error))
    if isinstance(error, InvalidValue):
        return _answer(400, 2001, str(error))
    return _answer(400, 2000, str(error))


async def _invalid_request(_: Request, error: Any) -> JSONResponse:
    problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    return _answer(400, 2001, f"invalid or missing parameters: {problems}"[:500])


async def _http_error(_: Request, error: Any) -> JSONResponse:
    return _answer(error.status_code, 2000, str(error.detail))


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    log.exception("OCPI request failed", exc_info=error)
    return _answer(500, 3000, "internal error")
