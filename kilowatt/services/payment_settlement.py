"""Settling a paid session at its CDR, and keeping payments in step with the provider.

``settle``: the CDR total (incl. VAT, in minor units) is spread over the session's holds in
order; each hold is captured for its share and the rest of it released (a zero share
releases it all). Should the total exceed every hold (a top-up was refused, a hold was
released or expired), the rest is charged apart (a SHORTFALL hold captured at once), so the
captures add up to exactly the CDR total. Settling twice changes nothing: what was captured
already counts, and the shortfall's idempotency key is the CDR's.

``reconcile`` asks the provider about every authorized payment (a webhook may be lost) and
then settles those whose CDR was issued (or, at a partner CPO, received) while nothing
settled it (a crash, a restart). A start hold no session claimed within a day is released.
``handle_webhook`` applies a verified provider event once per event id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

from kilowatt.domain.errors import NotFound
from kilowatt.domain.payments import HoldKind, Payment, PaymentState, split, to_minor
from kilowatt.ports import CdrRecord, ProviderEvent
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.payments import hold_card, release

__all__ = ["capture_total", "handle_webhook", "reconcile", "settle"]

log = logging.getLogger(__name__)


async def settle(cdr_id: str, pctx: PaymentContext) -> list[Payment]:
    """Capture exactly the CDR's total over the session's holds; the payments touched."""
    async with pctx.ctx.uow() as uow:
        record = await uow.cdrs.get(cdr_id)
    if record is None:
        raise NotFound(f"no CDR {cdr_id}")
    if record.credit:
        return []
    async with pctx.locks.hold(record.transaction_pk):
        return await _settle(record, pctx)


async def _settle(record: CdrRecord, pctx: PaymentContext) -> list[Payment]:
    payments = list(await pctx.store.of_transaction(record.transaction_pk))
    if not payments:
        return []  # not a session paid from the app
    total_minor = to_minor(_total(record), str(record.body["currency"]))
    return await capture_total(payments, str(record.body["id"]), total_minor, pctx)


async def capture_total(
    payments: list[Payment], cdr_id: str, total_minor: int, pctx: PaymentContext
) -> list[Payment]:
    """Spread ``total_minor`` over one session's ``payments`` (see the module's docstring);
    the caller holds the session's lock."""
    holds = [p for p in payments if p.state is PaymentState.AUTHORIZED]
    now = pctx.ctx.clock.now()
    taken = sum(p.captured_minor for p in payments if p.state is not PaymentState.AUTHORIZED)
    remaining = total_minor - taken
    await _file_under(payments, cdr_id, pctx)
    if remaining <= 0 and not holds:
        return []  # settled already (a replayed CdrIssued, the sweep after the handler)
    shares = split(max(remaining, 0), [p.authorized_minor for p in holds])
    for payment, share in zip(holds, shares, strict=True):
        if share:
            await pctx.gateway.capture(payment.reference, share, f"capture-{payment.id}")
        else:
            await pctx.gateway.release(payment.reference, f"release-{payment.id}")
        payment.capture(share, cdr_id, now)
        await pctx.store.save(payment)
    shortfall = remaining - sum(shares)
    if shortfall > 0:  # a refused top-up, a hold released or expired before the CDR
        holds.append(await _charge_shortfall(payments[0], cdr_id, shortfall, pctx))
    return holds


async def _file_under(payments: list[Payment], cdr_id: str, pctx: PaymentContext) -> None:
    """Payments captured outside ``settle`` (seen by a webhook or a poll) get the CDR too."""
    for payment in payments:
        if payment.state is PaymentState.CAPTURED and payment.cdr_id is None:
            payment.cdr_id = cdr_id
            await pctx.store.save(payment)


async def _charge_shortfall(
    first: Payment, cdr_id: str, amount_minor: int, pctx: PaymentContext
) -> Payment:
    payment = await hold_card(first.driver_id, f"shortfall-{cdr_id}", amount_minor, pctx)
    payment.kind, payment.transaction_pk = HoldKind.SHORTFALL, first.transaction_pk
    payment.station_id, payment.evse_id = first.station_id, first.evse_id
    payment.roaming_partner, payment.roaming_session = first.roaming_partner, first.roaming_session
    await pctx.store.save(payment)  # held: if the capture fails, the sweep captures it
    await pctx.gateway.capture(payment.reference, amount_minor, f"capture-{payment.id}")
    payment.capture(amount_minor, cdr_id, pctx.ctx.clock.now())
    await pctx.store.save(payment)
    return payment


def _total(record: CdrRecord) -> Decimal:
    cost = record.body["total_cost"]
    return Decimal(str(cost.get("incl_vat", cost["excl_vat"])))


async def reconcile(
    pctx: PaymentContext,
    limit: int = 200,
    partner: Callable[[Payment], Awaitable[int]] | None = None,
) -> int:
    """Follow the provider for every authorized payment, then settle the ones whose CDR
    exists (``partner`` settles those of sessions at partner CPOs); how many changed."""
    changed = 0
    for payment in await pctx.store.authorized(limit):
        status = await pctx.lookup.intent(payment.reference)
        if payment.observe(status.status, status.received_minor, pctx.ctx.clock.now()):
            await pctx.store.save(payment)
            changed += 1
    for payment in await pctx.store.authorized(limit):
        if payment.roaming_session is not None:
            changed += await partner(payment) if partner is not None else 0
        else:
            changed += await _settle_if_billed(payment, pctx)
    return changed


async def _settle_if_billed(payment: Payment, pctx: PaymentContext) -> int:
    if payment.transaction_pk is None:
        return await _release_if_stale(payment, pctx)
    async with pctx.ctx.uow() as uow:
        issued = [r for r in await uow.cdrs.of_transaction(payment.transaction_pk) if not r.credit]
    if not issued:
        return 0
    latest = max(issued, key=lambda r: r.revision)
    return len(await settle(str(latest.body["id"]), pctx))


async def _release_if_stale(payment: Payment, pctx: PaymentContext) -> int:
    """A start hold no transaction came for within a day: give it back."""
    age = pctx.ctx.clock.now() - payment.created_at
    if payment.kind is not HoldKind.START or age.total_seconds() < 24 * 3600:
        return 0
    await release(payment, pctx)
    return 1


async def handle_webhook(
    payload: bytes,
    signature: str,
    pctx: PaymentContext,
    also: Callable[[ProviderEvent], Awaitable[None]] | None = None,
) -> str:
    """Apply a provider event (AccessDenied on a bad signature): "processed", or "duplicate"
    for an event id seen before. State only moves forward, so order does not matter.
    ``also`` gets the event too (subscriptions)."""
    event = pctx.lookup.verify(payload, signature)
    if await pctx.store.seen_event(event.id):
        return "duplicate"
    if also is not None:
        await also(event)
    if event.intent is not None:
        payment = await pctx.store.by_reference(event.intent.reference)
        now = pctx.ctx.clock.now()
        if payment is not None and payment.observe(
            event.intent.status, event.intent.received_minor, now
        ):
            await pctx.store.save(payment)
            log.info("payment %s is %s (webhook %s)", payment.id, payment.state, event.id)
    await pctx.store.add_event(event.id, pctx.ctx.clock.now())
    return "processed"
