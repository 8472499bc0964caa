"""The app's Payment page in a real browser (Playwright on Debian's chromium): a signed-in
driver sees the saved card, makes it the default, adds a second one through "Stripe.js" and
removes one. Stripe.js is stood in for by the test (see test_adhoc_browser); the app has no
hook for it."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe
from playwright.async_api import expect

from tests.conftest import RunningServer
from tests.driver_support import simulated_station
from tests.e2e.payment_support import driver_with_card
from tests.e2e.test_adhoc import adhoc_site
from tests.e2e.test_adhoc_browser import _stripe_js, keyed
from tests.e2e.test_driver_app_browser import CHROMIUM, browser_page, shot
from tests.stripe_support import DECLINED_ON_CHARGE, VISA, localstripe_url, stripe_js, tokenised
from tests.support import eventually

__all__ = ["keyed", "localstripe_url", "stripe_js"]  # the fixtures, used by name

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

MASTERCARD = "5555555555554444"


async def test_a_driver_manages_saved_cards_on_the_payment_page(
    keyed: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> None:
    ada = await driver_with_card(keyed, caplog, stripe_js, "ada@example.com", VISA)
    base = keyed.base_url
    async with browser_page() as page:
        await page.route("https://js.stripe.com/**", _stripe_js)
        await page.goto(f"{base}/app/")
        await page.evaluate(f"localStorage.setItem('kilowatt.driverToken', '{ada.session_token}')")
        await page.goto(f"{base}/app/payment")
        cards = page.locator(".card-item")
        await expect(cards).to_have_count(1)
        await expect(cards.first).to_contain_text("4242")
        await cards.first.locator("button.make-default").click()
        await expect(cards.first).to_contain_text("(default)")

        await page.click("#add-card")  # Stripe.js confirms; then the list has both cards
        secret = await eventually(
            lambda: page.evaluate("window.setupSecret || null"), bool, timeout_s=10
        )
        intent = stripe_js.v1.setup_intents.retrieve(str(secret).split("_secret_")[0])
        assert isinstance(intent.customer, str)
        card = tokenised(stripe_js, MASTERCARD)  # Stripe attaches it; localstripe does not
        stripe_js.v1.payment_methods.attach(card, {"customer": intent.customer})
        await page.evaluate("window.cardConfirmed()")
        await expect(cards).to_have_count(2)
        await expect(page.locator("#message")).to_contain_text("Card saved")
        await shot(page, "payment-cards")

        await page.locator(".card-item", has_text="4444").locator("button.remove").click()
        await expect(cards).to_have_count(1)
        await expect(cards.first).to_contain_text("4242")


async def test_a_declined_card_at_start_is_explained_with_the_providers_reason(
    keyed: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> None:
    ada = await driver_with_card(keyed, caplog, stripe_js, "ada@example.com", DECLINED_ON_CHARGE)
    async with keyed.client() as api:
        await adhoc_site(api, "CP-DECB")
    base = keyed.base_url
    async with simulated_station(keyed, "CP-DECB"), browser_page() as page:
        await page.goto(f"{base}/app/")
        await page.evaluate(f"localStorage.setItem('kilowatt.driverToken', '{ada.session_token}')")
        await page.goto(f"{base}/app/locations/AMS-1")
        start = page.locator("button.start").first
        await expect(start).to_be_enabled(timeout=15_000)
        await start.click()
        message = page.locator("#message")
        await expect(message).to_contain_text("Payment declined:")
        await expect(message).to_contain_text("declined")
        await expect(message).to_contain_text("Payment page")
        await expect(start).to_be_enabled()  # the driver may try again with another card
        await shot(page, "payment-declined")
