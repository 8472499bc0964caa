"""Payments for the operator: a session's or CDR's payments, refunds against a CDR (roles
admin, operator and support), and a reconcile with Stripe on demand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from kilowatt.api.deps import Principal
from kilowatt.api.payment_deps import PaymentsDep
from kilowatt.api.schemas.payments import PaymentPublic, RefundCreate, RefundPublic
from kilowatt.services import payment_settlement, refunds
from kilowatt.services.refunds import RefundRequest

router = APIRouter(tags=["payments"])


@router.get("/sessions/{session_id}/payments")
async def session_payments(session_id: str, pctx: PaymentsDep) -> list[PaymentPublic]:
    return [PaymentPublic.of(p) for p in await pctx.store.of_transaction(session_id)]


@router.get("/cdrs/{cdr_id}/refunds")
async def cdr_refunds(cdr_id: str, pctx: PaymentsDep) -> list[RefundPublic]:
    return [RefundPublic.of(r) for r in await refunds.refunds_of_cdr(cdr_id, pctx)]


@router.post("/cdrs/{cdr_id}/refunds", status_code=201)
async def refund_cdr(
    cdr_id: str,
    body: RefundCreate,
    key: Principal,
    pctx: PaymentsDep,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=64)],
) -> list[RefundPublic]:
    """Give back part (``amount_minor``) or all of what was captured for the CDR; the same
    ``Idempotency-Key`` again returns the refunds made the first time."""
    request = RefundRequest(
        cdr_id, body.amount_minor, idempotency_key, key.name, key.role, body.reason
    )
    return [RefundPublic.of(r) for r in await refunds.refund(request, pctx)]


@router.post("/payments/reconcile")
async def reconcile(pctx: PaymentsDep) -> dict[str, int]:
    """Ask Stripe about every authorized payment and settle those whose CDR exists."""
    return {"changed": await payment_settlement.reconcile(pctx)}
