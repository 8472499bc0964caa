"""Stripe's webhook: no API key, the ``Stripe-Signature`` header is the credential."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request

from kilowatt.api.payment_deps import PaymentsDep
from kilowatt.api.schemas.payments import WebhookAnswer
from kilowatt.domain.errors import AccessDenied
from kilowatt.services import payment_settlement, subscriptions
from kilowatt.services.subscriptions import SubscriptionContext

router = APIRouter(tags=["payments"])


@router.post("/payments/stripe/webhook")
async def stripe_webhook(
    request: Request,
    pctx: PaymentsDep,
    stripe_signature: Annotated[str, Header(max_length=2048)] = "",
) -> WebhookAnswer:
    """Verified with the endpoint's signing secret (400 if not); each event id once."""
    payload = await request.body()
    sctx: SubscriptionContext | None = getattr(request.app.state, "subscriptions", None)
    also = None if sctx is None else functools.partial(subscriptions.on_provider_event, sctx=sctx)
    try:
        answer = await payment_settlement.handle_webhook(payload, stripe_signature, pctx, also)
    except AccessDenied as error:
        raise HTTPException(400, str(error)) from error
    return WebhookAnswer(received=answer)
