"""The payment use cases' context, set on the app only when payments are on (Stripe key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kilowatt.domain.errors import NotFound
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.subscriptions import SubscriptionContext

__all__ = ["MaybePayments", "PaymentsDep", "SubscriptionsDep"]


def _maybe_payments(request: Request) -> PaymentContext | None:
    pctx: PaymentContext | None = getattr(request.app.state, "payments", None)
    return pctx


MaybePayments = Annotated[PaymentContext | None, Depends(_maybe_payments)]


def _payments(pctx: MaybePayments) -> PaymentContext:
    if pctx is None:
        raise NotFound("payments are off (no KILOWATT_STRIPE_SECRET_KEY)")
    return pctx


PaymentsDep = Annotated[PaymentContext, Depends(_payments)]


def _subscriptions(request: Request) -> SubscriptionContext:
    sctx: SubscriptionContext | None = getattr(request.app.state, "subscriptions", None)
    if sctx is None:
        raise NotFound("payments are off (no KILOWATT_STRIPE_SECRET_KEY)")
    return sctx


SubscriptionsDep = Annotated[SubscriptionContext, Depends(_subscriptions)]
