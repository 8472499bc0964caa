"""Pay-as-you-go from the app: a hold before the station is asked to start, more holds
(top-ups) while a long session runs, and what a driver sees of their payments.

    start from the app ──▶ hold (PaymentIntent, manual capture, off session, default card)
        declined ──▶ 402 with the provider's reason, the station is never asked
        station refuses / cannot be reached ──▶ the hold is released
        accepted ──▶ the transaction that starts is linked to the hold
    meter values ──▶ cost so far within the threshold of the holds ──▶ one more hold (top-up)
        top-up declined ──▶ the session is stopped (it could not be paid), and why is kept
            on its latest hold for the driver (``Payment.stop_reason``)
    CDR issued ──▶ ``payment_settlement.settle``

Provider calls happen outside any unit of work; every hold carries an idempotency key.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from kilowatt.domain.payments import HoldKind, Payment, PaymentState, to_minor_up
from kilowatt.domain.remote_starts import LINK_WINDOW
from kilowatt.domain.transactions import Transaction
from kilowatt.ports import PaymentHold, StationGateway
from kilowatt.services import remote_starts
from kilowatt.services.billing import price_transaction
from kilowatt.services.payment_cards import card_for_hold, customer_of
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.remote_control import RemoteStart, RemoteStop, send

__all__ = [
    "give_back",
    "hold_card",
    "link",
    "new_key",
    "payments_of",
    "place_hold",
    "release",
    "start_paid",
    "top_up",
    "top_up_or_stop",
]

log = logging.getLogger(__name__)

_STARTED = "Accepted"


@dataclasses.dataclass(frozen=True, slots=True)
class _Where:
    station_id: str
    evse_id: int | None
    remote_start_id: int


async def start_paid(
    driver_id: str,
    station_id: str,
    start: RemoteStart,
    pctx: PaymentContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
) -> dict[str, Any]:
    """Hold on the driver's card, then ask the station; the station's answer.

    Raises PaymentDeclined (nothing was sent to the station) when the hold is refused.
    """
    async with pctx.ctx.uow() as uow:
        start_id = await uow.remote_starts.next_id()
    where = _Where(station_id, start.evse_id, start_id)
    payment = await _hold(driver_id, where, pctx)
    request = dataclasses.replace(start, remote_start_id=start_id)
    try:
        answer, _ = await remote_starts.start(
            station_id, request, pctx.ctx, gateway, timeout_s=timeout_s
        )
    except BaseException:
        await give_back(payment, pctx)
        raise
    if answer.get("status") != _STARTED:
        await give_back(payment, pctx)
    return answer


async def give_back(payment: Payment, pctx: PaymentContext) -> None:
    """Release the hold of a start that did not happen; should Stripe fail now, the sweep
    releases it later (a start hold no transaction claimed), so the start's own error wins."""
    try:
        await release(payment, pctx)
    except Exception:
        log.exception("releasing hold %s failed; the sweep releases it later", payment.id)


async def _hold(driver_id: str, where: _Where, pctx: PaymentContext) -> Payment:
    key = f"hold-{where.station_id}-{where.remote_start_id}-{uuid.uuid4().hex[:8]}"
    payment = await hold_card(driver_id, key, pctx.policy.preauth_minor, pctx)
    payment.station_id, payment.evse_id = where.station_id, where.evse_id
    payment.remote_start_id = where.remote_start_id
    await pctx.store.save(payment)
    return payment


async def hold_card(driver_id: str, key: str, amount_minor: int, pctx: PaymentContext) -> Payment:
    """A hold on the driver's default card (PaymentDeclined if refused), not yet saved."""
    customer = await customer_of(driver_id, pctx)
    card = await card_for_hold(customer, pctx)
    return await place_hold(driver_id, customer, card, key, amount_minor, pctx)


async def place_hold(
    driver_id: str, customer: str, card: str, key: str, amount_minor: int, pctx: PaymentContext
) -> Payment:
    """A hold at the provider (PaymentDeclined if refused), not yet saved."""
    currency, now = pctx.policy.currency, pctx.ctx.clock.now()
    hold = PaymentHold(customer, card, amount_minor, currency, key)
    reference = await pctx.gateway.hold(hold)
    payment_id = str(uuid.uuid4())
    return Payment(
        payment_id, driver_id, reference, currency, amount_minor, now, now, idempotency_key=key
    )


async def release(payment: Payment, pctx: PaymentContext) -> None:
    """Give a hold back in full (a start that did not happen, a zero share of a total)."""
    await pctx.gateway.release(payment.reference, f"release-{payment.id}")
    payment.release(pctx.ctx.clock.now())
    await pctx.store.save(payment)


async def link(station_id: str, transaction_id: str, pctx: PaymentContext) -> Payment | None:
    """A transaction started: link the start hold that asked for it (2.0.1 echoes the
    remoteStartId; a 1.6 start is the driver's app token at that EVSE within the window).
    A released hold is linked too: its start came after all, and the CDR is still paid."""
    now = pctx.ctx.clock.now()
    async with pctx.ctx.uow() as uow:
        transaction = await uow.transactions.get(station_id, transaction_id)
        owner = None
        if transaction is not None and transaction.id_token is not None:
            owner = await uow.drivers.owner_of(transaction.id_token)
            if owner is None:  # an ad hoc guest's token: the guest pays like a driver
                guest = await uow.guests.by_token(transaction.id_token)
                owner = guest.id if guest is not None else None
    if transaction is None or owner is None:
        return None
    for payment in await pctx.store.unlinked(station_id):
        if _started_by(payment, owner, transaction, now):
            payment.transaction_pk = transaction.pk
            await pctx.store.save(payment)
            return payment
    return None


def _started_by(payment: Payment, owner: str, transaction: Transaction, now: datetime) -> bool:
    """2.0.1 echoes the remoteStartId; a 1.6 start is the hold's driver at its EVSE within
    the window of our own clock (a station's clock may be off)."""
    if transaction.remote_start_id is not None:
        return payment.remote_start_id == transaction.remote_start_id
    if payment.driver_id != owner or payment.evse_id not in (None, transaction.evse_id):
        return False
    return timedelta(0) <= now - payment.created_at <= LINK_WINDOW


async def top_up(
    station_id: str, transaction_id: str, pctx: PaymentContext, gateway: StationGateway
) -> Payment | None:
    """One more hold when the cost so far nears what is held (None: not needed); a declined
    top-up stops the session, since what comes next could not be paid."""
    async with pctx.ctx.uow() as uow:
        transaction = await uow.transactions.get(station_id, transaction_id)
        if transaction is None or not transaction.is_active:
            return None
        payments = await pctx.store.of_transaction(transaction.pk)
        if not payments:
            return None  # not a session paid from the app
        priced = await price_transaction(uow, pctx.ctx, transaction)
    if not await _still_running(transaction, pctx):
        return None  # it ended while we priced: the CDR settles it, no more holds
    total = priced.priced.cost.total_cost
    cost = total.incl_vat if total.incl_vat is not None else total.excl_vat
    held = sum(p.authorized_minor for p in payments if p.state is PaymentState.AUTHORIZED)
    if to_minor_up(cost, pctx.policy.currency) + pctx.policy.topup_threshold_minor < held:
        return None
    return await _place_top_up(payments, transaction, len(payments), pctx, gateway)


async def _still_running(transaction: Transaction, pctx: PaymentContext) -> bool:
    async with pctx.ctx.uow() as uow:
        found = await uow.transactions.by_pk(transaction.pk)
    return found is not None and found.is_active


async def _place_top_up(
    payments: Sequence[Payment],
    transaction: Transaction,
    number: int,
    pctx: PaymentContext,
    gateway: StationGateway,
) -> Payment | None:
    async def stop() -> None:
        request = RemoteStop(transaction.transaction_id)
        timeout_s = pctx.policy.call_timeout_s
        await send(transaction.station_id, request, pctx.ctx, gateway, timeout_s=timeout_s)

    key = f"top-up-{transaction.pk}-{number}"
    payment = await top_up_or_stop(payments, key, stop, pctx)
    if payment is None:
        return None
    payment.kind, payment.transaction_pk = HoldKind.TOP_UP, transaction.pk
    payment.station_id, payment.evse_id = transaction.station_id, transaction.evse_id
    await pctx.store.save(payment)
    return payment


async def top_up_or_stop(
    payments: Sequence[Payment],
    key: str,
    stop: Callable[[], Awaitable[object]],
    pctx: PaymentContext,
) -> Payment | None:
    """One more hold for a running session (not yet saved). Refused: why is kept on the
    session's latest hold, ``stop`` stops the session (what comes next could not be paid),
    and None."""
    driver_id = payments[0].driver_id
    customer = await customer_of(driver_id, pctx)
    try:
        card = await card_for_hold(customer, pctx)
        return await place_hold(driver_id, customer, card, key, pctx.policy.preauth_minor, pctx)
    except Exception as refused:
        log.warning("top-up %s refused: stopping the session", key, exc_info=True)
        await _note_refusal(payments[-1], refused, pctx)
        await stop()
        return None


async def _note_refusal(latest: Payment, refused: Exception, pctx: PaymentContext) -> None:
    """Keep why the session is stopped (its top-up was refused) before it is stopped, so
    the live page that sees it end can say why."""
    latest.stopped(refused, pctx.ctx.clock.now())
    await pctx.store.save(latest)


async def payments_of(
    driver_id: str,
    pctx: PaymentContext,
    *,
    session_id: str | None = None,
    limit: int,
    offset: int,
) -> Sequence[Payment]:
    """The driver's own payments, newest first; never another driver's."""
    if session_id is None:
        return await pctx.store.of_driver(driver_id, limit, offset)
    found = [p for p in await pctx.store.of_transaction(session_id) if p.driver_id == driver_id]
    return sorted(found, key=lambda p: p.created_at, reverse=True)[offset : offset + limit]


def new_key() -> str:
    """A fresh idempotency key, for a request that came without one."""
    return uuid.uuid4().hex
