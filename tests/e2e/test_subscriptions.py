"""Subscriptions end to end against localstripe: the operator offers a plan for a driver
group, a driver subscribes in the app (the first month paid on their saved card at Stripe),
charges at the group's cheaper tariff, and after cancelling is back at the public one. A
failed renewal and the end Stripe decides reach Kilowatt by the payments sweep even when their
webhooks are lost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
import stripe

from kilowatt.bootstrap import sweep_payments
from kilowatt.domain.payments import to_minor
from kilowatt.services.subscriptions import reconcile as reconcile_subscriptions
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
from tests.stripe_support import DECLINED_ON_CHARGE, localstripe_url, signed, stripe_js, tokenised

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
    at_stripe = await subscription_at_stripe(paid, stripe_js, ada.id)
    ended = stripe_js.v1.subscriptions.cancel(at_stripe.id)  # unpaid, or ended in the dashboard

    answer = await deleted_webhook(paid, f"evt_{at_stripe.id}", ended)
    assert answer == {"received": "processed"}
    async with ada.client(paid) as app:
        assert (await app.get("/api/v1/driver/subscription")).status_code == 204
    assert (await ok(paid_api.get(f"/api/v1/tokens/{uid}")))["group_id"] is None


async def test_the_sweep_follows_a_failed_renewal_and_the_end_whose_webhooks_were_lost(
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
    at_stripe = await subscription_at_stripe(paid, stripe_js, ada.id)

    renewal_fails(stripe_js, at_stripe)  # no webhook reaches Kilowatt
    await sweep_payments(paid.app)
    async with ada.client(paid) as app:
        assert (await ok(app.get("/api/v1/driver/subscription")))["status"] == "past_due"
    # Stripe is still retrying the card: the plan's prices stay until it gives up
    assert (await ok(paid_api.get(f"/api/v1/tokens/{uid}")))["group_id"] == "subscribers"

    stripe_js.v1.subscriptions.cancel(at_stripe.id)  # Stripe gave up; the webhook is lost
    await sweep_payments(paid.app)
    async with ada.client(paid) as app:
        assert (await app.get("/api/v1/driver/subscription")).status_code == 204
    assert (await ok(paid_api.get(f"/api/v1/tokens/{uid}")))["group_id"] is None

    assert paid.app.subscriptions is not None
    assert await reconcile_subscriptions(paid.app.subscriptions) == 0  # a replay: nothing
    stored = await paid.app.subscriptions.store.by_reference(at_stripe.id)
    assert stored is not None and stored.status == "canceled"


async def test_a_late_webhook_does_not_revive_a_subscription_the_sweep_ended(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    plan = await ok(paid_api.post("/api/v1/plans", json=PLUS), 201)
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    async with ada.client(paid) as app:
        await ok(app.put("/api/v1/driver/subscription", json={"plan_id": plan["id"]}), 201)
    at_stripe = await subscription_at_stripe(paid, stripe_js, ada.id)
    ended = stripe_js.v1.subscriptions.cancel(at_stripe.id)
    await sweep_payments(paid.app)

    answer = await deleted_webhook(paid, f"evt_late_{at_stripe.id}", ended)
    assert answer == {"received": "processed"}
    assert paid.app.subscriptions is not None
    stored = await paid.app.subscriptions.store.by_reference(at_stripe.id)
    assert stored is not None and stored.status == "canceled"


async def deleted_webhook(server: RunningServer, event_id: str, ended: stripe.Subscription) -> Any:
    """Stripe's ``customer.subscription.deleted`` for ``ended``, signed and delivered; our
    answer."""
    deleted = {
        "id": event_id,
        "object": "event",
        "type": "customer.subscription.deleted",
        "data": {"object": ended.to_dict()},
    }
    body, signature = signed(deleted)
    async with server.client(None) as stripe_side:
        answer = await stripe_side.post(
            "/api/v1/payments/stripe/webhook",
            content=body,
            headers={"Stripe-Signature": signature},
        )
    return answer.json()


async def subscription_at_stripe(
    server: RunningServer, stripe_js: stripe.StripeClient, driver_id: str
) -> stripe.Subscription:
    assert server.app.payments is not None
    customer = await server.app.payments.store.customer(driver_id)
    subscriptions_at_stripe = stripe_js.v1.subscriptions.list({"limit": 100}).data
    (found,) = [s for s in subscriptions_at_stripe if s.customer == customer]
    return found


def renewal_fails(stripe_js: stripe.StripeClient, subscription: stripe.Subscription) -> None:
    """The card now declines and a new period is billed. localstripe bills no renewals on its
    own, but moving to a yearly plan bills one at once, which fails: ``past_due``, as in Stripe."""
    assert isinstance(subscription.customer, str)
    declining = tokenised(stripe_js, DECLINED_ON_CHARGE)
    stripe_js.v1.payment_methods.attach(declining, {"customer": subscription.customer})
    settings: Any = {"default_payment_method": declining}
    stripe_js.v1.customers.update(subscription.customer, {"invoice_settings": settings})
    product: Any = {"name": "Kilowatt Plus yearly", "type": "service"}
    yearly_params: Any = {
        "product": stripe_js.v1.products.create(product).id,
        "amount": 4990,
        "currency": "eur",
        "interval": "year",
    }
    yearly = stripe_js.v1.plans.create(yearly_params)
    item = subscription["items"]["data"][0]["id"]
    moved = stripe_js.v1.subscriptions.update(
        subscription.id, {"items": [{"id": item, "plan": yearly.id}]}
    )
    assert moved.status == "past_due"
