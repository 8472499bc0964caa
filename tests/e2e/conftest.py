"""Fixtures of the monitoring tests: a server on a fixed clock whose alerts go to a real
webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from kilowatt.adapters.clock import FixedClock
from tests.conftest import RunningServer, settings_for
from tests.monitoring_support import DAY, SECRET, WebhookReceiver


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hooks = WebhookReceiver()
    try:
        yield hooks
    finally:
        await hooks.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DAY + timedelta(hours=8))


@pytest.fixture
async def monitored(
    database_url: str, receiver: WebhookReceiver, clock: FixedClock
) -> AsyncIterator[RunningServer]:
    """A server on a fixed clock whose alerts go to the receiver; sweeps only when told."""
    settings = settings_for(
        database_url,
        alert_webhook_url=receiver.url,
        alert_webhook_secret=SECRET,
        webhook_poll_interval_s=0.05,
        webhook_retry_base_s=60,
        monitor_interval_s=3600,
        offline_grace_s=600,
        offline_alert_after_s=900,
        meter_values_alert_after_s=1800,
    )
    running = RunningServer(settings, clock)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
