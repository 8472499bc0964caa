"""Composition root: picks the concrete adapters, wires the services, builds the ASGI app.

Tests call ``build`` with their own settings (a database per test, a fixed clock...).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import FastAPI

from kilowatt.adapters.clock import SystemClock
from kilowatt.adapters.memory_bus import InProcessEventPublisher
from kilowatt.api.app import create_api
from kilowatt.config import Settings
from kilowatt.domain.locations import UnknownStationPolicy
from kilowatt.ocpp.gateway import InProcessStationGateway
from kilowatt.ocpp.server import CentralSystem
from kilowatt.ports import Clock
from kilowatt.services import access
from kilowatt.services.authorization import AuthorizerChain, LocalTokens
from kilowatt.services.context import ServiceContext, StationPolicy
from kilowatt.services.local_lists import LocalListKeeper
from kilowatt.services.remote_starts import Linker
from kilowatt.services.reservations import ReservationGuard
from kilowatt.store import Store

__all__ = ["Kilowatt", "build"]


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
        authorizer=ReservationGuard(
            AuthorizerChain(LocalTokens(store.unit_of_work, clock)), store.unit_of_work, clock
        ),
        events=events,
        policy=policy,
    )
    gateway = InProcessStationGateway()
    central = CentralSystem(ctx, gateway, store)
    local_lists = LocalListKeeper(ctx, gateway, settings.call_timeout_s)
    events.subscribe(local_lists.on_event)
    events.subscribe(Linker(ctx).on_event)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await store.start(migrate=settings.migrate_on_start)
        if settings.admin_api_key:
            await access.ensure_key(settings.admin_api_key, "admin (configured)", "admin", ctx)
        gc.collect()
        gc.freeze()  # start-up objects never become garbage: keep them out of full GCs
        try:
            yield
        finally:
            await local_lists.close()
            await gateway.close_all()
            await store.close()

    app = create_api(
        ctx, store.queries, gateway, call_timeout_s=settings.call_timeout_s, lifespan=lifespan
    )
    for route in central.routes():
        app.router.routes.append(route)
    return Kilowatt(settings, store, ctx, gateway, events, app)
