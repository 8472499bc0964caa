"""Subscription plans and subscriptions in the store (issue 7), committed as they are saved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from kilowatt.domain.subscriptions import Plan, Subscription, SubscriptionStatus
from kilowatt.store import tables
from kilowatt.store.committer import GroupCommitter
from kilowatt.store.repositories import StoreContext

__all__ = ["SqlSubscriptionStore"]

_PLAN_FIELDS = tuple(Plan.__dataclass_fields__)
_SUBSCRIPTION_FIELDS = tuple(Subscription.__dataclass_fields__)


class SqlSubscriptionStore:
    """ports.SubscriptionStore."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def add_plan(self, plan: Plan) -> None:
        row = {name: getattr(plan, name) for name in _PLAN_FIELDS}
        await self._committer.commit([self._context.statements.insert(tables.plans, row)])

    async def plan(self, plan_id: str) -> Plan | None:
        t = tables.plans
        row = await self._context.fetch_one(select(t).where(t.c.id == plan_id))
        return Plan(**row) if row else None

    async def plans(self) -> Sequence[Plan]:
        t = tables.plans
        rows = await self._context.fetch_all(select(t).order_by(t.c.amount_minor, t.c.id))
        return [Plan(**row) for row in rows]

    async def save(self, subscription: Subscription) -> None:
        row = {name: getattr(subscription, name) for name in _SUBSCRIPTION_FIELDS}
        row["status"] = subscription.status.value
        write = self._context.statements.upsert(tables.subscriptions, row)
        await self._committer.commit([write])

    async def active_of(self, driver_id: str) -> Subscription | None:
        t = tables.subscriptions
        ended = SubscriptionStatus.CANCELED.value
        return await self._one((t.c.driver_id == driver_id) & (t.c.status != ended))

    async def unended(self, limit: int) -> Sequence[Subscription]:
        t = tables.subscriptions
        ended = SubscriptionStatus.CANCELED.value
        query = select(t).where(t.c.status != ended).order_by(t.c.created_at, t.c.id)
        rows = await self._context.fetch_all(query.limit(limit))
        return [_subscription(row) for row in rows]

    async def by_reference(self, reference: str) -> Subscription | None:
        return await self._one(tables.subscriptions.c.reference == reference)

    async def _one(self, condition: Any) -> Subscription | None:
        row = await self._context.fetch_one(select(tables.subscriptions).where(condition))
        return None if row is None else _subscription(row)


def _subscription(row: Any) -> Subscription:
    return Subscription(**(row | {"status": SubscriptionStatus(row["status"])}))
