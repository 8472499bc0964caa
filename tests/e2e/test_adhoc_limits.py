"""New ad hoc guests are limited per client address and per EVSE (each would be a customer
at Stripe), over real HTTP against localstripe through the real Stripe SDK, on a fixed clock:
a refused request is 429 with Retry-After and makes no customer; the window slides on.

The client address is the peer's, or X-Forwarded-For's when the peer is a trusted proxy
(KILOWATT_FORWARDED_ALLOW_IPS, 127.0.0.1 by default): the tests are that proxy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import stripe

from kilowatt.adapters.clock import FixedClock
from tests.conftest import RunningServer, settings_for
from tests.e2e.test_adhoc import ADHOC, adhoc_site
from tests.stripe_support import API_KEY, localstripe_url, stripe_js

__all__ = ["localstripe_url", "stripe_js"]  # the fixtures, used by name

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


async def _limited(
    database_url: str, localstripe_url: str, clock: FixedClock, **overrides: object
) -> RunningServer:
    settings = settings_for(
        database_url,
        stripe_secret_key=API_KEY,
        stripe_api_base=localstripe_url,
        guest_limit_per_address=2,
        guest_limit_per_evse=3,
        guest_limit_window_s=600,
        **overrides,
    )
    running = RunningServer(settings, clock)
    await running.start()
    try:
        async with running.client() as api:
            await adhoc_site(api, "CP-LIM")
            await adhoc_site(api, "CP-LIM2")  # the same location: its second POST is a 409
    except BaseException:
        await running.stop()
        raise
    return running


@pytest.fixture
async def limited(
    database_url: str, localstripe_url: str, clock: FixedClock
) -> AsyncIterator[RunningServer]:
    """Payments on; 2 new guests per address and 3 per EVSE in 10 minutes."""
    running = await _limited(database_url, localstripe_url, clock)
    try:
        yield running
    finally:
        await running.stop()


class Visitors:
    """Passers-by asking for a guest, each from an address (as the proxy forwards it), each
    request with an email of this test's, so that the customers at Stripe can be counted."""

    def __init__(self, server: RunningServer, stripe_js: stripe.StripeClient) -> None:
        self.server, self.stripe_js = server, stripe_js
        self.email = f"limits-{uuid.uuid4().hex}@example.com"

    async def open(self, address: str, station_id: str = "CP-LIM") -> httpx.Response:
        headers = {"X-Forwarded-For": address}
        async with self.server.client(None) as web:
            path = f"{ADHOC}/evses/{station_id}/1/guests"
            return await web.post(path, json={"email": self.email}, headers=headers)

    def customers(self) -> int:
        found = self.stripe_js.v1.customers.list({"limit": 100}).auto_paging_iter()
        return sum(1 for customer in found if customer.email == self.email)


async def test_an_address_gets_429_after_its_limit_until_the_window_moved_on(
    limited: RunningServer, clock: FixedClock, stripe_js: stripe.StripeClient
) -> None:
    visitors = Visitors(limited, stripe_js)
    assert (await visitors.open("203.0.113.7")).status_code == 201
    clock.advance(timedelta(minutes=4))
    assert (await visitors.open("203.0.113.7", "CP-LIM2")).status_code == 201  # any EVSE
    assert visitors.customers() == 2

    refused = await visitors.open("203.0.113.7")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "360"  # the first leaves the window at T0 + 10
    assert refused.json() == {
        "detail": "Too many new sessions from this address just now: try again in 6 minutes.",
        "error": "RateLimited",
    }
    assert visitors.customers() == 2  # nothing was made at Stripe

    assert (await visitors.open("198.51.100.1")).status_code == 201  # another address may
    clock.advance(timedelta(minutes=6))
    assert (await visitors.open("203.0.113.7")).status_code == 201
    assert visitors.customers() == 4


async def test_an_evse_gets_429_after_its_limit_whatever_the_address(
    limited: RunningServer, clock: FixedClock, stripe_js: stripe.StripeClient
) -> None:
    visitors = Visitors(limited, stripe_js)
    for n in range(3):
        assert (await visitors.open(f"192.0.2.{n}")).status_code == 201

    refused = await visitors.open("192.0.2.9")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "600"
    assert "at this charger" in refused.json()["detail"]
    assert visitors.customers() == 3
    assert (await visitors.open("192.0.2.9", "CP-LIM2")).status_code == 201  # another EVSE

    clock.advance(timedelta(minutes=10))
    assert (await visitors.open("192.0.2.9")).status_code == 201
    assert visitors.customers() == 5


async def test_an_unknown_evse_is_404_and_uses_up_nothing(
    limited: RunningServer, stripe_js: stripe.StripeClient
) -> None:
    visitors = Visitors(limited, stripe_js)
    for _ in range(3):
        assert (await visitors.open("203.0.113.7", "CP-NONE")).status_code == 404
    assert (await visitors.open("203.0.113.7")).status_code == 201


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(
    database_url: str,
    localstripe_url: str,
    clock: FixedClock,
    stripe_js: stripe.StripeClient,
) -> None:
    """Only a configured proxy says who the client is: otherwise anyone could pick a new
    address per request. Here every request is the peer's (127.0.0.1) whatever it claims."""
    running = await _limited(
        database_url, localstripe_url, clock, forwarded_allow_ips="192.0.2.254"
    )
    try:
        visitors = Visitors(running, stripe_js)
        for n in range(2):
            assert (await visitors.open(f"203.0.113.{n}")).status_code == 201
        assert (await visitors.open("203.0.113.99", "CP-LIM2")).status_code == 429
    finally:
        await running.stop()
