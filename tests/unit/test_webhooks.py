"""Webhook bodies, signatures and backoff (services/webhooks.py, adapters/webhook.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.adapters.webhook import signature
from kilowatt.domain.alerts import Alert, AlertKind
from kilowatt.services.context import MonitoringRules
from kilowatt.services.webhooks import alert_body, retry_delay

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body() -> None:
    body = '{"event":"alert.opened"}'
    expected = hmac.new(b"s3cret", b'1748779200.{"event":"alert.opened"}', hashlib.sha256)
    assert signature("s3cret", "1748779200", body) == f"sha256={expected.hexdigest()}"
    assert signature("other", "1748779200", body) != signature("s3cret", "1748779200", body)


def test_an_alert_body_carries_the_event_the_delivery_and_the_alert() -> None:
    alert = Alert("a1", AlertKind.STATION_OFFLINE, "CP-1", "", "silent", NOW)
    body = json.loads(alert_body("alert.opened", "d1", alert, NOW))
    assert body == {
        "event": "alert.opened",
        "delivery_id": "d1",
        "occurred_at": "2025-06-01T12:00:00+00:00",
        "alert": {
            "id": "a1",
            "kind": "station_offline",
            "station_id": "CP-1",
            "subject": "",
            "detail": "silent",
            "opened_at": "2025-06-01T12:00:00+00:00",
            "state": "open",
            "acknowledged_by": None,
            "acknowledged_at": None,
            "resolved_by": None,
            "resolved_at": None,
        },
    }


@pytest.mark.parametrize(
    ("attempts", "delay_s"), [(1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (500, 3600)]
)
def test_retries_back_off_doubling_up_to_an_hour(attempts: int, delay_s: int) -> None:
    rules = MonitoringRules(webhook_retry_base_s=10)
    assert retry_delay(rules, attempts) == timedelta(seconds=delay_s)
