"""Fixtures of the OCPI tests: a server that retries pushes quickly, and a tiny eMSP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import RunningServer, settings_for
from tests.e2e.ocpi.receiver import OcpiReceiver
from tests.e2e.ocpi.support import as_cpo


@pytest.fixture
async def fast_server(database_url: str) -> AsyncIterator[RunningServer]:
    """Kilowatt whose failed OCPI pushes are retried within milliseconds."""
    settings = settings_for(
        database_url, ocpi_push_poll_interval_s=0.05, ocpi_push_retry_base_s=0.05
    )
    running = RunningServer(settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[OcpiReceiver]:
    """A running eMSP that knows two cards: ROAM0001 (allowed) and ROAMBAD (blocked)."""
    running = OcpiReceiver(cards={"ROAM0001": "ALLOWED", "ROAMBAD": "BLOCKED"})
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def cpo(fast_server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """An OCPI client of a partner registered with us as the CPO DE*CPO."""
    async with as_cpo(fast_server) as client:
        yield client
