"""The periodic-job loop (services/upkeep.py): runs after each interval, survives a failing
round, stops as soon as it is told."""

from __future__ import annotations

import asyncio

import pytest

from kilowatt.services.upkeep import every


async def test_a_job_runs_every_interval_until_stopped_and_survives_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()
    rounds: list[int] = []

    async def job() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 2:
            raise RuntimeError("the database blinked")
        if len(rounds) == 4:
            stop.set()

    await asyncio.wait_for(every(0.01, job, stop), 2)
    assert rounds == [0, 1, 2, 3]
    assert "periodic job job failed" in caplog.text


async def test_stopping_does_not_wait_for_the_interval() -> None:
    stop = asyncio.Event()
    ran: list[bool] = []

    async def job() -> None:
        ran.append(True)

    loop = asyncio.create_task(every(3600, job, stop))
    await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, 1)
    assert ran == []  # the first round comes after one interval, not at start
