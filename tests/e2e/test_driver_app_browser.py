"""The driver web app in a real browser (Playwright on Debian's chromium): a new driver signs
up, finds a charger on the offline map, starts charging at a simulated OCPP station, watches
the session live (energy rising, no reload), stops, and opens the receipt in HTML and PDF.

Screenshots go to test-artifacts/. Skipped when chromium is not installed (``scripts/test``
and ``.ci/run`` install it).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect
from pypdf import PdfReader

from tests.conftest import RunningServer
from tests.driver_support import PASSWORD, mailed_links, simulated_station
from tests.e2e.test_api_tariffs import priced_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EMAIL = "grace@example.com"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@contextlib.asynccontextmanager
async def browser_page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = await browser.new_context(viewport={"width": 412, "height": 915})
            page = await context.new_page()
            yield page
        finally:
            await browser.close()


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"driver-app-{name}.png"), full_page=True)


async def test_a_new_driver_charges_a_simulated_car_from_the_browser(
    server: RunningServer, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await priced_site(api, "CP-WEB")
    caplog.set_level("INFO", logger="kilowatt.adapters.mail")
    base = server.base_url
    external: list[str] = []
    async with simulated_station(server, "CP-WEB"), browser_page() as page:
        page.on(
            "request",
            lambda request: None if request.url.startswith(base) else external.append(request.url),
        )

        # sign up, verify from the mailed (logged) link, sign in
        await page.goto(f"{base}/app/sign-up")
        await page.fill("#email", EMAIL)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await expect(page.locator("#message")).to_contain_text("Account created")
        (link,) = _links(caplog)  # logged while the sign-up answered
        await page.goto(f"{base}/driver/verify-email?token={link}")
        await expect(page.locator("#verify-result")).to_contain_text("verified")
        await page.goto(f"{base}/app/sign-in")
        await page.fill("#email", EMAIL)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/app/")

        # find the charger on the map (no tiles: markers on a blank background)
        marker = page.locator("path.location-marker").first
        await expect(marker).to_be_visible()
        await expect(page.locator(".location-item")).to_contain_text("Amsterdam")
        await expect(page.locator(".location-item .price")).to_contain_text("/kWh")
        await shot(page, "1-find")
        await marker.click()
        await page.click(".leaflet-popup-content a")
        await page.wait_for_url(re.compile(r"/app/locations/"))
        start = page.locator("button.start").first
        await expect(start).to_be_enabled(timeout=15_000)
        await page.click("button.star")
        await expect(page.locator("button.star")).to_have_attribute("aria-pressed", "true")
        await shot(page, "2-location")

        # start, watch it live
        await start.click()
        await page.wait_for_url(re.compile(r"/app/sessions/"), timeout=30_000)
        await expect(page.locator("#live-status")).to_have_text("ACTIVE")
        await page.evaluate("window.loadedOnce = true")
        first = await number(page, "#live-energy")
        assert await rises(page, "#live-energy", above=first)
        assert await rises(page, "#live-cost", above=0)
        assert await page.evaluate("window.loadedOnce") is True  # no reload happened
        assert float(await page.text_content("#live-power") or 0) > 0  # kW from the station
        await shot(page, "3-live")

        # stop, then the receipt
        await page.click("#stop")
        await expect(page.locator("#live-status")).to_have_text("COMPLETED", timeout=20_000)
        receipt_link = page.locator("#receipt-link a")
        await expect(receipt_link).to_be_visible(timeout=30_000)
        await receipt_link.click()
        await expect(page.locator("#total-incl")).to_contain_text("EUR")
        total = (await page.text_content("#total-incl") or "").strip()
        assert page.locator("table.lines tbody tr").first is not None
        await expect(page.locator("table.lines tbody tr").first).to_contain_text("Energy")
        await shot(page, "4-receipt")
        async with page.expect_download() as download_info:
            await page.click("#download-pdf")
        download = await download_info.value
        pdf_path = ARTIFACTS / "driver-app-receipt.pdf"
        ARTIFACTS.mkdir(exist_ok=True)
        await download.save_as(str(pdf_path))
        text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
        assert "Total incl. VAT" in text and total in text

        await page.goto(f"{base}/app/history")
        await expect(page.locator(".receipt-item")).to_have_count(1)
        await expect(page.locator("#favourites")).to_contain_text("Amsterdam Centraal P1")
        await shot(page, "5-history")
    assert external == []  # nothing left Kilowatt


async def number(page: Page, selector: str) -> float:
    return float(await page.text_content(selector) or 0)


async def rises(page: Page, selector: str, *, above: float) -> bool:
    """Polled from here: the page's policy forbids evaluating strings as script."""
    for _ in range(200):
        if await number(page, selector) > above:
            return True
        await asyncio.sleep(0.1)
    return False


def _links(caplog: pytest.LogCaptureFixture) -> list[str]:
    return mailed_links(caplog, EMAIL, "verify-email")
