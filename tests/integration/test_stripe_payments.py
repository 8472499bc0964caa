"""The Stripe payment gateway against localstripe (a fake, stateful Stripe server from PyPI,
started on a free loopback port): holds, declines, partial capture, release and refunds,
through Stripe's own SDK."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from kilowatt.adapters.stripe_payments import StripePayments
from kilowatt.domain.payments import PaymentDeclined
from kilowatt.ports import PaymentGateway, PaymentHold

API_KEY = "sk_test_kilowatt"
VISA, DECLINED_ON_CHARGE = "4242424242424242", "4000000000000341"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    port = _free_port()
    root = Path(__file__).parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.localstripe_server", str(port)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
async def gateway(localstripe_url: str) -> AsyncIterator[PaymentGateway]:
    payments = StripePayments(API_KEY, localstripe_url)
    try:
        yield payments
    finally:
        await payments.close()


@pytest.fixture
def stripe_js(localstripe_url: str) -> stripe.StripeClient:
    """Plays the app's side: only the provider sees card numbers, we get a payment method id."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": localstripe_url})


def tokenised(stripe_js: stripe.StripeClient, number: str) -> str:
    # a raw card number, as Stripe.js sends it (localstripe has no Stripe.js); never to us
    card: Any = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = stripe_js.v1.payment_methods.create({"type": "card", "card": card})
    return method.id


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
