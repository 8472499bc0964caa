"""Helpers of the payment tests: a server with payments on (localstripe), a driver with a
card saved the way the app saves one (SetupIntent, then Stripe.js), and a 1.6 session
started from the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import stripe
from ocpp.v16 import call

from tests.conftest import RunningServer, settings_for
from tests.driver_support import SignedUpDriver, signed_up
from tests.e2e.test_api_cdrs import at, register
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_sessions import AppStation16, connected, ok
from tests.stripe_support import API_KEY, VISA, WEBHOOK_SECRET, tokenised


@pytest.fixture
async def paid(database_url: str, localstripe_url: str) -> AsyncIterator[RunningServer]:
    """Payments on: 5.00 EUR held per start and per top-up, a top-up within 1.00 of it."""
    settings = settings_for(
        database_url,
        stripe_secret_key=API_KEY,
        stripe_api_base=localstripe_url,
        stripe_webhook_secret=WEBHOOK_SECRET,
        preauth_amount=Decimal("5.00"),
        topup_threshold=Decimal("1.00"),
        payments_reconcile_interval_s=3600,
        running_cost_interval_s=3600,
    )
    running = RunningServer(settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def paid_api(paid: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with paid.client() as client:
        yield client


async def driver_with_card(
    server: RunningServer,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    email: str,
    number: str = VISA,
) -> SignedUpDriver:
    """A driver who saved a card in the app: Kilowatt hands out a SetupIntent's client
    secret, Stripe.js confirms it with the card (localstripe does not attach it: we do)."""
    driver = await signed_up(server, caplog, email)
    async with driver.client(server) as app:
        setup = await ok(app.post("/api/v1/driver/cards/setup"), 201)
    intent_id = setup["client_secret"].split("_secret_")[0]
    customer = stripe_js.v1.setup_intents.retrieve(intent_id).customer
    assert isinstance(customer, str)
    stripe_js.v1.payment_methods.attach(tokenised(stripe_js, number), {"customer": customer})
    return driver


async def start_and_plug_in(
    app: httpx.AsyncClient, station: Any, station_id: str, meter_start_wh: int = 1000
) -> tuple[int, str]:
    """Start from the app, then the 1.6 station starts the transaction; (its id, session)."""
    answer = await ok(app.post("/api/v1/driver/sessions", json=start_at(station_id)), 202)
    assert answer == {"status": "Accepted"}
    uid = station.received[-1][1]["id_tag"]
    started = await station.call(
        call.StartTransaction(
            connector_id=1, id_tag=uid, meter_start=meter_start_wh, timestamp=at(0)
        ),
        suppress=False,
    )
    (session,) = await ok(app.get("/api/v1/driver/sessions"))
    return started.transaction_id, session["id"]


async def meter(station: Any, transaction_id: int, wh: int, minutes: float) -> None:
    await station.call(
        call.MeterValues(
            connector_id=1, transaction_id=transaction_id, meter_value=register(wh, minutes)
        ),
        suppress=False,
    )


async def stop(station: Any, transaction_id: int, wh: int, minutes: float = 60) -> None:
    stopped = call.StopTransaction(
        meter_stop=wh, timestamp=at(minutes), transaction_id=transaction_id
    )
    await station.call(stopped, suppress=False)


def start_at(station_id: str) -> dict[str, Any]:
    return {"station_id": station_id, "evse_id": 1}


def intent(stripe_js: stripe.StripeClient, reference: str) -> stripe.PaymentIntent:
    return stripe_js.v1.payment_intents.retrieve(reference)


def received(stripe_js: stripe.StripeClient, reference: str) -> int:
    """What Stripe took: the charge minus what went back (localstripe has no amount_received,
    and shows the released part of a partial capture as refunded, as Stripe does)."""
    found = intent(stripe_js, reference).to_dict()
    assert found["status"] == "succeeded", found["status"]
    (charge,) = found["charges"]["data"]
    return int(charge["amount"] - charge["amount_refunded"])


async def follower_idle(server: RunningServer) -> None:
    """Wait until the payment work on the events so far (a top-up, a capture) is done."""
    follower = server.app.payment_follower
    assert follower is not None
    await follower.idle()


async def charged_session(
    server: RunningServer,
    api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    station_id: str,
) -> tuple[SignedUpDriver, dict[str, Any]]:
    """Ada charged 10 kWh from the app at ``station_id`` (1.6): 4.24 captured; her payment."""
    ada = await driver_with_card(server, caplog, stripe_js, "ada@example.com")
    await priced_site(api, station_id)
    async with (
        connected(server, api, AppStation16, station_id, "1.6") as station,
        ada.client(server) as app,
    ):
        tx, _ = await start_and_plug_in(app, station, station_id)
        await stop(station, tx, 11000)
        await follower_idle(server)
        (payment,) = await ok(app.get("/api/v1/driver/payments"))
    assert (payment["state"], payment["captured_minor"]) == ("captured", 424)
    return ada, payment


async def reference_of(server: RunningServer, payment_id: str) -> str:
    assert server.app.payments is not None
    stored = await server.app.payments.store.get(payment_id)
    assert stored is not None
    return stored.reference
