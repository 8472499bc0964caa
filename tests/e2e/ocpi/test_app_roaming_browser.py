"""The driver app in a real browser at a partner CPO's location (roaming): the finder lists it
marked with the partner's party id and its price, Start charging goes through OCPI
START_SESSION to the CPO's station, the partner's session page follows it as the partner's
updates are pushed to it (no polling: a PATCH from the CPO shows within two seconds, and the
page never GETs the session's JSON), Stop ends it, the history shows the partner's CDR and
opens its receipt (HTML and PDF), and the partner location starred on its page is among the
favourites."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import call
from playwright.async_api import expect
from pypdf import PdfReader

from kilowatt.domain.roaming import InterfaceRole
from tests.conftest import RunningServer
from tests.driver_support import signed_up
from tests.e2e.ocpi.support import RoamingPair, roaming_pair, token_header
from tests.e2e.ocpi.test_app_roaming import partner_location, status_notification
from tests.e2e.ocpi.test_ocpi_commands import station
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_app_browser import CHROMIUM, browser_page, shot
from tests.support import eventually, now_iso

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


async def answered(cp: Any, action: str, count: int) -> dict[str, Any]:
    """The ``count``-th request of ``action`` the station received, once it has."""

    async def found() -> list[dict[str, Any]]:
        return [body for name, body in cp.received if name == action]

    bodies = await eventually(found, lambda got: len(got) >= count, timeout_s=30)
    return bodies[count - 1]


def acting(step: Callable[[], Coroutine[Any, Any, Any]]) -> asyncio.Task[Any]:
    return asyncio.create_task(step())


async def patched_by_the_cpo(pair: RoamingPair, session_id: str, changes: dict[str, Any]) -> None:
    """The partner CPO PATCHes its session at our Sessions receiver, as its platform would."""
    roaming = pair.cpo.app.roaming
    assert roaming is not None
    (emsp,) = [p for p in await roaming.partners.all() if p.registered]
    url = emsp.endpoint("sessions", InterfaceRole.RECEIVER)
    assert url is not None and emsp.their_token is not None
    where = f"{pair.location['country_code']}/{pair.location['party_id']}/{session_id}"
    async with httpx.AsyncClient(headers=token_header(emsp.their_token), timeout=10) as cpo:
        answer = await cpo.patch(f"{url}/{where}", json=changes | {"last_updated": now_iso()})
    assert answer.status_code == 200 and answer.json()["status_code"] == 1000, answer.text


async def test_a_driver_charges_at_a_partner_from_the_browser(
    fast_server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with fast_server.client() as cpo_api:
        await priced_site(cpo_api, "CP-B1")
    async with roaming_pair(fast_server, tmp_path) as pair:
        async with pair.emsp.client() as operator:
            await operator.post(
                f"/api/v1/ocpi/partners/{pair.partner_id}/sync", json={"modules": ["tariffs"]}
            )
        ada = await signed_up(pair.emsp, caplog, "ada@example.com")
        base = pair.emsp.base_url
        async with ada.client(pair.emsp) as driver, station(fast_server, "CP-B1") as cp:
            await status_notification(cp, "Available")

            async def status() -> str:
                found: str = (await partner_location(driver))["evses"][0]["status"]
                return found

            await eventually(status, lambda s: s == "AVAILABLE", timeout_s=10)
            name = (await partner_location(driver))["name"]
            async with browser_page() as page:
                fetched: list[str] = []
                page.on("request", lambda r: fetched.append(r.url) if r.method == "GET" else None)
                await page.goto(f"{base}/app/sign-in")
                await page.evaluate(
                    "t => localStorage.setItem('kilowatt.driverToken', t)", ada.session_token
                )
                await page.goto(f"{base}/app/")
                item = page.locator(".location-item", has=page.locator(".partner"))
                await expect(item).to_contain_text("Partner network")
                await expect(item.locator(".price")).to_contain_text("/kWh")
                await item.locator("h2 a").click()
                await page.wait_for_url(re.compile(r"/app/locations/"))
                start = page.locator("button.start").first
                await expect(start).to_be_enabled(timeout=15_000)
                await expect(page.locator(".partner")).to_contain_text("Partner network")
                await page.click("button.star")
                await expect(page.locator("button.star")).to_have_attribute("aria-pressed", "true")
                await shot(page, "partner-1-location")

                async def charge() -> Any:
                    remote = await answered(cp, "RemoteStartTransaction", 1)
                    started = call.StartTransaction(
                        connector_id=1, id_tag=remote["id_tag"], meter_start=0, timestamp=now_iso()
                    )
                    return await cp.call(started, suppress=False)

                charging = acting(charge)
                await start.click()
                await page.wait_for_url(re.compile(r"/app/roaming/"), timeout=30_000)
                await expect(page.locator("#live-status")).to_have_text("ACTIVE")
                transaction = (await charging).transaction_id
                session_id = page.url.rsplit("/", 1)[-1]
                cost = {"excl_vat": 0.75, "incl_vat": 0.91}
                await patched_by_the_cpo(pair, session_id, {"kwh": 2.5, "total_cost": cost})
                await expect(page.locator("#live-energy")).to_have_text("2.500", timeout=2_000)
                await expect(page.locator("#live-cost")).to_have_text("0.91", timeout=2_000)
                await asyncio.sleep(4)  # longer than the old 3 s polling interval
                json_reads = [url for url in fetched if f"/roaming/sessions/{session_id}" in url]
                assert json_reads == [f"{base}/app/api/roaming/sessions/{session_id}/live"]
                assert not [url for url in fetched if "/api/v1/driver/roaming/commands/" in url]
                await shot(page, "partner-2-live")

                async def end() -> None:
                    await answered(cp, "RemoteStopTransaction", 1)
                    ended = call.StopTransaction(
                        meter_stop=4000, timestamp=now_iso(), transaction_id=transaction
                    )
                    await cp.call(ended, suppress=False)

                ending = acting(end)
                await page.click("#stop")
                await expect(page.locator("#live-status")).to_have_text("COMPLETED", timeout=20_000)
                await ending
                await page.goto(f"{base}/app/history")
                await expect(page.locator(".partner-cdr")).to_contain_text("4.000 kWh")
                await expect(page.locator("#favourites")).to_contain_text(name)
                await shot(page, "partner-3-history")
                await page.locator(".partner-cdr a").click()
                await page.wait_for_url(re.compile(r"/app/partner-receipts/"))
                await expect(page.locator("#receipt-operator")).to_contain_text("NL*KWT")
                await expect(page.locator("#receipt-energy")).to_have_text("4 kWh")
                await expect(page.locator("#total-excl")).to_contain_text("EUR")
                total = (await page.text_content("#total-excl") or "").strip()
                await shot(page, "partner-4-receipt")
                async with page.expect_download() as download_info:
                    await page.click("#download-pdf")
                pdf_path = tmp_path / "partner-receipt.pdf"
                await (await download_info.value).save_as(str(pdf_path))
                text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
                assert "NL*KWT" in text and total in text
