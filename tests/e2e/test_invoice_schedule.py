"""The month's invoices without an operator: once November has ended (UTC) and the delay
after it has passed, one pass of the payments sweep issues and charges November's invoices,
over the real server's wiring and localstripe; the next pass issues and charges nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import stripe

from kilowatt.adapters.clock import FixedClock
from kilowatt.bootstrap import sweep_payments
from kilowatt.domain.invoices import Month
from tests.conftest import RunningServer
from tests.e2e.test_driver_sessions import ok
from tests.e2e.test_invoices import billing, clock, operator, postpaid_charged_10_kwh
from tests.stripe_support import localstripe_url, stripe_js

__all__ = ["billing", "clock", "localstripe_url", "operator", "stripe_js"]  # fixtures, by name

WITHIN_THE_DELAY = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)  # the default delay is 10 minutes
AFTER_THE_DELAY = datetime(2026, 12, 1, 0, 15, tzinfo=UTC)


async def test_the_sweep_invoices_an_ended_month_once(
    billing: RunningServer,
    operator: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    clock: FixedClock,
) -> None:
    ada = await postpaid_charged_10_kwh(billing, operator, caplog, stripe_js, "CP-AUTO")  # 4.24

    await sweep_payments(billing.app)  # mid-November: November has not ended
    assert await november(operator) == []
    clock.moment = WITHIN_THE_DELAY
    await sweep_payments(billing.app)
    assert await november(operator) == []

    clock.moment = AFTER_THE_DELAY
    await sweep_payments(billing.app)
    (invoice,) = await november(operator)
    assert (invoice["driver_id"], invoice["number"]) == (ada.id, "KW-2026-000001")
    assert (invoice["state"], invoice["total_minor"], invoice["attempts"]) == ("paid", 424, 1)
    charged = payment_intents(stripe_js)

    await sweep_payments(billing.app)  # the next pass: November is done
    assert await november(operator) == [invoice]
    assert payment_intents(stripe_js) == charged
    assert billing.app.invoice_schedule is not None
    assert billing.app.invoice_schedule.last_run == Month.parse("2026-11")


async def november(operator: httpx.AsyncClient) -> list[dict[str, object]]:
    found: list[dict[str, object]] = await ok(operator.get("/api/v1/invoices?month=2026-11"))
    return found


def payment_intents(stripe_js: stripe.StripeClient) -> list[str]:
    return sorted(i.id for i in stripe_js.v1.payment_intents.list({"limit": 100}).data)
