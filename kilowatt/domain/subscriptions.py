"""Subscriptions: a driver pays a plan every month (or year) and charges at the tariffs of the
plan's driver group (``domain.tariff_selection``: a group's tariff wins over public ones).

    none ──subscribe──▶ ACTIVE ──cancel──▶ CANCELED

While a subscription is active, the driver's tokens carry the plan's driver group.
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
    CANCELED = "canceled"


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

    def cancel(self, now: datetime) -> None:
        self.status, self.updated_at = SubscriptionStatus.CANCELED, now
