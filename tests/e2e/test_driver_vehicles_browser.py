"""Vehicles in the app, in a real browser: a driver adds two cars on the profile page (in kWh
and kW), edits one, makes the other the default and removes the first; the finder opens with
the default car's connectors ticked, shows the charger that fits it, and the driver can still
change the filter."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.conftest import RunningServer
from tests.driver_support import PASSWORD, signed_up
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_app_browser import CHROMIUM, browser_page, shot

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

EMAIL = "mo@example.com"


async def _add_vehicle(page: Page, fields: dict[str, str], connectors: list[str]) -> None:
    for field_id, value in fields.items():
        await page.fill(f"#vehicle-{field_id}", value)
    for standard in connectors:
        await page.check(f"#vehicle-connectors input[value={standard}]")
    await page.click("#vehicle-save")


def _filter(page: Page, standard: str) -> Locator:
    return page.locator(f"#filter-connector input[value={standard}]")


async def test_the_finder_ticks_the_default_vehicles_connectors(
    server: RunningServer, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await priced_site(api, "CP-CAR")  # one EVSE with a Type 2 connector
    await signed_up(server, caplog, EMAIL)
    base = server.base_url
    async with browser_page() as page:
        await page.goto(f"{base}/app/sign-in")
        await page.fill("#email", EMAIL)
        await page.fill("#password", PASSWORD)
        await page.click("#sign-in-form button[type=submit]")
        await page.wait_for_url(f"{base}/app/")
        await page.click("nav >> text=Profile")
        await expect(page.locator("#vehicles")).to_contain_text("No vehicle yet")

        zoe = {"name": "Zoe", "make": "Renault", "model": "Zoe R135", "battery": "52"}
        await _add_vehicle(page, zoe | {"ac": "22", "dc": "46"}, ["IEC_62196_T2_COMBO"])
        await expect(page.locator("#message")).to_have_text("Zoe added.")
        car = page.locator(".vehicle-item", has_text="Zoe")
        await expect(car).to_contain_text("Default")
        await expect(car).to_contain_text("52 kWh · AC 22 kW · DC 46 kW · CCS")

        leaf = {"name": "Leaf", "make": "Nissan", "model": "Leaf", "battery": "39.5", "ac": "6.6"}
        await _add_vehicle(page, leaf | {"plate": "ab-12-cd"}, ["IEC_62196_T2", "CHADEMO"])
        await expect(page.locator("#message")).to_have_text("Leaf added.")
        leaf_item = page.locator(".vehicle-item", has_text="Leaf")
        await expect(leaf_item).to_contain_text("Nissan Leaf · AB-12-CD")
        await expect(leaf_item).to_contain_text("39.5 kWh · AC 6.6 kW · no DC · Type 2, CHAdeMO")

        await car.locator("button.edit").click()
        await expect(page.locator("#vehicle-name")).to_have_value("Zoe")
        await page.fill("#vehicle-name", "Blue Zoe")
        await page.click("#vehicle-save")
        await expect(page.locator("#message")).to_have_text("Blue Zoe saved.")
        await leaf_item.locator("button.make-default").click()
        await expect(page.locator("#message")).to_have_text("Leaf is your default vehicle.")
        await expect(leaf_item).to_contain_text("Default")
        await expect(page.locator(".vehicle-item", has_text="Blue Zoe")).not_to_contain_text(
            "Default"
        )
        await shot(page, "profile-vehicles")
        await page.locator(".vehicle-item", has_text="Blue Zoe").locator("button.remove").click()
        await expect(page.locator("#message")).to_have_text("Blue Zoe removed.")
        await expect(page.locator(".vehicle-item")).to_have_count(1)

        await page.click("nav >> text=Find")
        await expect(page.locator("#filter-vehicle")).to_have_text("(for your Leaf)")
        await expect(_filter(page, "IEC_62196_T2")).to_be_checked()
        await expect(_filter(page, "CHADEMO")).to_be_checked()
        await expect(_filter(page, "IEC_62196_T2_COMBO")).not_to_be_checked()
        await expect(page.locator(".location-item")).to_have_count(1)  # Type 2 fits the Leaf
        await shot(page, "finder-vehicle-filter")

        await page.uncheck("#filter-connector input[value=IEC_62196_T2]")  # CHAdeMO only
        await expect(page.locator("#locations")).to_contain_text("No charger matches")
