"""The Stripe payment gateway against localstripe (a fake, stateful Stripe server from PyPI,
started on a free loopback port): holds, declines, partial capture, release and refunds,
through Stripe's own SDK."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import stripe

from kilowatt.adapters.stripe_payments import StripePayments
from kilowatt.domain.payments import PaymentDeclined
from kilowatt.ports import PaymentGateway, PaymentHold
from tests.stripe_support import (
    API_KEY,
    DECLINED_ON_CHARGE,
    VISA,
    localstripe_url,
    stripe_js,
    tokenised,
)

__all__ = ["localstripe_url", "stripe_js"]  # the fixtures, used by name


@pytest.fixture
async def gateway(localstripe_url: str) -> AsyncIterator[PaymentGateway]:
    payments = StripePayments(API_KEY, localstripe_url)
    try:
        yield payments
    finally:
        await payments.close()


def key() -> str:
    return uuid.uuid4().hex


async def customer_with_card(
    gateway: PaymentGateway, stripe_js: stripe.StripeClient, number: str = VISA
) -> tuple[str, str]:
    customer = await gateway.create_customer("ada@example.com", key())
    method = tokenised(stripe_js, number)
    await gateway.attach_card(customer, method)
    return customer, method


async def test_a_hold_is_captured_for_the_exact_total_and_the_rest_released(
    gateway: PaymentGateway, stripe_js: stripe.StripeClient
) -> None:
    customer, method = await customer_with_card(gateway, stripe_js)
    reference = await gateway.hold(PaymentHold(customer, method, 5000, "EUR", key()))
    intent = stripe_js.v1.payment_intents.retrieve(reference)
    assert (intent.status, intent.amount, intent.capture_method) == (
        "requires_capture",
        5000,
        "manual",
    )

    await gateway.capture(reference, 424, key())
    intent = stripe_js.v1.payment_intents.retrieve(reference)
    assert intent.status == "succeeded"
    (charge,) = [c for c in stripe_js.v1.charges.list().data if c.payment_intent == reference]
    # localstripe, like Stripe, shows the released part as refunded on the charge
    assert charge.amount - charge.amount_refunded == 424


async def test_a_declined_card_places_no_hold_and_says_why(
    gateway: PaymentGateway, stripe_js: stripe.StripeClient
) -> None:
    customer, method = await customer_with_card(gateway, stripe_js, DECLINED_ON_CHARGE)
    with pytest.raises(PaymentDeclined, match="declined"):
        await gateway.hold(PaymentHold(customer, method, 5000, "EUR", key()))


async def test_a_released_hold_is_canceled(
    gateway: PaymentGateway, stripe_js: stripe.StripeClient
) -> None:
    customer, method = await customer_with_card(gateway, stripe_js)
    reference = await gateway.hold(PaymentHold(customer, method, 5000, "EUR", key()))
    await gateway.release(reference, key())
    assert stripe_js.v1.payment_intents.retrieve(reference).status == "canceled"


async def test_refunds_give_back_part_of_the_capture(
    gateway: PaymentGateway, stripe_js: stripe.StripeClient
) -> None:
    customer, method = await customer_with_card(gateway, stripe_js)
    reference = await gateway.hold(PaymentHold(customer, method, 5000, "EUR", key()))
    await gateway.capture(reference, 1000, key())
    first = await gateway.refund(reference, 300, key())
    second = await gateway.refund(reference, 200, key())
    (charge,) = [c for c in stripe_js.v1.charges.list().data if c.payment_intent == reference]
    refunds = stripe_js.v1.refunds.list({"limit": 100}).data
    amounts = {r.id: r.amount for r in refunds if r.charge == charge.id}
    # the 4000 not captured shows as a refund too, as in Stripe
    assert sorted(amounts.values()) == [200, 300, 4000]
    assert (amounts[first], amounts[second]) == (300, 200)
