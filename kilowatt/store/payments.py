"""Payments in the store (issue 7): holds, refunds, provider customers, handled webhook events.

Every write is committed (through the group committer) before the call returns: a payment
follows what the provider did, so it is recorded at once, not with a unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from kilowatt.domain.payments import HoldKind, Payment, PaymentRefund, PaymentState
from kilowatt.store import tables
from kilowatt.store.committer import GroupCommitter
from kilowatt.store.repositories import StoreContext

__all__ = ["SqlPaymentStore"]

_PAYMENT_FIELDS = tuple(Payment.__dataclass_fields__)
_REFUND_FIELDS = tuple(PaymentRefund.__dataclass_fields__)


class SqlPaymentStore:
    """ports.PaymentStore."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def save(self, payment: Payment) -> None:
        await self._committer.commit([self._upsert(payment)])

    async def get(self, payment_id: str) -> Payment | None:
        found = await self._payments(tables.payments.c.id == payment_id)
        return found[0] if found else None

    async def by_reference(self, reference: str) -> Payment | None:
        found = await self._payments(tables.payments.c.reference == reference)
        return found[0] if found else None

    async def of_transaction(self, transaction_pk: str) -> Sequence[Payment]:
        return await self._payments(tables.payments.c.transaction_pk == transaction_pk)

    async def of_cdr(self, cdr_id: str) -> Sequence[Payment]:
        return await self._payments(tables.payments.c.cdr_id == cdr_id)

    async def of_driver(self, driver_id: str, limit: int, offset: int) -> Sequence[Payment]:
        t = tables.payments
        statement = (
            select(t)
            .where(t.c.driver_id == driver_id)
            .order_by(t.c.created_at.desc(), t.c.id)
            .limit(limit)
            .offset(offset)
        )
        return [_payment(row) for row in await self._context.fetch_all(statement)]

    async def unlinked(self, station_id: str) -> Sequence[Payment]:
        t = tables.payments
        return await self._payments(
            (t.c.station_id == station_id)
            & t.c.transaction_pk.is_(None)
            & (t.c.kind == HoldKind.START.value)
            & t.c.state.in_([PaymentState.AUTHORIZED.value, PaymentState.RELEASED.value])
        )

    async def of_roaming_session(self, session_key: str) -> Sequence[Payment]:
        return await self._payments(tables.payments.c.roaming_session == session_key)

    async def by_roaming_reference(self, reference: str) -> Sequence[Payment]:
        return await self._payments(tables.payments.c.roaming_reference == reference)

    async def unlinked_roaming(
        self, driver_id: str, partner_id: str, location_id: str
    ) -> Sequence[Payment]:
        t = tables.payments
        return await self._payments(
            (t.c.driver_id == driver_id)
            & (t.c.roaming_partner == partner_id)
            & (t.c.roaming_location == location_id)
            & t.c.roaming_session.is_(None)
            & (t.c.kind == HoldKind.START.value)
            & t.c.state.in_([PaymentState.AUTHORIZED.value, PaymentState.RELEASED.value])
        )

    async def authorized(self, limit: int) -> Sequence[Payment]:
        t = tables.payments
        statement = (
            select(t)
            .where(t.c.state == PaymentState.AUTHORIZED.value)
            .order_by(t.c.created_at, t.c.id)
            .limit(limit)
        )
        return [_payment(row) for row in await self._context.fetch_all(statement)]

    async def add_refund(self, refund: PaymentRefund, payment: Payment) -> None:
        row = {name: getattr(refund, name) for name in _REFUND_FIELDS}
        insert = self._context.statements.insert(tables.payment_refunds, row)
        await self._committer.commit([self._upsert(payment), insert])

    async def refunds(self, payment_ids: Sequence[str]) -> Sequence[PaymentRefund]:
        t = tables.payment_refunds
        statement = select(t).where(t.c.payment_id.in_(list(payment_ids)))
        rows = await self._context.fetch_all(statement.order_by(t.c.created_at, t.c.id))
        return [PaymentRefund(**row) for row in rows]

    async def refund_by_key(self, idempotency_key: str) -> Sequence[PaymentRefund]:
        t = tables.payment_refunds
        statement = select(t).where(t.c.idempotency_key == idempotency_key)
        rows = await self._context.fetch_all(statement.order_by(t.c.created_at, t.c.id))
        return [PaymentRefund(**row) for row in rows]

    async def customer(self, driver_id: str) -> str | None:
        t = tables.payment_customers
        row = await self._context.fetch_one(select(t).where(t.c.driver_id == driver_id))
        return None if row is None else str(row["customer"])

    async def add_customer(self, driver_id: str, customer: str, now: datetime) -> None:
        row = {"driver_id": driver_id, "customer": customer, "created_at": now}
        await self._committer.commit(
            [self._context.statements.insert_ignore(tables.payment_customers, row)]
        )

    async def seen_event(self, event_id: str) -> bool:
        t = tables.payment_events
        return await self._context.fetch_one(select(t.c.id).where(t.c.id == event_id)) is not None

    async def add_event(self, event_id: str, now: datetime) -> None:
        row = {"id": event_id, "received_at": now}
        await self._committer.commit(
            [self._context.statements.insert_ignore(tables.payment_events, row)]
        )

    async def _payments(self, condition: Any) -> list[Payment]:
        t = tables.payments
        statement = select(t).where(condition).order_by(t.c.created_at, t.c.id)
        return [_payment(row) for row in await self._context.fetch_all(statement)]

    def _upsert(self, payment: Payment) -> Any:
        row = {name: getattr(payment, name) for name in _PAYMENT_FIELDS}
        row |= {"state": payment.state.value, "kind": payment.kind.value}
        return self._context.statements.upsert(tables.payments, row)


def _payment(row: dict[str, Any]) -> Payment:
    return Payment(**(row | {"state": PaymentState(row["state"]), "kind": HoldKind(row["kind"])}))
