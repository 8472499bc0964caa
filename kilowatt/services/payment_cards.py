"""A driver's customer at the payment provider and the cards saved there.

Card data never reaches Kilowatt: the app asks for a SetupIntent (``setup_card``), hands its
client secret to Stripe.js, and the card is saved at the provider; we only see its id, brand
and last four digits. The customer is made on first need, once per driver.
"""

from __future__ import annotations

from collections.abc import Sequence

from kilowatt.domain.errors import NotFound
from kilowatt.domain.payments import PaymentDeclined
from kilowatt.ports import SavedCard
from kilowatt.services.payment_context import PaymentContext

__all__ = ["card_for_hold", "cards_of", "customer_of", "remove_card", "set_default", "setup_card"]


async def customer_of(driver_id: str, pctx: PaymentContext) -> str:
    """The driver's (or ad hoc guest's) customer id, made now if a driver has none."""
    found = await pctx.store.customer(driver_id)
    if found is not None:
        return found
    async with pctx.ctx.uow() as uow:
        driver = await uow.drivers.get(driver_id)
        guest = await uow.guests.get(driver_id) if driver is None else None
    if guest is not None:
        return guest.customer  # an ad hoc guest: its customer was made with its card
    if driver is None:
        raise NotFound(f"no driver {driver_id}")
    made = await pctx.gateway.create_customer(driver.email, f"customer-{driver_id}")
    await pctx.store.add_customer(driver_id, made, pctx.ctx.clock.now())
    return await pctx.store.customer(driver_id) or made  # another request may have won


async def setup_card(driver_id: str, pctx: PaymentContext, request_key: str) -> str:
    """A SetupIntent's client secret, for the app to save a card with Stripe.js."""
    customer = await customer_of(driver_id, pctx)
    return await pctx.cards.setup_intent(customer, f"setup-{driver_id}-{request_key}")


async def cards_of(driver_id: str, pctx: PaymentContext) -> Sequence[SavedCard]:
    customer = await pctx.store.customer(driver_id)
    return [] if customer is None else await pctx.cards.cards(customer)


async def set_default(driver_id: str, card_id: str, pctx: PaymentContext) -> None:
    customer = await _owning_customer(driver_id, card_id, pctx)
    await pctx.cards.set_default(customer, card_id)


async def remove_card(driver_id: str, card_id: str, pctx: PaymentContext) -> None:
    await _owning_customer(driver_id, card_id, pctx)
    await pctx.cards.detach(card_id)


async def card_for_hold(customer: str, pctx: PaymentContext) -> str:
    """The default card, else the first saved one; PaymentDeclined when there is none."""
    cards = await pctx.cards.cards(customer)
    chosen = next((c for c in cards if c.default), cards[0] if cards else None)
    if chosen is None:
        raise PaymentDeclined("no saved card: add a card in the app first")
    return chosen.id


async def _owning_customer(driver_id: str, card_id: str, pctx: PaymentContext) -> str:
    """The driver's customer if the card is one of theirs; else 404, like a missing card."""
    customer = await pctx.store.customer(driver_id)
    if customer is None or card_id not in {c.id for c in await pctx.cards.cards(customer)}:
        raise NotFound(f"no card {card_id}")
    return customer
