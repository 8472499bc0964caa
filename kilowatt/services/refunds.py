"""Refunds by an operator or support, against a CDR: full or partial, never above what was
captured for it (Kilowatt checks; the provider may not), once per idempotency key.

A refund is spread over the session's captured payments, latest first; each part is its
own provider refund, recorded with the operator's key, the payment and the CDR.

The CDR is one of ours (its id is its transaction's) or a partner CPO's, for a session our
driver paid by card while roaming: ``{country}:{party}:{cdr id}``, whose payments are those
captured for it (``roaming_payments``). Both go through the same refund below.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from kilowatt.domain.errors import AccessDenied, Conflict, InvalidValue, NotFound
from kilowatt.domain.payments import Payment, PaymentRefund, PaymentState, split
from kilowatt.services.payment_context import PaymentContext

__all__ = [
    "REFUND_ROLES",
    "RefundRequest",
    "is_partner_cdr",
    "refund",
    "refunds_of",
    "refunds_of_cdr",
]

#: Operator API key roles that may give money back.
REFUND_ROLES = frozenset({"admin", "operator", "support"})


@dataclass(frozen=True, slots=True)
class RefundRequest:
    cdr_id: str
    amount_minor: int | None  # None: all that is left to refund
    idempotency_key: str
    requested_by: str  # the API key's name
    role: str
    reason: str | None = None


async def refund(request: RefundRequest, pctx: PaymentContext) -> Sequence[PaymentRefund]:
    """The refunds made (or, for a key seen before, the ones made then)."""
    if request.role not in REFUND_ROLES:
        raise AccessDenied(f"the {request.role} role may not refund")
    session = await _session_of(request.cdr_id, pctx)
    async with pctx.locks.hold(session.lock_key):
        done = await pctx.store.refund_by_key(request.idempotency_key)
        if done:
            return done
        payments = await session.payments(pctx)
        if not any(p.captured_minor for p in payments):
            raise Conflict(f"nothing was captured for CDR {request.cdr_id}: no refund to give")
        captured = _refundable(payments)
        left = sum(p.refundable_minor for p in captured)
        amount = left if request.amount_minor is None else request.amount_minor
        if not 0 < amount <= left:
            raise InvalidValue(f"a refund of this CDR is 1 to {left} minor units, not {amount}")
        shares = split(amount, [p.refundable_minor for p in captured])
        return [
            await _refund_part(payment, share, request, pctx)
            for payment, share in zip(captured, shares, strict=True)
            if share
        ]


async def _refund_part(
    payment: Payment, amount_minor: int, request: RefundRequest, pctx: PaymentContext
) -> PaymentRefund:
    key = f"refund-{request.idempotency_key}-{payment.id}"
    reference = await pctx.gateway.refund(payment.reference, amount_minor, key)
    now = pctx.ctx.clock.now()
    payment.refund(amount_minor, now)
    made = PaymentRefund(
        str(uuid.uuid4()),
        payment.id,
        request.cdr_id,
        amount_minor,
        reference,
        request.idempotency_key,
        request.requested_by,
        now,
        request.reason,
    )
    await pctx.store.add_refund(made, payment)
    return made


async def refunds_of(payments: Sequence[Payment], pctx: PaymentContext) -> Sequence[PaymentRefund]:
    return await pctx.store.refunds([p.id for p in payments])


def _refundable(payments: Sequence[Payment]) -> list[Payment]:
    """Captured payments with something left to give back, latest first."""
    found = [p for p in payments if p.state is PaymentState.CAPTURED and p.refundable_minor]
    return sorted(found, key=lambda p: (p.created_at, p.id), reverse=True)


@dataclass(frozen=True, slots=True)
class _CdrSession:
    """Whose payments a CDR settled: our transaction's, or a partner CDR's (by its key)."""

    lock_key: str  # the one settling holds too, so a refund never races a capture
    transaction_pk: str | None
    cdr_id: str

    async def payments(self, pctx: PaymentContext) -> Sequence[Payment]:
        if self.transaction_pk is not None:
            return await pctx.store.of_transaction(self.transaction_pk)
        return await pctx.store.of_cdr(self.cdr_id)


def is_partner_cdr(cdr_id: str) -> bool:
    """A partner CPO's CDR is known as ``{country}:{party}:{id}``; ours have no colon."""
    return ":" in cdr_id


async def _session_of(cdr_id: str, pctx: PaymentContext) -> _CdrSession:
    if is_partner_cdr(cdr_id):
        paid = await pctx.store.of_cdr(cdr_id)
        if not paid:  # a partner CDR we never took a card payment for is not ours to refund
            raise NotFound(f"no CDR {cdr_id} paid by card")
        return _CdrSession(paid[0].roaming_session or cdr_id, None, cdr_id)
    async with pctx.ctx.uow() as uow:
        record = await uow.cdrs.get(cdr_id)
    if record is None or record.credit:
        raise NotFound(f"no CDR {cdr_id}")
    return _CdrSession(record.transaction_pk, record.transaction_pk, cdr_id)


async def refunds_of_cdr(cdr_id: str, pctx: PaymentContext) -> Sequence[PaymentRefund]:
    """Every refund made against the CDR's session (404 for no such CDR)."""
    session = await _session_of(cdr_id, pctx)
    return await refunds_of(await session.payments(pctx), pctx)
