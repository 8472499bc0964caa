"""The driver web app over plain HTTP: pages and assets served offline (no external URL),
the finder's availability and prices, favourites, live sessions and receipts, and a driver
seeing only their own data (the same 404 as for what does not exist)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from kilowatt.simulator.station import SimulatedStation
from kilowatt.simulator.station_v16 import SimulatedStationV16
from kilowatt.simulator.station_v201 import SimulatedStationV201
from tests.conftest import RunningServer, settings_for
from tests.driver_support import SignedUpDriver, signed_up, simulated_station
from tests.e2e.test_api_cdrs import charge_16
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_sessions import AppStation16, connected, ok
from tests.support import eventually

PAGES = [
    "/app/",
    "/app/sign-in",
    "/app/sign-up",
    "/app/verify-email",
    "/app/reset-password",
    "/app/profile",
    "/app/history",
    "/app/locations/AMS-1",
    "/app/sessions/some-session",
    "/app/roaming/some-partner-session",
    "/app/receipts/some-cdr",
    "/app/partner-receipts/some-partner-cdr",
]
_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


async def no_content(response: Awaitable[httpx.Response]) -> None:
    reply = await response
    assert reply.status_code == 204, reply.text


@pytest.fixture
async def ada(server: RunningServer, caplog: pytest.LogCaptureFixture) -> SignedUpDriver:
    return await signed_up(server, caplog, "ada@example.com")


@pytest.fixture
async def bob(server: RunningServer, caplog: pytest.LogCaptureFixture) -> SignedUpDriver:
    return await signed_up(server, caplog, "bob@example.com")


async def test_every_page_and_asset_is_served_by_kilowatt_with_no_external_url(
    server: RunningServer,
) -> None:
    async with server.client(None) as browser:
        assets: set[str] = set()
        for path in PAGES:
            page = await browser.get(path)
            assert page.status_code == 200, path
            assert page.headers["content-type"].startswith("text/html")
            assert "default-src 'self'" in page.headers["content-security-policy"]
            references = _REFERENCE.findall(page.text)
            assert all(ref.startswith("/") and not ref.startswith("//") for ref in references)
            assert "http://" not in page.text and "https://" not in page.text, path
            assets |= {ref for ref in references if ref.startswith("/app/static/")}
        assert {"/app/static/leaflet/leaflet.js", "/app/static/leaflet/leaflet.css"} <= assets
        for asset in assets:
            served = await browser.get(asset)
            assert served.status_code == 200, asset
        for own in ("/app/static/app.js", "/app/static/app.css"):
            text = (await browser.get(own)).text
            assert "http://" not in text and "https://" not in text, own
        leaflet = (await browser.get("/app/static/leaflet/leaflet.js")).text
        assert "Leaflet 1.9.4" in leaflet[:200]


async def test_the_tile_source_is_configurable_and_allowed_by_the_page_policy(
    database_url: str,
) -> None:
    from tests.conftest import settings_for

    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    running = RunningServer(settings_for(database_url, map_tile_url=tiles))
    await running.start()
    try:
        async with running.client(None) as browser:
            page = await browser.get("/app/")
        assert f'data-tile-url="{tiles}"' in page.text
        assert (
            "img-src 'self' data: blob: https://tiles.example.org"
            in page.headers["content-security-policy"]
        )
    finally:
        await running.stop()


async def test_the_mailed_verification_link_opens_the_app(server: RunningServer) -> None:
    async with server.client(None) as browser:
        answer = await browser.get("/driver/verify-email", params={"token": "abc"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/verify-email?token=abc"


async def test_the_mailed_password_reset_link_opens_the_app(server: RunningServer) -> None:
    async with server.client(None) as browser:
        answer = await browser.get("/driver/reset-password", params={"token": "a-b_c"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/reset-password?token=a-b_c"


async def test_the_finder_shows_availability_connectors_power_and_the_drivers_prices(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver
) -> None:
    await priced_site(api, "CP-FIND")
    async with connected(server, api, AppStation16, "CP-FIND", "1.6") as station:
        from ocpp.v16 import call

        await station.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
            suppress=False,
        )
        async with ada.client(server) as driver:
            (found,) = await ok(driver.get("/app/api/locations"))
            (evse,) = found["evses"]
            assert evse["status"] == "AVAILABLE"
            assert evse["connector_standards"] == ["IEC_62196_T2"]
            assert evse["prices"]["per_kwh"] == {"excl_vat": "0.3000", "incl_vat": "0.3630"}
            assert evse["prices"]["per_session"] == {"excl_vat": "0.5000", "incl_vat": "0.6050"}
            assert found["opening_hours"] == "24/7" and found["available_evses"] == 1

            assert await ok(driver.get("/app/api/locations?available=true")) != []
            assert await ok(driver.get("/app/api/locations?connector=CHADEMO")) == []
            either = "/app/api/locations?connector=CHADEMO&connector=IEC_62196_T2"
            assert await ok(driver.get(either)) != []  # a car that takes both finds Type 2
            assert await ok(driver.get("/app/api/locations?min_power_kw=1000")) == []
            single = await ok(driver.get(f"/app/api/locations/{found['id']}"))
            assert single["evses"] == found["evses"]
    async with server.client(None) as anonymous:  # offline now: availability is unknown
        (found,) = await eventually(lambda: ok(anonymous.get("/app/api/locations")), bool)
        assert found["evses"][0]["status"] == "UNKNOWN"
        assert await ok(anonymous.get("/app/api/locations?available=true")) == []


async def test_a_driver_in_a_group_sees_the_groups_prices_and_others_do_not(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver, bob: SignedUpDriver
) -> None:
    await priced_site(api, "CP-GRP")  # AC-STD 0.30/kWh; AC-SUB 0.20/kWh for "subscribers"
    async with ada.client(server) as driver, bob.client(server) as other:
        tokens = await ok(driver.get("/api/v1/driver/tokens"))
        (app_token,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
        await ok(api.patch(f"/api/v1/tokens/{app_token}", json={"group_id": "subscribers"}))

        def per_kwh(found: list[dict[str, Any]]) -> str:
            return str(found[0]["evses"][0]["prices"]["per_kwh"]["excl_vat"])

        assert per_kwh(await ok(driver.get("/app/api/locations"))) == "0.2000"
        assert per_kwh(await ok(other.get("/app/api/locations"))) == "0.3000"
    async with server.client(None) as anonymous:
        assert per_kwh(await ok(anonymous.get("/app/api/locations"))) == "0.3000"


async def test_favourites_are_each_drivers_own(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver, bob: SignedUpDriver
) -> None:
    await priced_site(api, "CP-FAV")
    async with ada.client(server) as driver, bob.client(server) as other:
        await no_content(driver.put("/app/api/favourites/AMS-1"))
        await no_content(driver.put("/app/api/favourites/AMS-1"))  # idempotent
        assert await ok(driver.get("/app/api/favourites")) == ["AMS-1"]
        assert (await ok(driver.get("/app/api/locations")))[0]["favourite"] is True
        assert await ok(other.get("/app/api/favourites")) == []
        assert (await ok(other.get("/app/api/locations")))[0]["favourite"] is False
        await no_content(other.delete("/app/api/favourites/AMS-1"))  # Bob's own (no) star
        assert await ok(driver.get("/app/api/favourites")) == ["AMS-1"]
        assert (await driver.put("/app/api/favourites/NOWHERE")).status_code == 404
        await no_content(driver.delete("/app/api/favourites/AMS-1"))
        assert await ok(driver.get("/app/api/favourites")) == []


async def test_receipts_and_live_sessions_are_only_the_drivers_own(
    server: RunningServer, api: httpx.AsyncClient, ada: SignedUpDriver, bob: SignedUpDriver
) -> None:
    await priced_site(api, "CP-RCPT")
    async with ada.client(server) as driver, bob.client(server) as other:
        await ok(driver.post("/api/v1/driver/cards", json={"uid": "04ADA001"}), 201)
        async with connected(server, api, AppStation16, "CP-RCPT", "1.6") as station:
            await charge_16(station, "04ADA001", 10)
        (session,) = await ok(driver.get("/api/v1/driver/sessions"))
        (cdr,) = await eventually(lambda: ok(driver.get("/api/v1/driver/cdrs")), bool)

        html = await driver.get(f"/app/api/receipts/{cdr['id']}")
        assert html.status_code == 200, html.text
        assert "Total incl. VAT" in html.text and "4.24 EUR" in html.text
        assert "3.50 EUR" in html.text and "0.74 EUR" in html.text  # excl. VAT and the VAT
        assert "Energy" in html.text and "0.3000" in html.text  # a line with its unit price
        pdf = await driver.get(f"/app/api/receipts/{cdr['id']}/pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Total incl. VAT" in text and "4.24 EUR" in text

        ended = await driver.get(f"/app/api/sessions/{session['id']}/live")
        assert ended.headers["content-type"].startswith("text/event-stream")
        assert ended.text.startswith("event: session\ndata: ")
        assert '"status": "COMPLETED"' in ended.text

        anonymous = httpx.AsyncClient(base_url=server.base_url)
        async with anonymous:
            for path in (
                f"/app/api/receipts/{cdr['id']}",
                f"/app/api/receipts/{cdr['id']}/pdf",
                f"/app/api/sessions/{session['id']}/live",
                "/app/api/favourites",
            ):
                assert (await other.get(path)).status_code in (404, 200), path
                if path != "/app/api/favourites":
                    assert (await other.get(path)).status_code == 404, path
                    missing = await other.get(path.replace(cdr["id"], "nothing"))
                    assert missing.status_code == 404, path
                assert (await anonymous.get(path)).status_code == 401, path
            bad = await anonymous.get("/app/api/locations", headers={"Authorization": "Bearer x"})
            assert bad.status_code == 401


async def _events(client: httpx.AsyncClient, path: str, count: int | None) -> list[dict[str, Any]]:
    """The first ``count`` sessions a live stream sends (None: all, until it ends)."""
    found: list[dict[str, Any]] = []
    async with client.stream("GET", path, timeout=30) as stream:
        assert stream.status_code == 200
        async for line in stream.aiter_lines():
            if line.startswith("data: "):
                found.append(json.loads(line.removeprefix("data: ")))
                if len(found) == count:
                    break
    return found


@pytest.fixture
async def unswept_server(database_url: str) -> AsyncIterator[RunningServer]:
    """No CDR sweep within a test: the CDR must be issued on TransactionEnded while the live
    page reads the transaction at every meter value (once a race in the store cache)."""
    running = RunningServer(settings_for(database_url, cdr_sweep_interval_s=3600))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.mark.parametrize("kind", [SimulatedStationV16, SimulatedStationV201])
async def test_a_simulated_station_charges_for_the_app_live_and_stops_when_asked(
    unswept_server: RunningServer, caplog: pytest.LogCaptureFixture, kind: type[SimulatedStation]
) -> None:
    server = unswept_server
    ada = await signed_up(server, caplog, "ada@example.com")
    async with server.client() as api:
        await priced_site(api, "CP-SIM")
    async with simulated_station(server, "CP-SIM", kind), ada.client(server) as driver:
        await eventually(
            lambda: ok(driver.get("/app/api/locations?available=true")), bool, timeout_s=10
        )
        start = {"station_id": "CP-SIM", "evse_id": 1}
        assert await ok(driver.post("/api/v1/driver/sessions", json=start), 202) == {
            "status": "Accepted"
        }
        (session,) = await eventually(
            lambda: ok(driver.get("/api/v1/driver/sessions")), bool, timeout_s=10
        )
        live = f"/app/api/sessions/{session['id']}/live"
        first, second, third = await _events(driver, live, 3)
        assert first["status"] == "ACTIVE"
        assert float(first["kwh"]) < float(second["kwh"]) < float(third["kwh"])  # pushed live
        assert third["power_w"] > 0

        stopped = await ok(driver.post(f"/api/v1/driver/sessions/{session['id']}/stop"), 202)
        assert stopped == {"status": "Accepted"}
        *_, ended = await _events(driver, live, None)  # the stream ends with the session
        assert ended["status"] == "COMPLETED"
        (cdr,) = await eventually(lambda: ok(driver.get("/api/v1/driver/cdrs")), bool, timeout_s=15)
        assert cdr["session_id"] == session["id"]
