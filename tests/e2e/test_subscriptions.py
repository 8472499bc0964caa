"""Subscriptions end to end against localstripe: the operator offers a plan for a driver
group, a driver subscribes in the app (the first month paid on their saved card at Stripe),
charges at the group's cheaper tariff, and after cancelling is back at the public one."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import stripe

from kilowatt.domain.payments import to_minor
from tests.conftest import RunningServer
from tests.e2e.payment_support import (
    driver_with_card,
    follower_idle,
    paid,
    paid_api,
    start_and_plug_in,
    stop,
)
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_sessions import AppStation16, app_token_of, connected, ok
from tests.stripe_support import localstripe_url, signed, stripe_js

__all__ = ["localstripe_url", "paid", "paid_api", "stripe_js"]  # the fixtures, used by name

PLUS = {
    "name": "Kilowatt Plus",
    "amount_minor": 499,
    "interval": "month",
    "driver_group": "subscribers",
}


async def test_a_subscriber_charges_at_the_group_tariff_until_cancelling(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    plan = await ok(paid_api.post("/api/v1/plans", json=PLUS), 201)
    assert (plan["currency"], plan["driver_group"]) == ("EUR", "subscribers")
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-SUBS")  # AC-STD 0.30/kWh, AC-SUB 0.20/kWh for subscribers
    async with ada.client(paid) as app:
        assert await ok(app.get("/api/v1/driver/plans")) == [plan]
        assert (await app.get("/api/v1/driver/subscription")).status_code == 204
        subscribed = await ok(
            app.put("/api/v1/driver/subscription", json={"plan_id": plan["id"]}), 201
        )
        assert subscribed["status"] == "active"
        assert await ok(app.get("/api/v1/driver/subscription")) == subscribed
        twice = await app.put("/api/v1/driver/subscription", json={"plan_id": plan["id"]})
        assert twice.status_code == 409
        uid = await app_token_of(app)
    assert (await ok(paid_api.get(f"/api/v1/tokens/{uid}")))["group_id"] == "subscribers"
    assert paid.app.payments is not None
    customer = await paid.app.payments.store.customer(ada.id)
    subscriptions = stripe_js.v1.subscriptions.list({"limit": 100}).data
    (at_stripe,) = [s for s in subscriptions if s.customer == customer]
    assert at_stripe.status == "active"

    async with (
        connected(paid, paid_api, AppStation16, "CP-SUBS", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, _ = await start_and_plug_in(app, station, "CP-SUBS")
        await stop(station, tx, 11000)  # 10 kWh at the subscribers' 0.20 + 0.50
        await follower_idle(paid)
        (cdr,) = await ok(app.get("/api/v1/driver/cdrs"))
        (payment,) = await ok(app.get("/api/v1/driver/payments"))
    assert [t["id"] for t in cdr["tariffs"]] == ["AC-SUB"]
    total = to_minor(Decimal(str(cdr["total_cost"]["incl_vat"])), "EUR")
    assert total < 424 and payment["captured_minor"] == total

    async with ada.client(paid) as app:
        cancelled = await ok(app.delete("/api/v1/driver/subscription"))
        assert cancelled["status"] == "canceled"
        assert (await app.get("/api/v1/driver/subscription")).status_code == 204
    assert (await ok(paid_api.get(f"/api/v1/tokens/{uid}")))["group_id"] is None
    assert stripe_js.v1.subscriptions.retrieve(at_stripe.id).status == "canceled"


async def test_a_subscription_stripe_ends_takes_the_group_away(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    plan = await ok(paid_api.post("/api/v1/plans", json=PLUS), 201)
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    async with ada.client(paid) as app:
        await ok(app.put("/api/v1/driver/subscription", json={"plan_id": plan["id"]}), 201)
        uid = await app_token_of(app)
    assert paid.app.payments is not None
    customer = await paid.app.payments.store.customer(ada.id)
    subscriptions = stripe_js.v1.subscriptions.list({"limit": 100}).data
    (at_stripe,) = [s for s in subscriptions if s.customer == customer]
    ended = stripe_js.v1.subscriptions.cancel(at_stripe.id)  # unpaid, or ended in the dashboard

    deleted = {
        "id": f"evt_{at_stripe.id}",
        "object": "event",
        "type": "customer.subscription.deleted",
        "data": {"object": ended.to_dict()},
    }
    body, signature = signed(deleted)
    async with paid.client(None) as stripe_side:
        answer = await stripe_side.post(
            "/api/v1/payments/stripe/webhook",
            content=body,
            headers={"Stripe-Signature": signature},
        )
    assert answer.json() == {"received": "processed"}
    async with ada.client(paid) as app:
        assert (await app.get("/api/v1/driver/subscription")).status_code == 204
    assert (await ok(paid_api.get(f"/api/v1/tokens/{uid}")))["group_id"] is None
