"""The operator REST API: ``create_api`` builds the FastAPI app over the services."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

import kilowatt
from kilowatt.api.deps import Backend, require_key
from kilowatt.api.routes import (
    alerts,
    availability,
    cdrs,
    charge_codes,
    commands,
    device_model,
    driver_accounts,
    driver_payments,
    driver_roaming,
    driver_sessions,
    driver_tokens,
    driver_vehicles,
    evses,
    health,
    invoices,
    local_lists,
    locations,
    maintenance,
    payment_webhooks,
    payments,
    reservations,
    station_logs,
    stations,
    subscriptions,
    tariffs,
    tickets,
    tokens,
    transactions,
)
from kilowatt.api.routes import roaming as roaming_routes
from kilowatt.domain.errors import (
    AccessDenied,
    Conflict,
    DomainError,
    InvalidValue,
    NotFound,
    StationOffline,
    StationRefused,
    StationTimeout,
)
from kilowatt.domain.payments import PaymentDeclined
from kilowatt.domain.roaming import PartnerFailed
from kilowatt.ports import Queries, StationGateway
from kilowatt.services.context import ServiceContext
from kilowatt.services.drivers import DriverContext
from kilowatt.services.invoices import InvoiceContext
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.subscriptions import SubscriptionContext

__all__ = ["create_api"]

_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (InvalidValue, 422),
    (AccessDenied, 403),
    (StationOffline, 409),
    (StationTimeout, 504),
    (StationRefused, 502),
    (PartnerFailed, 502),  # roaming (issue 6)
    (PaymentDeclined, 402),  # payments (issue 7): the provider's reason, for the driver
]


def create_api(
    ctx: ServiceContext,
    queries: Queries,
    gateway: StationGateway,
    *,
    call_timeout_s: float = 30.0,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    drivers: DriverContext | None = None,
    payments_on: PaymentContext | None = None,
    subscriptions_on: SubscriptionContext | None = None,
    invoices_on: InvoiceContext | None = None,
) -> FastAPI:
    """The API; with ``drivers``, also the driver API (``/api/v1/driver``, driver sessions);
    with ``payments_on``, saved cards, holds at app starts, refunds and Stripe's webhook."""
    app = FastAPI(
        title="Kilowatt",
        version=kilowatt.__version__,
        description="Operator API of the Kilowatt charging station management system.",
        lifespan=lifespan,
    )
    app.state.backend = Backend(ctx, queries, gateway, call_timeout_s)
    app.add_exception_handler(DomainError, _domain_error)
    app.include_router(health.router, prefix="/api/v1")
    secured = [Depends(require_key)]
    for module in (
        locations,
        stations,
        evses,
        charge_codes,  # issue 7: the QR code of each EVSE's ad hoc page
        station_logs,
        commands,
        tokens,
        transactions,
        tariffs,
        cdrs,
    ):
        app.include_router(module.router, prefix="/api/v1", dependencies=secured)
    for module in (alerts, availability, tickets):  # monitoring (issue 4)
        app.include_router(module.router, prefix="/api/v1", dependencies=secured)
    for extra in (device_model, local_lists, reservations, maintenance):
        app.include_router(extra.router, prefix="/api/v1", dependencies=secured)
    if drivers is not None:  # drivers and payments (issue 7): signed in as a driver, not a key
        app.state.drivers = drivers
        for module in (driver_accounts, driver_tokens, driver_sessions):
            app.include_router(module.router, prefix="/api/v1")
    app.include_router(roaming_routes.router, prefix="/api/v1", dependencies=secured)  # issue 6
    if payments_on is not None:  # payments (issue 7)
        app.state.payments = payments_on
        app.include_router(payments.router, prefix="/api/v1", dependencies=secured)
        app.include_router(payment_webhooks.router, prefix="/api/v1")
        if drivers is not None:
            app.include_router(driver_payments.router, prefix="/api/v1")
    if subscriptions_on is not None:
        app.state.subscriptions = subscriptions_on
        app.include_router(subscriptions.operator, prefix="/api/v1")
        if drivers is not None:
            app.include_router(subscriptions.driver, prefix="/api/v1")
    if invoices_on is not None:  # postpaid invoices (issue 7)
        app.state.invoices = invoices_on
        app.include_router(invoices.operator, prefix="/api/v1")
        if drivers is not None:
            app.include_router(invoices.driver, prefix="/api/v1")
    if drivers is not None:  # issue 6: drivers charging at partner CPOs
        app.include_router(driver_roaming.router, prefix="/api/v1")
    if drivers is not None:  # driver vehicles (issue 7)
        app.include_router(driver_vehicles.router, prefix="/api/v1")
    return app


async def _domain_error(_: Request, error: Any) -> JSONResponse:
    status = next((code for kind, code in _STATUS if isinstance(error, kind)), 400)
    return JSONResponse({"detail": str(error), "error": type(error).__name__}, status)
