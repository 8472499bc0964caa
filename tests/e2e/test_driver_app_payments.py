"""Payments in the signed-in driver app: the Payment page (saved cards; Stripe.js only with a
publishable key, nothing external otherwise) and receipts that show what the card paid and
what was refunded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import stripe

from tests.conftest import RunningServer, settings_for
from tests.driver_support import signed_up
from tests.e2e.payment_support import charged_session, paid, paid_api
from tests.e2e.test_driver_sessions import ok
from tests.stripe_support import API_KEY, localstripe_url, stripe_js

__all__ = ["localstripe_url", "paid", "paid_api", "stripe_js"]  # the fixtures, used by name


@pytest.fixture
async def keyed(database_url: str, localstripe_url: str) -> AsyncIterator[RunningServer]:
    """Payments on with a publishable key: the app may load Stripe.js."""
    settings = settings_for(
        database_url,
        stripe_secret_key=API_KEY,
        stripe_api_base=localstripe_url,
        stripe_publishable_key="pk_test_kilowatt",
        preauth_amount=Decimal("5.00"),
    )
    running = RunningServer(settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_receipts_show_what_the_card_paid_and_what_was_refunded(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada, payment = await charged_session(paid, paid_api, caplog, stripe_js, "CP-RCPT")
    cdr_id = payment["cdr_id"]
    async with ada.client(paid) as app:
        before = await app.get(f"/app/api/receipts/{cdr_id}")
        refunds = f"/api/v1/cdrs/{cdr_id}/refunds"
        headers = {"Idempotency-Key": "rcpt-0001"}
        await ok(paid_api.post(refunds, json={"amount_minor": 100}, headers=headers), 201)
        after = await app.get(f"/app/api/receipts/{cdr_id}")
        pdf = await app.get(f"/app/api/receipts/{cdr_id}/pdf")
    assert '<dd id="paid-captured">4.24 EUR</dd>' in before.text
    assert "paid-refunded" not in before.text
    assert '<dd id="paid-refunded">1.00 EUR</dd>' in after.text
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_the_payment_page_loads_stripe_js_only_with_a_publishable_key(
    keyed: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with keyed.client(None) as web:
        page = await web.get("/app/payment")
        find = await web.get("/app/")
    assert '<script src="https://js.stripe.com/v3/"></script>' in page.text
    assert 'data-stripe-key="pk_test_kilowatt"' in page.text
    assert "script-src 'self' https://js.stripe.com" in page.headers["content-security-policy"]
    assert "js.stripe.com" not in find.text  # the map and the rest stay offline
    ada = await signed_up(keyed, caplog, "ada@example.com")
    async with ada.client(keyed) as app:
        assert await ok(app.get("/api/v1/driver/payment-methods")) == []


async def test_without_a_publishable_key_the_payment_page_says_cards_cannot_be_added(
    paid: RunningServer,
) -> None:
    async with paid.client(None) as web:
        page = await web.get("/app/payment")
    assert page.status_code == 200 and 'id="cards"' in page.text
    assert "js.stripe.com" not in page.text + page.headers["content-security-policy"]
    assert 'id="no-card-form"' in page.text


async def test_without_payments_the_payment_page_says_so(server: RunningServer) -> None:
    async with server.client(None) as web:
        page = await web.get("/app/payment")
    assert 'id="payments-off"' in page.text and 'id="cards"' not in page.text


async def test_a_publishable_key_without_payments_loads_no_stripe_js(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    running = RunningServer(settings_for(database_url, stripe_publishable_key="pk_test_x"))
    await running.start()
    try:
        async with running.client(None) as web:
            page = await web.get("/app/payment")
    finally:
        await running.stop()
    assert "js.stripe.com" not in page.text + page.headers["content-security-policy"]
