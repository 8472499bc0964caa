"""What the payment use cases need, bundled once by bootstrap (only when payments are on)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from kilowatt.ports import PaymentGateway, PaymentLookup, PaymentStore, SavedCards
from kilowatt.services.context import ServiceContext

__all__ = ["KeyedLocks", "PaymentContext", "PaymentPolicy"]


@dataclass(frozen=True, slots=True)
class PaymentPolicy:
    """Amounts in minor units of ``currency`` (the deployment's)."""

    currency: str = "EUR"
    preauth_minor: int = 5000  # held before a start from the app, and per top-up
    topup_threshold_minor: int = 1000  # a top-up once the cost so far is this close to the holds
    call_timeout_s: float = 30.0  # stopping a session whose top-up was refused


class KeyedLocks:
    """One lock per key (a transaction, a CDR): settling or topping up one session never
    runs twice at once in this process; the provider's idempotency keys cover the rest."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            yield
        if len(self._locks) > 10_000:  # forget idle ones now and then (a lock is tiny)
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}


@dataclass(frozen=True, slots=True)
class PaymentContext:
    ctx: ServiceContext
    store: PaymentStore
    gateway: PaymentGateway
    cards: SavedCards
    lookup: PaymentLookup
    policy: PaymentPolicy = PaymentPolicy()
    locks: KeyedLocks = field(default_factory=KeyedLocks)
