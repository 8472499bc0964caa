"""The app's account pages in a real browser: a driver who forgot the password asks for a
link, opens the mailed link, sets a new password and signs in with it; the profile page shows
the email and contract id and saves the name."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.conftest import RunningServer
from tests.driver_support import mailed_links, sign_in, signed_up
from tests.e2e.test_driver_app_browser import CHROMIUM, browser_page

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

EMAIL = "lin@example.com"
NEW_PASSWORD = "a-brand-new-secret-42"


async def test_a_driver_resets_the_password_and_edits_the_profile(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    driver = await signed_up(server, caplog, EMAIL)
    caplog.set_level("INFO", logger="kilowatt.adapters.mail")
    base = server.base_url
    async with browser_page() as page:
        await page.goto(f"{base}/app/sign-in")
        await page.click("text=Forgot your password?")
        await page.fill("#email", EMAIL)
        await page.click("#reset-request-form button[type=submit]")
        await expect(page.locator("#message")).to_contain_text("emailed")
        (link,) = mailed_links(caplog, EMAIL, "reset-password")
        await page.goto(f"{base}/driver/reset-password?token={link}")
        await page.fill("#password", NEW_PASSWORD)
        await page.click("#reset-form button[type=submit]")
        await expect(page.locator("#message")).to_contain_text("password is changed")
        assert (await sign_in(server, EMAIL, NEW_PASSWORD)).status_code == 200

        await page.goto(f"{base}/app/sign-in")
        await page.fill("#email", EMAIL)
        await page.fill("#password", NEW_PASSWORD)
        await page.click("#sign-in-form button[type=submit]")
        await page.wait_for_url(f"{base}/app/")
        await page.click("nav >> text=Profile")
        await expect(page.locator("#profile-email")).to_have_text(EMAIL)
        await expect(page.locator("#profile-contract")).to_have_text(driver.contract_id)
        await page.fill("#name", "Lin Wei")
        await page.click("#profile-form button[type=submit]")
        await expect(page.locator("#message")).to_have_text("Saved.")
        await page.reload()
        await expect(page.locator("#name")).to_have_value("Lin Wei")
