"""The periodic jobs of monitoring, owned by one task group for the life of the server: the
sweep, webhook deliveries and the pruning of the OCPP message log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from kilowatt.ports import MessageLog, WebhookSender
from kilowatt.services import monitoring, webhooks
from kilowatt.services.context import ServiceContext

__all__ = ["Upkeep", "every", "running"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Upkeep:
    monitor_interval_s: float = 60.0
    webhook_poll_interval_s: float = 5.0
    message_retention: timedelta = timedelta(days=30)


async def every(
    interval_s: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event
) -> None:
    """Run ``job`` every ``interval_s`` (first after one interval) until ``stop`` is set; a
    failing round is logged and the next one runs as planned."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
            return
        try:
            await job()
        except Exception:
            log.exception("periodic job %s failed", getattr(job, "__name__", job))


@contextlib.asynccontextmanager
async def running(
    ctx: ServiceContext, upkeep: Upkeep, messages: MessageLog, sender: WebhookSender | None
) -> AsyncIterator[None]:
    """The jobs run while the block runs; leaving it lets the current rounds finish."""
    stop = asyncio.Event()

    async def sweep() -> None:
        await monitoring.sweep(ctx, ctx.clock.now())

    async def prune() -> None:
        await messages.prune(ctx.clock.now() - upkeep.message_retention)

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(every(upkeep.monitor_interval_s, sweep, stop), name="monitor-sweep")
        tasks.create_task(every(upkeep.monitor_interval_s, prune, stop), name="message-prune")
        if sender is not None:
            deliver = _deliverer(ctx, sender)
            interval = upkeep.webhook_poll_interval_s
            tasks.create_task(every(interval, deliver, stop), name="webhook-delivery")
        try:
            yield
        finally:
            stop.set()


def _deliverer(ctx: ServiceContext, sender: WebhookSender) -> Callable[[], Awaitable[int]]:
    async def deliver() -> int:
        return await webhooks.deliver_due(ctx, sender)

    return deliver
