"""A subscription follows the provider's status forward only: a failed renewal makes it past
due, paying again makes it active, and once ended nothing revives it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.subscriptions import Subscription, SubscriptionStatus

T0 = datetime(2026, 11, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=3)


def subscription(status: SubscriptionStatus = SubscriptionStatus.ACTIVE) -> Subscription:
    return Subscription("sub-1", "driver-1", "plan-1", "sub_123", T0, T0, status)


@pytest.mark.parametrize(
    ("before", "provider", "after", "changed"),
    [
        (SubscriptionStatus.ACTIVE, "active", SubscriptionStatus.ACTIVE, False),
        (SubscriptionStatus.ACTIVE, "trialing", SubscriptionStatus.ACTIVE, False),
        (SubscriptionStatus.ACTIVE, "past_due", SubscriptionStatus.PAST_DUE, True),
        (SubscriptionStatus.ACTIVE, "unpaid", SubscriptionStatus.PAST_DUE, True),
        (SubscriptionStatus.ACTIVE, "canceled", SubscriptionStatus.CANCELED, True),
        (SubscriptionStatus.ACTIVE, "incomplete_expired", SubscriptionStatus.CANCELED, True),
        (SubscriptionStatus.ACTIVE, "incomplete", SubscriptionStatus.ACTIVE, False),
        (SubscriptionStatus.ACTIVE, "something new", SubscriptionStatus.ACTIVE, False),
        (SubscriptionStatus.PAST_DUE, "past_due", SubscriptionStatus.PAST_DUE, False),
        (SubscriptionStatus.PAST_DUE, "active", SubscriptionStatus.ACTIVE, True),
        (SubscriptionStatus.PAST_DUE, "canceled", SubscriptionStatus.CANCELED, True),
        (SubscriptionStatus.CANCELED, "active", SubscriptionStatus.CANCELED, False),
        (SubscriptionStatus.CANCELED, "past_due", SubscriptionStatus.CANCELED, False),
        (SubscriptionStatus.CANCELED, "canceled", SubscriptionStatus.CANCELED, False),
    ],
)
def test_a_subscription_follows_the_provider_forward_only(
    before: SubscriptionStatus, provider: str, after: SubscriptionStatus, changed: bool
) -> None:
    followed = subscription(before)
    assert followed.follow(provider, LATER) is changed
    assert followed.status is after
    assert followed.updated_at == (LATER if changed else T0)


def test_a_past_due_subscription_has_not_ended() -> None:
    past_due = subscription(SubscriptionStatus.PAST_DUE)
    assert not past_due.is_ended and not past_due.is_active
    assert subscription(SubscriptionStatus.CANCELED).is_ended
