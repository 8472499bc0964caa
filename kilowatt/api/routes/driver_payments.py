"""A driver's saved cards (at Stripe, never here) and their payments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from kilowatt.api.deps import Limit, Offset
from kilowatt.api.driver_deps import SignedInDriver
from kilowatt.api.payment_deps import PaymentsDep
from kilowatt.api.schemas.payments import CardSetup, PaymentPublic, SavedCardPublic
from kilowatt.services import payment_cards, payments

router = APIRouter(prefix="/driver", tags=["driver payments"])

IdempotencyKey = Annotated[str | None, Header(max_length=64)]


@router.post("/cards/setup", status_code=201)
async def set_up_card(
    driver: SignedInDriver, pctx: PaymentsDep, idempotency_key: IdempotencyKey = None
) -> CardSetup:
    """A SetupIntent for Stripe.js to save a card with; the customer is made on first use."""
    key = idempotency_key or payments.new_key()
    return CardSetup(client_secret=await payment_cards.setup_card(driver.id, pctx, key))


@router.get("/payment-methods")
async def list_cards(driver: SignedInDriver, pctx: PaymentsDep) -> list[SavedCardPublic]:
    return [SavedCardPublic.of(card) for card in await payment_cards.cards_of(driver.id, pctx)]


@router.put("/payment-methods/{card_id}/default", status_code=204)
async def set_default(card_id: str, driver: SignedInDriver, pctx: PaymentsDep) -> None:
    await payment_cards.set_default(driver.id, card_id, pctx)


@router.delete("/payment-methods/{card_id}", status_code=204)
async def remove_card(card_id: str, driver: SignedInDriver, pctx: PaymentsDep) -> None:
    await payment_cards.remove_card(driver.id, card_id, pctx)


@router.get("/payments")
async def list_payments(
    driver: SignedInDriver,
    pctx: PaymentsDep,
    session_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[PaymentPublic]:
    """Your payments, newest first (``session_id``: those of one of your sessions)."""
    found = await payments.payments_of(
        driver.id, pctx, session_id=session_id, limit=limit, offset=offset
    )
    return [PaymentPublic.of(payment) for payment in found]
