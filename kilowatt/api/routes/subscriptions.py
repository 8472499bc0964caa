"""Subscription plans: the operator offers them (``/plans``), a driver subscribes to one
(``/driver/subscription``) and charges at its driver group's tariffs while subscribed."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from kilowatt.api.deps import require_key
from kilowatt.api.driver_deps import SignedInDriver
from kilowatt.api.payment_deps import SubscriptionsDep
from kilowatt.api.schemas.payments import (
    PlanCreate,
    PlanPublic,
    SubscriptionCreate,
    SubscriptionPublic,
)
from kilowatt.services import subscriptions
from kilowatt.services.subscriptions import PlanOffer

operator = APIRouter(tags=["subscriptions"], dependencies=[Depends(require_key)])
driver = APIRouter(prefix="/driver", tags=["driver subscriptions"])


@operator.post("/plans", status_code=201)
async def create_plan(body: PlanCreate, sctx: SubscriptionsDep) -> PlanPublic:
    offer = PlanOffer(body.name, body.amount_minor, body.interval, body.driver_group)
    return PlanPublic.of(await subscriptions.create_plan(offer, sctx))


@operator.get("/plans")
async def list_plans(sctx: SubscriptionsDep) -> list[PlanPublic]:
    return [PlanPublic.of(plan) for plan in await subscriptions.plans(sctx)]


@driver.get("/plans")
async def plans_on_offer(_: SignedInDriver, sctx: SubscriptionsDep) -> list[PlanPublic]:
    return [PlanPublic.of(plan) for plan in await subscriptions.plans(sctx)]


@driver.get("/subscription", response_model=None)
async def my_subscription(
    me: SignedInDriver, sctx: SubscriptionsDep
) -> SubscriptionPublic | Response:
    """Your active subscription, or 204 with none."""
    found = await subscriptions.subscription_of(me.id, sctx)
    return Response(status_code=204) if found is None else SubscriptionPublic.of(found)


@driver.put("/subscription", status_code=201)
async def subscribe(
    body: SubscriptionCreate, me: SignedInDriver, sctx: SubscriptionsDep
) -> SubscriptionPublic:
    """Subscribe with your default card (402 if declined); the first period is paid now."""
    return SubscriptionPublic.of(await subscriptions.subscribe(me.id, body.plan_id, sctx))


@driver.delete("/subscription")
async def cancel(me: SignedInDriver, sctx: SubscriptionsDep) -> SubscriptionPublic:
    return SubscriptionPublic.of(await subscriptions.cancel(me.id, sctx))
