"""Subscriptions: the operator offers plans, each tied to a driver group; a driver subscribes
from the app (paid with their saved card at Stripe) and from then on charges at the group's
tariffs, because their tokens carry the group. Cancelling takes the group away again.
A failed renewal makes it PAST_DUE (the group stays while the provider retries the card);
once the provider ends it, the group goes. ``reconcile`` polls the provider for the same
changes a webhook brings, so a lost webhook loses nothing.

    plan = await subscriptions.create_plan(PlanOffer("Plus", 499, "month", "subscribers"), sctx)
    await subscriptions.subscribe(driver_id, plan.id, sctx)   # PaymentDeclined if refused
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from kilowatt.domain import events
from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.domain.subscriptions import Plan, Subscription
from kilowatt.ports import ProviderEvent, SubscriptionBilling, SubscriptionStore
from kilowatt.services.payment_cards import card_for_hold, customer_of
from kilowatt.services.payment_context import PaymentContext

__all__ = [
    "PlanOffer",
    "SubscriptionContext",
    "cancel",
    "create_plan",
    "on_provider_event",
    "plans",
    "reconcile",
    "subscribe",
    "subscription_of",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SubscriptionContext:
    pctx: PaymentContext
    billing: SubscriptionBilling
    store: SubscriptionStore


@dataclass(frozen=True, slots=True)
class PlanOffer:
    name: str
    amount_minor: int  # per interval, in the deployment's currency
    interval: str  # month | year
    driver_group: str


async def create_plan(offer: PlanOffer, sctx: SubscriptionContext) -> Plan:
    plan_id, currency = str(uuid.uuid4()), sctx.pctx.policy.currency
    reference = await sctx.billing.create_plan(
        offer.name, offer.amount_minor, currency, offer.interval, f"plan-{plan_id}"
    )
    now = sctx.pctx.ctx.clock.now()
    plan = Plan(
        plan_id,
        offer.name,
        offer.amount_minor,
        currency,
        offer.interval,
        offer.driver_group,
        reference,
        now,
    )
    await sctx.store.add_plan(plan)
    return plan


async def plans(sctx: SubscriptionContext) -> Sequence[Plan]:
    return await sctx.store.plans()


async def subscription_of(driver_id: str, sctx: SubscriptionContext) -> Subscription | None:
    return await sctx.store.active_of(driver_id)


async def subscribe(driver_id: str, plan_id: str, sctx: SubscriptionContext) -> Subscription:
    """Subscribe with the default card; the first period is paid at once."""
    plan = await sctx.store.plan(plan_id)
    if plan is None:
        raise NotFound(f"no plan {plan_id}")
    if await sctx.store.active_of(driver_id) is not None:
        raise Conflict("already subscribed: cancel the current plan first")
    customer = await customer_of(driver_id, sctx.pctx)
    card = await card_for_hold(customer, sctx.pctx)
    subscription_id = str(uuid.uuid4())
    key = f"subscription-{subscription_id}"
    reference = await sctx.billing.subscribe(customer, plan.reference, card, key)
    now = sctx.pctx.ctx.clock.now()
    subscription = Subscription(subscription_id, driver_id, plan.id, reference, now, now)
    await sctx.store.save(subscription)
    await _set_group(driver_id, plan.driver_group, None, sctx)
    return subscription


async def cancel(driver_id: str, sctx: SubscriptionContext) -> Subscription:
    subscription = await sctx.store.active_of(driver_id)
    if subscription is None:
        raise NotFound("no active subscription")
    plan = await sctx.store.plan(subscription.plan_id)
    await sctx.billing.cancel(subscription.reference)
    subscription.cancel(sctx.pctx.ctx.clock.now())
    await sctx.store.save(subscription)
    if plan is not None:
        await _set_group(driver_id, None, plan.driver_group, sctx)
    return subscription


async def on_provider_event(event: ProviderEvent, sctx: SubscriptionContext) -> None:
    """A subscription Stripe ended (unpaid, cancelled in its dashboard): the group goes."""
    if event.ended_subscription is None:
        return
    subscription = await sctx.store.by_reference(event.ended_subscription)
    if subscription is not None:
        await _follow(subscription, "canceled", sctx)


async def reconcile(sctx: SubscriptionContext, limit: int = 200) -> int:
    """Ask the provider about every subscription that has not ended and apply its status
    as a webhook would (a lost webhook loses nothing); how many changed."""
    changed = 0
    for subscription in await sctx.store.unended(limit):
        status = await sctx.billing.status(subscription.reference)
        changed += await _follow(subscription, status, sctx)
    return changed


async def _follow(subscription: Subscription, status: str, sctx: SubscriptionContext) -> bool:
    """Apply the provider's ``status``; once it has ended, the plan's group leaves the tokens."""
    if not subscription.follow(status, sctx.pctx.ctx.clock.now()):
        return False
    await sctx.store.save(subscription)
    log.info("subscription %s is %s (provider: %s)", subscription.id, subscription.status, status)
    plan = await sctx.store.plan(subscription.plan_id)
    if subscription.is_ended and plan is not None:
        await _set_group(subscription.driver_id, None, plan.driver_group, sctx)
    return True


async def _set_group(
    driver_id: str, group: str | None, only_from: str | None, sctx: SubscriptionContext
) -> None:
    """Give the driver's tokens ``group`` (cancelling: only those still in ``only_from``)."""
    ctx = sctx.pctx.ctx
    async with ctx.uow() as uow:
        for token in await uow.drivers.tokens(driver_id):
            if only_from is not None and token.group_id != only_from:
                continue
            token.group_id, token.updated_at = group, ctx.clock.now()
            uow.tokens.save(token)
            uow.record(events.TokenChanged(token.uid))
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
