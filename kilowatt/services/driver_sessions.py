"""What a driver sees and does with charging: their sessions (OCPI Session objects with the
cost so far), their CDRs, and starting or stopping a session from the app.

Everything is filtered by the driver's own tokens. A session or CDR of another driver is
"not found" (404), exactly like one that does not exist, so ids do not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kilowatt.domain.errors import Conflict, NotFound, UnknownTransaction
from kilowatt.domain.transactions import Transaction
from kilowatt.ports import CdrFilter, CdrRecord, Queries, StationGateway
from kilowatt.services import billing, remote_control, remote_starts
from kilowatt.services.context import ServiceContext
from kilowatt.services.driver_tokens import app_token, tokens_of
from kilowatt.services.invoices import InvoiceContext, is_postpaid
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.payments import start_paid as paid_start
from kilowatt.services.remote_control import RemoteStart, RemoteStop

__all__ = [
    "StartRequest",
    "cdr_of",
    "cdrs_of",
    "session_of",
    "sessions_of",
    "start_session",
    "stop_session",
]

# The OCPP 2.0.1 IdTokenEnumType of an app token: the central system vouches for it.
_APP_TOKEN_TYPE = "Central"


@dataclass(frozen=True, slots=True)
class StartRequest:
    """Start charging at one EVSE of one of our stations with the driver's app token."""

    station_id: str
    evse_id: int


async def sessions_of(
    driver_id: str, ctx: ServiceContext, queries: Queries, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The driver's sessions as OCPI Session objects, newest first."""
    found: list[Transaction] = []
    for token in await tokens_of(driver_id, ctx):
        found += await queries.transactions(
            station_id=None, status=None, id_token=token.uid, limit=limit + offset, offset=0
        )
    found.sort(key=lambda t: (t.started_at, t.pk), reverse=True)
    page = found[offset : offset + limit]
    return [await billing.session_object(t.station_id, t.transaction_id, ctx) for t in page]


async def session_of(driver_id: str, session_id: str, ctx: ServiceContext) -> dict[str, Any]:
    transaction = await _owned_transaction(driver_id, session_id, ctx)
    return await billing.session_object(transaction.station_id, transaction.transaction_id, ctx)


async def cdrs_of(
    driver_id: str, ctx: ServiceContext, queries: Queries, *, limit: int, offset: int
) -> list[CdrRecord]:
    """The driver's CDRs (credit CDRs included), newest first."""
    found: list[CdrRecord] = []
    for token in await tokens_of(driver_id, ctx):
        found += await queries.cdrs(CdrFilter(id_token=token.uid), limit=limit + offset, offset=0)
    found.sort(key=lambda r: (str(r.body["end_date_time"]), str(r.body["id"])), reverse=True)
    return found[offset : offset + limit]


async def cdr_of(driver_id: str, cdr_id: str, ctx: ServiceContext, queries: Queries) -> CdrRecord:
    record = await queries.cdr(cdr_id)
    if record is None or not await _owns(driver_id, record.id_token, ctx):
        raise NotFound(f"no CDR {cdr_id}")
    return record


async def start_session(
    driver_id: str,
    request: StartRequest,
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
    payments: PaymentContext | None = None,
    invoicing: InvoiceContext | None = None,
) -> dict[str, Any]:
    """Ask the station to start with the driver's app token; returns the station's answer.

    The session appears among the driver's sessions once the station reports the start.
    With ``payments`` (Stripe configured), the driver's card is held first: a declined card
    raises PaymentDeclined and the station is not asked. A postpaid driver (``invoicing``)
    is never held: their CDRs go on their monthly invoice.
    """
    await _require_evse(request, ctx)
    token = await app_token(driver_id, ctx)
    start = RemoteStart(token.uid, request.evse_id, id_token_type=_APP_TOKEN_TYPE)
    if payments is not None and not (invoicing and await is_postpaid(driver_id, invoicing)):
        return await paid_start(
            driver_id, request.station_id, start, payments, gateway, timeout_s=timeout_s
        )
    # Recorded as a remote start, so that a 1.6 start is linked to it (auth_method COMMAND)
    answer, _ = await remote_starts.start(
        request.station_id, start, ctx, gateway, timeout_s=timeout_s
    )
    return answer


async def stop_session(
    driver_id: str,
    session_id: str,
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
) -> dict[str, Any]:
    """Ask the station to stop one of the driver's running sessions."""
    transaction = await _owned_transaction(driver_id, session_id, ctx)
    if not transaction.is_active:
        raise Conflict(f"session {session_id} has already ended")
    stop = RemoteStop(transaction.transaction_id)
    return await remote_control.send(
        transaction.station_id, stop, ctx, gateway, timeout_s=timeout_s
    )


async def _require_evse(request: StartRequest, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        station = await uow.stations.get(request.station_id)
    if station is None or station.evse(request.evse_id) is None:
        raise NotFound(f"no EVSE {request.evse_id} at station {request.station_id}")


async def _owned_transaction(driver_id: str, session_id: str, ctx: ServiceContext) -> Transaction:
    async with ctx.uow() as uow:
        transaction = await uow.transactions.by_pk(session_id)
    if transaction is None or not await _owns(driver_id, transaction.id_token, ctx):
        raise UnknownTransaction(f"no session {session_id}")
    return transaction


async def _owns(driver_id: str, uid: str | None, ctx: ServiceContext) -> bool:
    if uid is None:
        return False
    async with ctx.uow() as uow:
        return await uow.drivers.owner_of(uid) == driver_id
