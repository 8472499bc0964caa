"""Ad hoc charging without an account (EU AFIR), end to end over real HTTP, a real 1.6
station over WebSocket and localstripe through the real Stripe SDK: the QR code leads to the
EVSE's page, which shows the ad hoc price; a guest's card (confirmed by "Stripe.js", here the
SDK) is held before the station is asked; the session is live for the guest's secret only;
the CDR captures the exact total; the receipt is read and mailed with the secret."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import segno
import stripe
from ocpp.v16 import call
from ocpp.v201 import call as call201

from kilowatt.domain.guests import guest_secret_digest
from tests.conftest import RunningServer, settings_for
from tests.driver_support import signed_up
from tests.e2e.payment_support import meter, paid, paid_api, received, stop
from tests.e2e.test_api_cdrs import at
from tests.e2e.test_api_locations import location
from tests.e2e.test_api_tariffs import per_kwh
from tests.e2e.test_driver_app import _events
from tests.e2e.test_driver_sessions import AppStation16, connected, ok
from tests.e2e.test_payments import PayingStation201, _event201
from tests.stripe_support import (
    API_KEY,
    DECLINED_ON_CHARGE,
    VISA,
    localstripe_url,
    stripe_js,
    tokenised,
)
from tests.support import eventually, register_station

__all__ = ["localstripe_url", "paid", "paid_api", "stripe_js"]  # the fixtures, used by name

ADHOC = "/app/api/adhoc"


async def adhoc_site(api: httpx.AsyncClient, station_id: str) -> None:
    """A station whose connector offers the regular tariff (0.30/kWh + 0.50) and an ad hoc
    one (AD_HOC_PAYMENT, 0.25/kWh + 0.50), both with 21 % VAT."""
    await api.post("/api/v1/locations", json=location())
    for tariff in (
        per_kwh("AC-STD", 0.30, flat=0.50),
        per_kwh("AC-ADHOC", 0.25, flat=0.50) | {"type": "AD_HOC_PAYMENT"},
    ):
        put = await api.put(f"/api/v1/tariffs/{tariff['id']}", json=tariff)
        assert put.status_code in (200, 201), put.text
    connector = {"connector_id": 1, "tariff_ids": ["AC-STD", "AC-ADHOC"]}
    evses = [{"evse_id": 1, "evse_code": "NL*KWT*E0001*1", "connectors": [connector]}]
    await register_station(api, station_id, location_id="AMS-1", evses=evses)


async def guest_with_card(
    server: RunningServer,
    stripe_js: stripe.StripeClient,
    station_id: str,
    number: str = VISA,
    email: str | None = None,
) -> str:
    """A passer-by gives a card on the EVSE's page: Kilowatt hands out a SetupIntent, and
    Stripe.js confirms it with the card (only Stripe sees the number); the guest's secret."""
    async with server.client(None) as web:
        path = f"{ADHOC}/evses/{station_id}/1/guests"
        opened = await ok(web.post(path, json={"email": email}), 201)
    intent_id = opened["client_secret"].split("_secret_")[0]
    stripe_js.v1.setup_intents.confirm(intent_id, {"payment_method": tokenised(stripe_js, number)})
    secret: str = opened["secret"]
    return secret


async def guest_payments(server: RunningServer, secret: str) -> list[Any]:
    async with server.app.ctx.uow() as uow:
        guest = await uow.guests.by_secret(guest_secret_digest(secret))
    assert guest is not None and server.app.payments is not None
    return list(await server.app.payments.store.of_driver(guest.id, 10, 0))


async def test_the_qr_code_leads_to_the_evse_page_with_the_ad_hoc_price(
    paid: RunningServer, paid_api: httpx.AsyncClient
) -> None:
    await adhoc_site(paid_api, "CP-QR")
    svg = await paid_api.get("/api/v1/stations/CP-QR/evses/1/qr")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    url = svg.headers["x-charge-url"]
    assert url.endswith("/app/charge/CP-QR/1")
    assert svg.content == _qr(url, "svg")  # the code says exactly that URL
    png = await paid_api.get("/api/v1/stations/CP-QR/evses/1/qr", params={"format": "png"})
    assert png.content.startswith(b"\x89PNG") and png.content == _qr(url, "png")
    assert (await paid_api.get("/api/v1/stations/CP-QR/evses/9/qr")).status_code == 404
    async with paid.client(None) as web:
        assert (await web.get("/api/v1/stations/CP-QR/evses/1/qr")).status_code == 401
        page = await web.get("/app/charge/CP-QR/1")  # no sign-in
        assert page.status_code == 200 and 'data-station="CP-QR"' in page.text
        found = await ok(web.get(f"{ADHOC}/evses/CP-QR/1"))
        assert (await web.get(f"{ADHOC}/evses/CP-QR/2")).status_code == 404
    assert found["card_payment"] is True
    assert found["prices"]["per_kwh"] == {"excl_vat": "0.2500", "incl_vat": "0.3025"}
    assert found["prices"]["per_session"] == {"excl_vat": "0.5000", "incl_vat": "0.6050"}


def _qr(url: str, kind: str) -> bytes:
    import io

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind=kind, scale=8, border=4)
    return out.getvalue()


@pytest.fixture
async def paying(database_url: str, localstripe_url: str) -> AsyncIterator[RunningServer]:
    """Payments on, and no CDR sweep within a test: the CDR must come from TransactionEnded
    itself, although the live page reads the transaction at every meter value."""
    settings = settings_for(
        database_url,
        stripe_secret_key=API_KEY,
        stripe_api_base=localstripe_url,
        preauth_amount=Decimal("5.00"),
        topup_threshold=Decimal("1.00"),
        payments_reconcile_interval_s=3600,
        running_cost_interval_s=3600,
        cdr_sweep_interval_s=3600,
    )
    running = RunningServer(settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_a_guest_pays_by_card_charges_live_and_the_cdr_captures_the_exact_total(
    paying: RunningServer,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    async with paying.client() as paid_api:
        await _guest_session(paying, paid_api, caplog, stripe_js)


async def _guest_session(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    caplog.set_level(logging.INFO, logger="kilowatt.adapters.mail")
    await adhoc_site(paid_api, "CP-AH")
    secret = await guest_with_card(paid, stripe_js, "CP-AH")
    other = await guest_with_card(paid, stripe_js, "CP-AH")
    bob = await signed_up(paid, caplog, "bob@example.com")
    base = f"{ADHOC}/guests/{secret}"
    async with (
        connected(paid, paid_api, AppStation16, "CP-AH", "1.6") as station,
        paid.client(None) as web,
    ):
        assert (await ok(web.post(f"{base}/start"), 202)) == {"status": "Accepted"}
        (held,) = await guest_payments(paid, secret)
        assert (held.state.value, held.authorized_minor) == ("authorized", 500)
        uid = station.received[-1][1]["id_tag"]
        made = await ok(paid_api.get(f"/api/v1/tokens/{uid}"))
        assert made["type"] == "AD_HOC_USER" and made["expires_at"] is not None  # start window
        started = await station.call(
            call.StartTransaction(connector_id=1, id_tag=uid, meter_start=1000, timestamp=at(0)),
            suppress=False,
        )
        assert started.id_tag_info["status"] == "Accepted"
        (first,) = await _events(web, f"{base}/live", 1)
        assert first["status"] == "ACTIVE"
        # nobody else sees it: no secret, another guest's secret, a signed-in driver
        assert (await web.get(f"{ADHOC}/guests/not-the-secret/live")).status_code == 404
        assert (await web.get(f"{ADHOC}/guests/{other}/live")).status_code == 404
        async with bob.client(paid) as app:
            assert (await app.get(f"/app/api/sessions/{first['id']}/live")).status_code == 404
            assert await ok(app.get("/api/v1/driver/sessions")) == []
        assert (await web.post(f"{base}/start")).status_code == 409  # one start per guest

        await meter(station, started.transaction_id, 6000, 30)
        assert (await ok(web.post(f"{base}/stop"), 202)) == {"status": "Accepted"}
        assert station.received[-1][0] == "RemoteStopTransaction"
        await stop(station, started.transaction_id, 11000)  # 10 kWh x 0.25 + 0.50, VAT: 3.63
        (payment,) = await eventually(
            lambda: guest_payments(paid, secret),
            lambda found: found[0].state.value == "captured",
            timeout_s=10,
        )
        receipt = await web.get(f"{base}/receipt")
        pdf = await web.get(f"{base}/receipt/pdf")
        mailed = await web.post(f"{base}/receipt/mail", json={"email": "guest@example.com"})
        assert (await web.get(f"{ADHOC}/guests/{other}/receipt")).status_code == 404

    assert (payment.state.value, payment.captured_minor) == ("captured", 363)
    assert received(stripe_js, payment.reference) == 363  # the rest of the 5.00 is released
    assert receipt.status_code == 200 and '<dd id="paid-captured">3.63 EUR</dd>' in receipt.text
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert mailed.status_code == 204
    assert any("guest@example.com" in r.getMessage() for r in caplog.records)
    token = await ok(paid_api.get(f"/api/v1/tokens/{uid}"))
    assert token["status"] == "BLOCKED"  # good for this one session only


async def test_a_declined_card_does_not_start(
    paid: RunningServer, paid_api: httpx.AsyncClient, stripe_js: stripe.StripeClient
) -> None:
    await adhoc_site(paid_api, "CP-AHD")
    secret = await guest_with_card(paid, stripe_js, "CP-AHD", DECLINED_ON_CHARGE)
    async with (
        connected(paid, paid_api, AppStation16, "CP-AHD", "1.6") as station,
        paid.client(None) as web,
    ):
        answer = await web.post(f"{ADHOC}/guests/{secret}/start")
        assert answer.status_code == 402, answer.text
        assert "declined" in answer.json()["detail"].lower()
        assert station.received == []  # the station was never asked
        assert (await web.get(f"{ADHOC}/guests/{secret}/live")).status_code == 404
    assert await guest_payments(paid, secret) == []


async def test_an_unconfirmed_card_does_not_start(
    paid: RunningServer, paid_api: httpx.AsyncClient
) -> None:
    await adhoc_site(paid_api, "CP-AHU")
    async with (
        connected(paid, paid_api, AppStation16, "CP-AHU", "1.6") as station,
        paid.client(None) as web,
    ):
        opened = await ok(web.post(f"{ADHOC}/evses/CP-AHU/1/guests", json={}), 201)
        answer = await web.post(f"{ADHOC}/guests/{opened['secret']}/start")
        assert answer.status_code == 402 and "not been confirmed" in answer.json()["detail"]
        assert station.received == []


async def test_without_payments_the_page_shows_the_price_but_no_card_step(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await adhoc_site(api, "CP-FREE")
    async with server.client(None) as web:
        found = await ok(web.get(f"{ADHOC}/evses/CP-FREE/1"))
        assert found["card_payment"] is False
        assert found["prices"]["per_kwh"]["incl_vat"] == "0.3025"
        page = await web.get("/app/charge/CP-FREE/1")
        assert "Card payment is not available" in page.text
        assert "js.stripe.com" not in page.text + page.headers["content-security-policy"]
        opened = await web.post(f"{ADHOC}/evses/CP-FREE/1/guests", json={})
        assert opened.status_code == 404  # no free charging


async def test_a_201_guest_session_is_linked_topped_up_and_captured_across_its_holds(
    paying: RunningServer, stripe_js: stripe.StripeClient
) -> None:
    """2.0.1 echoes the remoteStartId; a top-up and the capture use the guest's own card."""
    async with paying.client() as api:
        await adhoc_site(api, "CP-AH201")
        secret = await guest_with_card(paying, stripe_js, "CP-AH201")
        async with (
            connected(paying, api, PayingStation201, "CP-AH201", "2.0.1") as station,
            paying.client(None) as web,
        ):
            assert (await ok(web.post(f"{ADHOC}/guests/{secret}/start"), 202)) == {
                "status": "Accepted"
            }
            ((_, request),) = station.received
            assert request["id_token"]["type"] == "Central"
            started = _event201("Started", 0, 0, 0, remote_start_id=request["remote_start_id"])
            await station.call(
                call201.TransactionEvent(**(vars(started) | {"id_token": request["id_token"]})),
                suppress=False,
            )
            (first,) = await _events(web, f"{ADHOC}/guests/{secret}/live", 1)
            assert first["status"] == "ACTIVE"
            # 13 kWh: 4.54 incl. VAT, within 1.00 of the 5.00 held: a top-up on the same card
            await station.call(_event201("Updated", 1, 30, 13000), suppress=False)
            await eventually(lambda: guest_payments(paying, secret), lambda ps: len(ps) == 2)
            # 18 kWh x 0.25 + 0.50 = 5.00, 6.05 incl. VAT: 5.00 + 1.05 captured
            await station.call(
                _event201("Ended", 2, 60, 18000, stopped_reason="EVDisconnected"), suppress=False
            )
            payments = await eventually(
                lambda: guest_payments(paying, secret),
                lambda ps: all(p.state.value == "captured" for p in ps),
                timeout_s=10,
            )
    assert sorted(p.captured_minor for p in payments) == [105, 500]
    assert sorted(p.kind.value for p in payments) == ["start", "top_up"]
    assert all(p.transaction_pk == first["id"] for p in payments)
