"""Group commit: the writes of many units of work become durable in one database transaction.

Every unit of work hands its staged writes to ``GroupCommitter.commit`` and waits. A single
loop takes everything queued since its last round, executes it in one transaction (equal
statements in one ``executemany``), commits and wakes the waiters. One commit (one fsync)
thus serves hundreds of OCPP messages under load, and costs one round trip when idle.

If a batch fails, each unit of work is retried on its own so that one bad write fails only
its own caller. Best-effort writes (the message log) ride along with the next round without a
waiter; alone, they are flushed every ``flush_interval_s`` (or once many have gathered), so a
quiet station's heartbeat costs one commit, not two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from kilowatt.domain.errors import Conflict
from kilowatt.store.writes import Write

__all__ = ["GroupCommitter"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Batch:
    writes: list[Write]
    done: asyncio.Future[None] | None = field(default=None)


class GroupCommitter:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        workers: int = 1,
        max_writes: int = 5000,
        flush_interval_s: float = 0.2,
    ) -> None:
        self._engine = engine
        self._workers = workers
        self._max_writes = max_writes
        self._flush_interval_s = flush_interval_s
        self._best_effort = 0
        self._queue: deque[_Batch] = deque()
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    async def start(self) -> None:
        """Start the workers: each takes what is queued and commits it; with several, one
        round is sent to the database while the next one is gathered."""
        if not self._tasks:
            self._closing = False
            self._tasks = [
                asyncio.create_task(self._run(), name=f"group-committer-{n}")
                for n in range(self._workers)
            ]
            self._tasks.append(asyncio.create_task(self._flush(), name="group-committer-flush"))

    async def stop(self) -> None:
        """Commit what is queued, then stop."""
        if not self._tasks:
            return
        self._closing = True
        self._wakeup.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._tasks)
        self._tasks = []

    async def commit(self, writes: list[Write]) -> None:
        """Make the writes durable, all or none; returns once they are committed."""
        if not writes:
            return
        if not self._tasks:
            raise RuntimeError("the group committer is not running")
        done = asyncio.get_running_loop().create_future()
        self._queue.append(_Batch(writes, done))
        self._wakeup.set()
        await done

    def submit(self, writes: list[Write]) -> None:
        """Queue writes without waiting for them (lost if the process dies first)."""
        if writes and self._tasks:
            self._queue.append(_Batch(writes))
            self._best_effort += 1
            if self._best_effort >= 500:
                self._wakeup.set()

    async def _flush(self) -> None:
        while not self._closing:
            await asyncio.sleep(self._flush_interval_s)
            if self._queue:
                self._wakeup.set()

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            batches = self._take()
            if not self._queue and not self._closing:
                self._wakeup.clear()
            if batches:
                await self._commit_round(batches)
            elif self._closing:
                return

    def _take(self) -> list[_Batch]:
        self._best_effort = 0
        taken: list[_Batch] = []
        count = 0
        while self._queue and (not taken or count + len(self._queue[0].writes) <= self._max_writes):
            batch = self._queue.popleft()
            taken.append(batch)
            count += len(batch.writes)
        return taken

    async def _commit_round(self, batches: list[_Batch]) -> None:
        try:
            await self._execute([w for b in batches for w in b.writes])
        except Exception as error:
            if len(batches) == 1:
                _settle(batches[0], error)
                return
            for batch in batches:
                try:
                    await self._execute(batch.writes)
                except Exception as alone:
                    _settle(batch, alone)
                else:
                    _settle(batch, None)
            return
        for batch in batches:
            _settle(batch, None)

    async def _execute(self, writes: list[Write]) -> None:
        ordered = sorted(writes, key=lambda write: write.rank)
        async with self._engine.begin() as connection:
            for _, group in groupby(ordered, key=lambda write: id(write.statement)):
                writes_alike = list(group)
                params: list[dict[str, Any]] = [write.params for write in writes_alike]
                await connection.execute(writes_alike[0].statement, params)


def _settle(batch: _Batch, error: Exception | None) -> None:
    if batch.done is None:
        if error is not None:
            log.warning("best-effort write dropped: %s", error)
        return
    if batch.done.done():
        return
    if error is None:
        batch.done.set_result(None)
    else:
        batch.done.set_exception(_translated(error))


def _translated(error: Exception) -> Exception:
    """Database errors the caller can act on, as domain errors (the one seam that maps them)."""
    if isinstance(error, IntegrityError):
        detail = str(error.orig).splitlines()[0] if error.orig else "constraint violated"
        conflict = Conflict(f"conflicts with what is stored: {detail}")
        conflict.__cause__ = error
        return conflict
    return error
