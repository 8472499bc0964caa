"""Subscriptions: a driver pays a plan every month (or year) and charges at the tariffs of the
plan's driver group (``domain.tariff_selection``: a group's tariff wins over public ones).

    none ──subscribe──▶ ACTIVE ──cancel──▶ CANCELED
                          ▲  │ a renewal failed (provider: past_due, unpaid)
            paid again    │  ▼
                          PAST_DUE ──the provider ends it (or the driver cancels)──▶ CANCELED

While a subscription is active or past due, the driver's tokens carry the plan's driver group:
the provider is still retrying the card, and the app shows ``past_due`` so the driver can fix
it. Only CANCELED (final) takes the group away. ``follow`` applies the provider's status the
same way for a webhook and for a poll: CANCELED never changes again, so a late or replayed
report cannot revive a subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilowatt.domain.errors import InvalidValue

__all__ = ["Plan", "Subscription", "SubscriptionStatus"]

_INTERVALS = frozenset({"month", "year"})


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"


#: The provider's subscription statuses (Stripe's) and what each means here; others
#: (``incomplete``: never ours, we cancel a first period that is not paid) change nothing.
_PROVIDER_STATUS = {
    "active": SubscriptionStatus.ACTIVE,
    "trialing": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.PAST_DUE,
    "canceled": SubscriptionStatus.CANCELED,
    "incomplete_expired": SubscriptionStatus.CANCELED,
}


@dataclass(frozen=True, slots=True)
class Plan:
    """What a subscription costs (minor units per interval) and which tariffs it unlocks."""

    id: str
    name: str
    amount_minor: int
    currency: str
    interval: str  # month | year
    driver_group: str
    reference: str  # the provider's plan id
    created_at: datetime

    def __post_init__(self) -> None:
        if self.interval not in _INTERVALS:
            raise InvalidValue(f"a plan is billed every month or year, not {self.interval!r}")
        if self.amount_minor <= 0:
            raise InvalidValue("a plan costs something")


@dataclass(slots=True)
class Subscription:
    id: str
    driver_id: str
    plan_id: str
    reference: str  # the provider's subscription id
    created_at: datetime
    updated_at: datetime
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.status is SubscriptionStatus.ACTIVE

    @property
    def is_ended(self) -> bool:
        return self.status is SubscriptionStatus.CANCELED

    def cancel(self, now: datetime) -> None:
        self.status, self.updated_at = SubscriptionStatus.CANCELED, now

    def follow(self, provider_status: str, now: datetime) -> bool:
        """Take the provider's status (``past_due``, ``canceled``, ...); whether it changed.
        Once CANCELED nothing moves it, and an unknown status changes nothing."""
        status = _PROVIDER_STATUS.get(provider_status)
        if status is None or status is self.status or self.is_ended:
            return False
        self.status, self.updated_at = status, now
        return True
