"""A top-up the card refuses stops the session, and the driver is told why, end to end with
localstripe behind the real Stripe SDK: the start is held on a good card, then the driver's
default card becomes one localstripe declines, so the second hold (the top-up) is refused.
The session API and the live page say "stopped: your card was declined for the next part of
the session (reason)", also after a reload; at our stations and at a partner CPO alike."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import stripe
from playwright.async_api import expect

from tests.conftest import RunningServer
from tests.e2e.ocpi.test_driver_roaming_payments import (
    SESSION,
    app_uid,
    partner_cpo,
    payments,
    session,
    stamp,
    start,
)
from tests.e2e.payment_support import (
    driver_with_card,
    follower_idle,
    meter,
    paid,
    paid_api,
    start_and_plug_in,
    stop,
)
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_app_browser import CHROMIUM, browser_page
from tests.e2e.test_driver_sessions import AppStation16, connected, ok
from tests.stripe_support import DECLINED_ON_CHARGE, localstripe_url, stripe_js, tokenised

__all__ = ["localstripe_url", "paid", "paid_api", "stripe_js"]  # the fixtures, used by name

HAS_CHROMIUM = Path(CHROMIUM).exists()
DECLINED = "stopped: your card was declined for the next part of the session ("


async def pay_next_with_a_declining_card(
    app: httpx.AsyncClient, stripe_js: stripe.StripeClient
) -> None:
    """The driver saves a card localstripe declines when charged, and makes it the default."""
    setup = await ok(app.post("/api/v1/driver/cards/setup"), 201)
    intent_id = setup["client_secret"].split("_secret_")[0]
    customer = stripe_js.v1.setup_intents.retrieve(intent_id).customer
    assert isinstance(customer, str)
    card = tokenised(stripe_js, DECLINED_ON_CHARGE)
    stripe_js.v1.payment_methods.attach(card, {"customer": customer})
    saved = await ok(app.get("/api/v1/driver/payment-methods"))
    (declining,) = [c for c in saved if c["last4"] == DECLINED_ON_CHARGE[-4:]]
    chosen = await app.put(f"/api/v1/driver/payment-methods/{declining['id']}/default")
    assert chosen.status_code == 204, chosen.text


async def first_event(app: httpx.AsyncClient, path: str) -> str:
    """The first event a live stream sends (it stays open while the session runs)."""
    async with app.stream("GET", path, timeout=30) as stream:
        assert stream.status_code == 200
        async for line in stream.aiter_lines():
            if line.startswith("data: "):
                return line
    raise AssertionError(f"{path} sent no event")


async def test_a_declined_top_up_stops_our_session_and_the_driver_sees_why(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-DECL")
    async with (
        connected(paid, paid_api, AppStation16, "CP-DECL", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, session_id = await start_and_plug_in(app, station, "CP-DECL")
        running = await ok(app.get(f"/api/v1/driver/sessions/{session_id}"))
        assert "stopped_reason" not in running  # nothing to say yet
        await pay_next_with_a_declining_card(app, stripe_js)

        await meter(station, tx, 14000, 30)  # a top-up is due, and the card declines it
        await follower_idle(paid)
        assert station.received[-1] == ("RemoteStopTransaction", {"transaction_id": tx})
        told = await ok(app.get(f"/api/v1/driver/sessions/{session_id}"))
        assert told["stopped_reason"].startswith(DECLINED), told
        live = await first_event(app, f"/app/api/sessions/{session_id}/live")
        assert told["stopped_reason"] in live  # on the live page while it stops

        await stop(station, tx, 14500)
        await follower_idle(paid)
        reloaded = await app.get(f"/app/api/sessions/{session_id}/live", timeout=30)
        assert '"status": "COMPLETED"' in reloaded.text
        assert told["stopped_reason"] in reloaded.text  # and after it ended, on a reload
        assert [p["kind"] for p in await payments(app)] == ["start"]  # no top-up was held
    if HAS_CHROMIUM:  # and the live page in a browser, opened afresh, shows it
        async with browser_page() as page:
            await page.goto(f"{paid.base_url}/app/")
            await page.evaluate(
                "t => localStorage.setItem('kilowatt.driverToken', t)", ada.session_token
            )
            await page.goto(f"{paid.base_url}/app/sessions/{session_id}")
            await expect(page.locator("#live-status")).to_have_text("COMPLETED")
            await expect(page.locator("#live-stopped")).to_have_text(told["stopped_reason"])


async def test_a_declined_top_up_stops_a_partner_session_and_the_driver_sees_why(
    paid: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    async with partner_cpo(paid) as cpo, ada.client(paid) as app:
        await ok(start(app, cpo), 202)
        (asked,) = cpo.commands()
        uid = await app_uid(app)
        await ok(cpo.ocpi.put(SESSION, json=session(uid, asked["authorization_reference"])))
        await follower_idle(paid)
        mine = f"/api/v1/driver/roaming/sessions/{SESSION.rsplit('/', 1)[1]}"
        assert (await ok(app.get(mine)))["stopped_reason"] is None
        await pay_next_with_a_declining_card(app, stripe_js)

        costly = {"total_cost": {"excl_vat": "3.50", "incl_vat": "4.17"}}
        await ok(cpo.ocpi.patch(SESSION, json=costly | {"last_updated": stamp()}))
        await follower_idle(paid)
        assert cpo.commands()[-1]["session_id"] == "SES1"  # STOP_SESSION sent to the partner
        told = await ok(app.get(mine))
        assert told["stopped_reason"].startswith(DECLINED), told

        completed = {"status": "COMPLETED", "end_date_time": stamp(), "last_updated": stamp()}
        await ok(cpo.ocpi.patch(SESSION, json=completed))
        await follower_idle(paid)
        live = await app.get("/app/api/roaming/sessions/SES1/live", timeout=30)
        assert '"status": "COMPLETED"' in live.text
        assert told["stopped_reason"] in live.text  # the partner session page says why
