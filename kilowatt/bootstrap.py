"""Composition root: picks the concrete adapters, wires the services, builds the ASGI app.

Tests call ``build`` with their own settings (a database per test, a fixed clock...).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import FastAPI

from kilowatt.adapters.clock import SystemClock
from kilowatt.adapters.memory_bus import InProcessEventPublisher
from kilowatt.api.app import create_api
from kilowatt.config import Settings
from kilowatt.domain.events import Event
from kilowatt.domain.locations import UnknownStationPolicy
from kilowatt.ocpp.gateway import InProcessStationGateway
from kilowatt.ocpp.server import CentralSystem
from kilowatt.ports import Clock
from kilowatt.services import access, billing
from kilowatt.services.authorization import AuthorizerChain, LocalTokens
from kilowatt.services.context import BillingPolicy, ServiceContext, StationPolicy
from kilowatt.services.running_cost import RunningCostNotifier
from kilowatt.store import Store

__all__ = ["Kilowatt", "build"]

log = logging.getLogger(__name__)


@dataclass
class Kilowatt:
    """The wired application: what ``serve`` runs and what tests reach into."""

    settings: Settings
    store: Store
    ctx: ServiceContext
    gateway: InProcessStationGateway
    events: InProcessEventPublisher
    app: FastAPI


def build(settings: Settings, *, clock: Clock | None = None) -> Kilowatt:
    store = Store(settings.database_url)
    clock = clock or SystemClock()
    events = InProcessEventPublisher()
    policy = StationPolicy(
        unknown_stations=UnknownStationPolicy(settings.unknown_stations),
        heartbeat_interval_s=settings.heartbeat_interval_s,
        pending_retry_interval_s=settings.pending_retry_interval_s,
    )
    ctx = ServiceContext(
        uow=store.unit_of_work,
        clock=clock,
        authorizer=AuthorizerChain(LocalTokens(store.unit_of_work, clock)),
        events=events,
        policy=policy,
        billing=BillingPolicy(settings.country_code, settings.party_id, settings.currency),
    )

    gateway = InProcessStationGateway()
    running_cost = RunningCostNotifier(
        ctx,
        gateway,
        interval_s=settings.running_cost_interval_s,
        timeout_s=settings.call_timeout_s,
    )

    async def issue_cdrs(event: Event) -> None:
        await billing.on_event(event, ctx)

    events.subscribe(issue_cdrs)
    events.subscribe(running_cost.on_event)
    central = CentralSystem(ctx, gateway, store)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await store.start(migrate=settings.migrate_on_start)
        if settings.admin_api_key:
            await access.ensure_key(settings.admin_api_key, "admin (configured)", "admin", ctx)
        gc.collect()
        gc.freeze()  # start-up objects never become garbage: keep them out of full GCs
        sweeper = asyncio.create_task(_sweep_cdrs(ctx, settings.cdr_sweep_interval_s))
        try:
            yield
        finally:
            sweeper.cancel()
            await running_cost.close()
            await gateway.close_all()
            await store.close()

    app = create_api(
        ctx, store.queries, gateway, call_timeout_s=settings.call_timeout_s, lifespan=lifespan
    )
    for route in central.routes():
        app.router.routes.append(route)
    return Kilowatt(settings, store, ctx, gateway, events, app)


async def _sweep_cdrs(ctx: ServiceContext, interval_s: float) -> None:
    """CDRs for transactions that ended while no handler ran (a crash, a failed pricing)."""
    while True:
        try:
            await billing.issue_missing_cdrs(ctx)
        except Exception:
            log.exception("issuing missing CDRs failed; retrying in %s s", interval_s)
        await asyncio.sleep(interval_s)
