"""The invoice store on SQLite and PostgreSQL: numbers are gapless and unique per year even
when two stores (two processes) issue at once, and a driver has one invoice per month."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from kilowatt.domain.drivers import Driver
from kilowatt.domain.errors import Conflict
from kilowatt.domain.invoices import Invoice, Month, Party
from kilowatt.store import Store
from kilowatt.store.invoices import SqlInvoiceStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NOVEMBER = Month(2026, 11)


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[list[Store]]:
    """Two stores on one database, as two Kilowatt processes would have."""
    running = [Store(database_url), Store(database_url)]
    for store in running:
        await store.start(migrate=False)
    try:
        yield running
    finally:
        for store in running:
            await store.close()


async def drivers(store: Store, count: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    async with store.unit_of_work() as uow:
        for n, driver_id in enumerate(ids):
            contract = f"NL-KWT-C{n:08d}-X"
            uow.drivers.add(Driver(driver_id, f"d{n}@example.com", "x", contract, NOW, NOW))
        await uow.commit()
    return ids


def empty_invoice(driver_id: str, month: Month = NOVEMBER) -> Invoice:
    return Invoice(str(uuid.uuid4()), "", driver_id, month, "EUR", NOW, Party("Us"), Party("D"), ())


async def test_numbers_stay_gapless_when_two_processes_issue_at_once(stores: list[Store]) -> None:
    ids = await drivers(stores[0], 16)
    invoice_stores = [SqlInvoiceStore(s.context, s.committer) for s in stores]
    issued = await asyncio.gather(
        *(invoice_stores[n % 2].issue(empty_invoice(d), "KW") for n, d in enumerate(ids))
    )
    numbers = sorted(invoice.number for invoice in issued)
    assert numbers == [f"KW-2026-{n:06d}" for n in range(1, 17)]


async def test_a_driver_has_one_invoice_per_month(stores: list[Store]) -> None:
    (driver_id,) = await drivers(stores[0], 1)
    invoices = SqlInvoiceStore(stores[0].context, stores[0].committer)
    first = await invoices.issue(empty_invoice(driver_id), "KW")
    with pytest.raises(Conflict):
        await invoices.issue(empty_invoice(driver_id), "KW")
    assert await invoices.of_period(driver_id, NOVEMBER) == first
    second = await invoices.issue(empty_invoice(driver_id, Month(2026, 12)), "KW")
    assert second.number == "KW-2026-000002"  # the failed one used no number
