"""Rate limits: how many times a key may do something within a sliding window of time.

Pure and in-process (one process per node): the caller passes ``now``, so a test's clock
decides what has expired. A limited caller gets ``RateLimited`` with the time until the
oldest counted attempt leaves the window; the adapter at the edge turns it into a 429.

    >>> from datetime import UTC, datetime, timedelta
    >>> window = SlidingWindow(limit=2, window=timedelta(minutes=10))
    >>> t0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    >>> window.hit("1.2.3.4", t0); window.hit("1.2.3.4", t0 + timedelta(minutes=1))
    >>> window.retry_after("1.2.3.4", t0 + timedelta(minutes=4))
    datetime.timedelta(seconds=360)
    >>> window.retry_after("1.2.3.4", t0 + timedelta(minutes=10)) is None
    True
"""

from __future__ import annotations

import ipaddress
import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kilowatt.domain.errors import RateLimited

__all__ = ["GuestLimits", "SlidingWindow", "client_key"]


class SlidingWindow:
    """At most ``limit`` hits per key within any ``window``; a hit at ``t`` counts until
    ``t + window`` (exclusive). Keys whose hits have all expired are forgotten."""

    def __init__(self, limit: int, window: timedelta) -> None:
        if limit < 1 or window <= timedelta(0):
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit, self.window = limit, window
        self._hits: dict[Hashable, deque[datetime]] = {}
        self._swept_at: datetime | None = None

    def retry_after(self, key: Hashable, now: datetime) -> timedelta | None:
        """None if the key may hit now, else how long until it may."""
        hits = self._live(key, now)
        if len(hits) < self.limit:
            return None
        return hits[0] + self.window - now

    def hit(self, key: Hashable, now: datetime) -> None:
        """Count one hit (whether or not it was allowed: the caller asks first)."""
        self._sweep(now)
        self._hits.setdefault(key, deque()).append(now)

    def __len__(self) -> int:
        """How many keys are remembered (for tests: expired keys go)."""
        return len(self._hits)

    def _live(self, key: Hashable, now: datetime) -> deque[datetime]:
        hits = self._hits.get(key, deque())
        while hits and hits[0] + self.window <= now:
            hits.popleft()
        if not hits:
            self._hits.pop(key, None)
        return hits

    def _sweep(self, now: datetime) -> None:
        # once per window, drop every key whose hits have all expired: the memory stays
        # bounded by the keys seen in one window, however many addresses come and go
        if self._swept_at is not None and now - self._swept_at < self.window:
            return
        self._swept_at = now
        for key in list(self._hits):
            self._live(key, now)


def client_key(address: str) -> str:
    """What one client is: an IPv4 address, or an IPv6 address's /64 (one subscriber's
    network hands out any address in it); anything else as it is.

    >>> client_key("2001:db8:1:2:aaaa::1"), client_key("::ffff:192.0.2.7"), client_key("x")
    ('2001:db8:1:2::/64', '192.0.2.7', 'x')
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True, slots=True)
class GuestLimits:
    """New ad hoc guests (each a customer at the payment provider): at most so many per
    client (``client_key``) and so many per EVSE within a window. Admitting counts against both;
    a refusal counts against neither, so a blocked address does not use up an EVSE."""

    per_address: SlidingWindow
    per_evse: SlidingWindow

    def admit(self, address: str, evse: tuple[str, int], now: datetime) -> None:
        """Count one new guest, or raise ``RateLimited`` (nothing counted)."""
        address = client_key(address)
        waits = [
            (self.per_address.retry_after(address, now), "from this address"),
            (self.per_evse.retry_after(evse, now), "at this charger"),
        ]
        refused = [(wait, what) for wait, what in waits if wait is not None]
        if refused:
            wait, what = max(refused, key=lambda refusal: refusal[0])
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            later = "in a minute" if minutes == 1 else f"in {minutes} minutes"
            raise RateLimited(f"Too many new sessions {what} just now: try again {later}.", wait)
        self.per_address.hit(address, now)
        self.per_evse.hit(evse, now)
