"""Payments (issue 7): saved cards and payments seen by a driver, refunds by an operator,
subscription plans.

Amounts are integers in the currency's minor unit (cents), as the provider counts them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.domain.payments import HoldKind, Payment, PaymentRefund, PaymentState
from kilowatt.domain.subscriptions import Plan, Subscription, SubscriptionStatus
from kilowatt.ports import SavedCard

__all__ = [
    "CardSetup",
    "PaymentPublic",
    "PlanCreate",
    "PlanPublic",
    "RefundCreate",
    "RefundPublic",
    "SavedCardPublic",
    "SubscriptionCreate",
    "SubscriptionPublic",
    "WebhookAnswer",
]


class CardSetup(BaseModel):
    """Hand ``client_secret`` to Stripe.js (confirmCardSetup): the card goes to Stripe only."""

    client_secret: str


class SavedCardPublic(BaseModel):
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    default: bool

    @classmethod
    def of(cls, card: SavedCard) -> SavedCardPublic:
        return cls(**{name: getattr(card, name) for name in cls.model_fields})


class PaymentPublic(BaseModel):
    id: str
    kind: HoldKind = Field(
        description="start: held before the start; top_up: held as the "
        "cost grew; shortfall: charged at the end above the holds"
    )
    state: PaymentState
    currency: str
    authorized_minor: int
    captured_minor: int
    refunded_minor: int
    session_id: str | None = Field(description="The session (transaction) it pays for")
    partner_session: str | None = Field(
        default=None,
        description="A session at a partner CPO it pays for: {country}:{party}:{session id}",
    )
    cdr_id: str | None = Field(description="Ours, or a partner's as {country}:{party}:{id}")
    station_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> PaymentPublic:
        ours = {"session_id", "partner_session"}
        fields = {n: getattr(payment, n) for n in cls.model_fields if n not in ours}
        session, partner_session = payment.transaction_pk, payment.roaming_session
        return cls(**fields, session_id=session, partner_session=partner_session)


class RefundCreate(Input):
    amount_minor: int | None = Field(
        default=None, ge=1, description="Minor units to give back; left out: all that is left"
    )
    reason: str | None = Field(default=None, max_length=255)


class RefundPublic(BaseModel):
    id: str
    payment_id: str
    cdr_id: str | None
    amount_minor: int
    requested_by: str
    reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, refund: PaymentRefund) -> RefundPublic:
        return cls(**{name: getattr(refund, name) for name in cls.model_fields})


class WebhookAnswer(BaseModel):
    received: str = Field(description="processed, or duplicate for an event seen before")


class PlanCreate(Input):
    name: str = Field(min_length=1, max_length=100, examples=["Kilowatt Plus"])
    amount_minor: int = Field(ge=1, description="Price per interval in minor units")
    interval: Literal["month", "year"] = "month"
    driver_group: str = Field(
        min_length=1, max_length=36, description="Its subscribers charge at this group's tariffs"
    )


class PlanPublic(BaseModel):
    id: str
    name: str
    amount_minor: int
    currency: str
    interval: str
    driver_group: str

    @classmethod
    def of(cls, plan: Plan) -> PlanPublic:
        return cls(**{name: getattr(plan, name) for name in cls.model_fields})


class SubscriptionCreate(Input):
    plan_id: str = Field(min_length=1, max_length=36)


class SubscriptionPublic(BaseModel):
    id: str
    plan_id: str
    status: SubscriptionStatus
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionPublic:
        return cls(**{name: getattr(subscription, name) for name in cls.model_fields})
