"""Ad hoc charging in a real browser (Playwright on Debian's chromium): a passer-by opens an
EVSE's page (the QR code's URL) without an account, sees the ad hoc price, gives an email and
a card, and follows the session live at a simulated station until the receipt shows what the
card paid.

Stripe.js cannot load offline, so this test (and only this test) answers the request for
``js.stripe.com`` with a stand-in whose ``confirmCardSetup`` hands the SetupIntent's client
secret to the test, which confirms it at localstripe with the Stripe SDK, as Stripe.js would.
Nothing of this is in the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import stripe
from playwright.async_api import Route, expect

from kilowatt.adapters.clock import FixedClock
from tests.conftest import RunningServer, settings_for
from tests.driver_support import simulated_station
from tests.e2e.test_adhoc import adhoc_site
from tests.e2e.test_driver_app_browser import CHROMIUM, browser_page, shot
from tests.stripe_support import API_KEY, VISA, localstripe_url, stripe_js, tokenised
from tests.support import eventually

__all__ = ["localstripe_url", "stripe_js"]  # the fixtures, used by name

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

# The stand-in for Stripe.js: a card field, and a confirmation the test completes.
STRIPE_JS = """
window.Stripe = function () {
  return {
    elements: () => ({ create: () => ({ mount: (at) => {
      document.querySelector(at).textContent = "[card field]"; }, clear: () => {} }) }),
    confirmCardSetup: (secret) => new Promise((resolve) => {
      window.setupSecret = secret;
      window.cardConfirmed = () => resolve({ setupIntent: { status: "succeeded" } });
    }),
  };
};
"""


@pytest.fixture
async def keyed(database_url: str, localstripe_url: str) -> AsyncIterator[RunningServer]:
    settings = settings_for(
        database_url,
        stripe_secret_key=API_KEY,
        stripe_api_base=localstripe_url,
        stripe_publishable_key="pk_test_kilowatt",
        cdr_sweep_interval_s=3600,
    )
    running = RunningServer(settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def _stripe_js(route: Route) -> None:
    await route.fulfill(status=200, content_type="application/javascript", body=STRIPE_JS)


async def test_a_passer_by_pays_by_card_and_charges_without_an_account(
    keyed: RunningServer, stripe_js: stripe.StripeClient
) -> None:
    base = keyed.base_url
    async with keyed.client() as api:
        await adhoc_site(api, "CP-AHB")
    external: list[str] = []
    async with simulated_station(keyed, "CP-AHB"), browser_page() as page:
        page.on(
            "request",
            lambda request: None if request.url.startswith(base) else external.append(request.url),
        )
        await page.route("https://js.stripe.com/**", _stripe_js)
        await page.goto(f"{base}/app/charge/CP-AHB/1")
        await expect(page.locator("#adhoc-price")).to_contain_text("0.30 EUR/kWh")
        await expect(page.locator("#card-form")).to_be_visible()
        await page.fill("input[name=email]", "guest@example.com")
        await shot(page, "adhoc-1-charge")
        await page.click("#pay-and-start")

        # "Stripe.js" has the SetupIntent: the card goes to Stripe, never to Kilowatt
        secret = await eventually(
            lambda: page.evaluate("window.setupSecret || null"), bool, timeout_s=10
        )
        intent_id = str(secret).split("_secret_")[0]
        stripe_js.v1.setup_intents.confirm(
            intent_id, {"payment_method": tokenised(stripe_js, VISA)}
        )
        await page.evaluate("window.cardConfirmed()")

        await page.wait_for_url("**/app/guest/**", timeout=30_000)
        await expect(page.locator("#live-status")).to_have_text("ACTIVE", timeout=30_000)
        await shot(page, "adhoc-2-live")
        await page.click("#stop")
        await expect(page.locator("#live-status")).to_have_text("COMPLETED", timeout=20_000)
        await expect(page.locator("#paid-captured")).to_contain_text("EUR", timeout=30_000)
        await expect(page.locator("#receipt-pdf")).to_have_attribute(
            "href",
            httpx.URL(page.url).path.replace("/app/guest/", "/app/api/adhoc/guests/")
            + "/receipt/pdf",
        )
        await shot(page, "adhoc-3-receipt")
    assert set(external) <= {"https://js.stripe.com/v3/"}  # only the (stood-in) Stripe.js


async def test_a_passer_by_over_the_guest_limit_is_told_when_to_try_again(
    database_url: str, localstripe_url: str
) -> None:
    settings = settings_for(
        database_url,
        stripe_secret_key=API_KEY,
        stripe_api_base=localstripe_url,
        stripe_publishable_key="pk_test_kilowatt",
        guest_limit_per_address=1,
    )
    running = RunningServer(settings, FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC)))
    await running.start()
    try:
        async with running.client() as api:
            await adhoc_site(api, "CP-AHL")
            opened = await api.post("/app/api/adhoc/evses/CP-AHL/1/guests", json={})
            assert opened.status_code == 201  # this address's one guest in the window
        async with browser_page() as page:
            await page.route("https://js.stripe.com/**", _stripe_js)
            await page.goto(f"{running.base_url}/app/charge/CP-AHL/1")
            await expect(page.locator("#card-form")).to_be_visible()
            await page.click("#pay-and-start")
            message = page.locator("#message")
            await expect(message).to_contain_text("Too many new sessions from this address")
            await expect(message).to_contain_text("try again in 10 minutes")  # a fixed clock
            await expect(page.locator("#pay-and-start")).to_be_enabled()
            await shot(page, "adhoc-4-limited")
    finally:
        await running.stop()
