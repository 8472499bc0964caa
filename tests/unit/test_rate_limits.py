"""Sliding-window rate limits and the limits on new ad hoc guests (kilowatt.domain.rate_limits)."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain import rate_limits
from kilowatt.domain.errors import RateLimited
from kilowatt.domain.rate_limits import GuestLimits, SlidingWindow

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)
EVSE = ("CP-1", 1)


def _window(limit: int = 3) -> SlidingWindow:
    return SlidingWindow(limit, WINDOW)


def test_the_module_docstring_example_holds() -> None:
    assert doctest.testmod(rate_limits).failed == 0


def test_a_key_may_hit_up_to_the_limit_within_the_window() -> None:
    window = _window(3)
    for minute in range(3):
        assert window.retry_after("a", T0 + timedelta(minutes=minute)) is None
        window.hit("a", T0 + timedelta(minutes=minute))
    assert window.retry_after("a", T0 + timedelta(minutes=3)) == timedelta(minutes=7)


@pytest.mark.parametrize(
    ("after", "allowed"),
    [
        (WINDOW - timedelta(microseconds=1), False),  # the first hit still counts
        (WINDOW, True),  # it counts until T0 + window, exclusive
        (WINDOW + timedelta(seconds=1), True),
    ],
)
def test_the_oldest_hit_leaves_the_window_exactly_at_its_end(
    after: timedelta, allowed: bool
) -> None:
    window = _window(1)
    window.hit("a", T0)
    wait = window.retry_after("a", T0 + after)
    assert (wait is None) is allowed
    if wait is not None:
        assert wait == WINDOW - after


def test_the_window_slides_one_hit_at_a_time() -> None:
    window = _window(2)
    window.hit("a", T0)
    window.hit("a", T0 + timedelta(minutes=5))
    assert window.retry_after("a", T0 + timedelta(minutes=9)) == timedelta(minutes=1)
    assert window.retry_after("a", T0 + timedelta(minutes=10)) is None  # the first has gone
    window.hit("a", T0 + timedelta(minutes=10))
    assert window.retry_after("a", T0 + timedelta(minutes=12)) == timedelta(minutes=3)


def test_keys_are_counted_apart() -> None:
    window = _window(1)
    window.hit("a", T0)
    assert window.retry_after("a", T0) is not None
    assert window.retry_after("b", T0) is None


def test_keys_whose_hits_expired_are_forgotten() -> None:
    window = _window(1)
    for n in range(100):
        window.hit(f"10.0.0.{n}", T0)
    assert len(window) == 100
    window.hit("10.0.1.1", T0 + WINDOW)  # the first hit of a new window sweeps
    assert len(window) == 1


@pytest.mark.parametrize(("limit", "seconds"), [(0, 600), (1, 0), (1, -1)])
def test_a_limit_needs_a_positive_count_and_window(limit: int, seconds: int) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        SlidingWindow(limit, timedelta(seconds=seconds))


def _guest_limits(per_address: int = 2, per_evse: int = 3) -> GuestLimits:
    return GuestLimits(SlidingWindow(per_address, WINDOW), SlidingWindow(per_evse, WINDOW))


def test_an_address_is_refused_after_its_limit_with_the_time_to_wait() -> None:
    limits = _guest_limits(per_address=2)
    limits.admit("1.2.3.4", EVSE, T0)
    limits.admit("1.2.3.4", ("CP-2", 1), T0 + timedelta(minutes=2))  # any EVSE counts
    with pytest.raises(RateLimited, match="from this address") as refused:
        limits.admit("1.2.3.4", ("CP-3", 1), T0 + timedelta(minutes=4))
    assert refused.value.retry_after == timedelta(minutes=6)
    assert "try again in 6 minutes" in str(refused.value)
    limits.admit("5.6.7.8", ("CP-3", 1), T0 + timedelta(minutes=4))  # another address may
    limits.admit("1.2.3.4", ("CP-3", 1), T0 + WINDOW)  # and this one again later


def test_an_evse_is_refused_after_its_limit_whatever_the_address() -> None:
    limits = _guest_limits(per_address=5, per_evse=2)
    limits.admit("10.0.0.1", EVSE, T0)
    limits.admit("10.0.0.2", EVSE, T0)
    with pytest.raises(RateLimited, match="at this charger") as refused:
        limits.admit("10.0.0.3", EVSE, T0 + timedelta(seconds=30))
    assert refused.value.retry_after == timedelta(minutes=9, seconds=30)
    limits.admit("10.0.0.3", ("CP-1", 2), T0 + timedelta(seconds=30))  # the next EVSE may


def test_a_refusal_counts_against_neither_limit() -> None:
    limits = _guest_limits(per_address=1, per_evse=2)
    limits.admit("1.2.3.4", EVSE, T0)
    for _ in range(5):
        with pytest.raises(RateLimited):
            limits.admit("1.2.3.4", EVSE, T0)
    limits.admit("5.6.7.8", EVSE, T0)  # the EVSE's second, not its seventh


def test_the_longer_wait_is_given_when_both_limits_refuse() -> None:
    limits = _guest_limits(per_address=1, per_evse=1)
    limits.admit("1.2.3.4", EVSE, T0)
    limits.admit("5.6.7.8", ("CP-2", 1), T0 + timedelta(minutes=5))
    with pytest.raises(RateLimited, match="from this address") as refused:
        limits.admit("5.6.7.8", EVSE, T0 + timedelta(minutes=6))  # the EVSE: 4 min more
    assert refused.value.retry_after == timedelta(minutes=9)


def test_the_wait_is_said_in_whole_minutes_rounded_up() -> None:
    limits = _guest_limits(per_address=1)
    limits.admit("1.2.3.4", EVSE, T0)
    with pytest.raises(RateLimited, match="try again in a minute"):
        limits.admit("1.2.3.4", EVSE, T0 + WINDOW - timedelta(seconds=5))


def test_the_addresses_of_one_ipv6_network_are_one_client() -> None:
    limits = _guest_limits(per_address=1)
    limits.admit("2001:db8:1:2::1", EVSE, T0)
    with pytest.raises(RateLimited, match="from this address"):
        limits.admit("2001:db8:1:2:ffff::9", ("CP-2", 1), T0)
    limits.admit("2001:db8:1:3::1", ("CP-2", 1), T0)  # the next /64 is another subscriber


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # a dual-stack socket's IPv4 client
        ("2001:db8::1", "2001:db8::/64"),
        ("", ""),  # no address at all (a test client): one key for all of them
    ],
)
def test_client_keys(address: str, key: str) -> None:
    assert rate_limits.client_key(address) == key
