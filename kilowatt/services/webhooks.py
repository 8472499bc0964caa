"""Alert webhooks through a durable outbox: a change to an alert stages a delivery in the same
unit of work; ``deliver_due`` sends what is due and retries failures with backoff, so neither
a receiver that is down nor a restart loses a notification."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from kilowatt.domain.alerts import Alert
from kilowatt.domain.errors import DeliveryFailed
from kilowatt.ports import UnitOfWork, WebhookDelivery, WebhookSender
from kilowatt.services.context import MonitoringRules, ServiceContext

__all__ = ["alert_body", "deliver_due", "enqueue", "retry_delay"]

log = logging.getLogger(__name__)

_MAX_DELAY = timedelta(hours=1)


def enqueue(
    uow: UnitOfWork, rules: MonitoringRules, event: str, alert: Alert, now: datetime
) -> None:
    """Stage the webhook of an alert change: alert.opened, .acknowledged or .resolved."""
    if not rules.webhook_enabled:
        return
    delivery_id = str(uuid.uuid4())
    body = alert_body(event, delivery_id, alert, now)
    uow.webhooks.add(WebhookDelivery(delivery_id, event, body, now, next_attempt_at=now))


def alert_body(event: str, delivery_id: str, alert: Alert, now: datetime) -> str:
    """The JSON body, fixed once: a retry sends the same bytes."""
    document = {
        "event": event,
        "delivery_id": delivery_id,
        "occurred_at": now.isoformat(),
        "alert": {name: _plain(value) for name, value in dataclasses.asdict(alert).items()},
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def retry_delay(rules: MonitoringRules, attempts: int) -> timedelta:
    """After the n-th failed attempt: base · 2^(n-1), at most an hour."""
    delay_s = rules.webhook_retry_base_s * 2 ** min(attempts - 1, 40)  # no overflow
    return min(timedelta(seconds=delay_s), _MAX_DELAY)


async def deliver_due(ctx: ServiceContext, sender: WebhookSender, *, limit: int = 50) -> int:
    """Send the deliveries that are due; returns how many were delivered."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        due = await uow.webhooks.due(now, limit)
    delivered = 0
    for delivery in due:
        outcome = await _attempt(sender, delivery, ctx.monitoring, ctx.clock.now())
        delivered += outcome.delivered_at is not None
        async with ctx.uow() as uow:
            uow.webhooks.save(outcome)
            await uow.commit()
    return delivered


async def _attempt(
    sender: WebhookSender, delivery: WebhookDelivery, rules: MonitoringRules, now: datetime
) -> WebhookDelivery:
    attempts = delivery.attempts + 1
    try:
        await sender.send(delivery)
    except DeliveryFailed as failure:
        retry_at = now + retry_delay(rules, attempts)
        gave_up = attempts >= rules.webhook_max_attempts
        log.warning("webhook %s attempt %d failed: %s", delivery.id, attempts, failure)
        return dataclasses.replace(
            delivery,
            attempts=attempts,
            next_attempt_at=None if gave_up else retry_at,
            last_error=str(failure)[:255],
        )
    return dataclasses.replace(
        delivery, attempts=attempts, next_attempt_at=None, delivered_at=now, last_error=None
    )
