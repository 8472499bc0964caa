"""A driver's charging: sessions (OCPI Session objects), start and stop from the app, CDRs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kilowatt.api.deps import BackendDep, Limit, Offset
from kilowatt.api.driver_deps import SignedInDriver
from kilowatt.api.invoice_deps import MaybeInvoices
from kilowatt.api.payment_deps import MaybePayments
from kilowatt.api.schemas.drivers import DriverSessionStart
from kilowatt.services import driver_sessions, session_stops
from kilowatt.services.driver_sessions import StartRequest

router = APIRouter(prefix="/driver", tags=["driver sessions"])


@router.get("/sessions")
async def list_sessions(
    driver: SignedInDriver, backend: BackendDep, limit: Limit = 50, offset: Offset = 0
) -> list[dict[str, Any]]:
    return await driver_sessions.sessions_of(
        driver.id, backend.ctx, backend.queries, limit=limit, offset=offset
    )


@router.get("/sessions/{session_id}")
async def get_session(
    session_id: str, driver: SignedInDriver, backend: BackendDep, pctx: MaybePayments
) -> dict[str, Any]:
    """The session as an OCPI Session; ``stopped_reason`` is added when payments stopped it
    (its top-up was refused): "stopped: your card was declined … (reason)"."""
    session = await driver_sessions.session_of(driver.id, session_id, backend.ctx)
    reason = await session_stops.stop_reason(session_id, pctx)
    return session if reason is None else session | {"stopped_reason": reason}


@router.post("/sessions", status_code=202)
async def start_session(
    body: DriverSessionStart,
    driver: SignedInDriver,
    backend: BackendDep,
    pctx: MaybePayments,
    ictx: MaybeInvoices,
) -> dict[str, Any]:
    """Ask the station to start with your app token; the station's answer is returned and the
    session shows in ``GET /driver/sessions`` once the station reports it. With payments on,
    your default card is held first: 402 with the reason if it is declined (not when you are
    postpaid: then the session is on your monthly invoice)."""
    request = StartRequest(body.station_id, body.evse_id)
    return await driver_sessions.start_session(
        driver.id,
        request,
        backend.ctx,
        backend.gateway,
        timeout_s=backend.call_timeout_s,
        payments=pctx,
        invoicing=ictx,
    )


@router.post("/sessions/{session_id}/stop", status_code=202)
async def stop_session(
    session_id: str, driver: SignedInDriver, backend: BackendDep
) -> dict[str, Any]:
    return await driver_sessions.stop_session(
        driver.id, session_id, backend.ctx, backend.gateway, timeout_s=backend.call_timeout_s
    )


@router.get("/cdrs")
async def list_cdrs(
    driver: SignedInDriver, backend: BackendDep, limit: Limit = 50, offset: Offset = 0
) -> list[dict[str, Any]]:
    found = await driver_sessions.cdrs_of(
        driver.id, backend.ctx, backend.queries, limit=limit, offset=offset
    )
    return [dict(record.body) for record in found]


@router.get("/cdrs/{cdr_id}")
async def get_cdr(cdr_id: str, driver: SignedInDriver, backend: BackendDep) -> dict[str, Any]:
    record = await driver_sessions.cdr_of(driver.id, cdr_id, backend.ctx, backend.queries)
    return dict(record.body)
