"""Composition root: picks the concrete adapters, wires the services, builds the ASGI app.

Tests call ``build`` with their own settings (a database per test, a fixed clock...).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi import FastAPI

from kilowatt.adapters.clock import SystemClock
from kilowatt.adapters.invoice_pdf import PdfInvoices
from kilowatt.adapters.mail import LoggingMailer, SmtpMailer
from kilowatt.adapters.memory_bus import InProcessEventPublisher
from kilowatt.adapters.stripe_invoices import StripeInvoiceCharges
from kilowatt.adapters.stripe_payments import StripePayments
from kilowatt.adapters.stripe_subscriptions import StripeSubscriptions
from kilowatt.adapters.webhook import HttpWebhookSender
from kilowatt.api.app import create_api
from kilowatt.config import Settings
from kilowatt.domain.events import Event
from kilowatt.domain.invoices import Party
from kilowatt.domain.locations import UnknownStationPolicy
from kilowatt.domain.payments import to_minor
from kilowatt.domain.rate_limits import GuestLimits, SlidingWindow
from kilowatt.domain.roaming import PartyAddress
from kilowatt.ocpi.app import create_ocpi
from kilowatt.ocpi.client import HttpRoamingPeer
from kilowatt.ocpi.cpo import locations as ocpi_locations
from kilowatt.ocpi.deps import OcpiBackend
from kilowatt.ocpp.gateway import InProcessStationGateway
from kilowatt.ocpp.server import CentralSystem
from kilowatt.ports import Clock, Mailer
from kilowatt.services import (
    access,
    billing,
    invoice_schedule,
    payment_settlement,
    roaming,
    roaming_driver_tokens,
    roaming_payments,
    subscriptions,
)
from kilowatt.services.authorization import AuthorizerChain, LocalTokens
from kilowatt.services.context import (
    BillingPolicy,
    MonitoringRules,
    ServiceContext,
    StationPolicy,
)
from kilowatt.services.drivers import DriverContext, DriverPolicy
from kilowatt.services.guests import GuestTokens
from kilowatt.services.invoice_schedule import InvoiceSchedule
from kilowatt.services.invoices import InvoiceContext, InvoicePolicy
from kilowatt.services.local_lists import LocalListKeeper
from kilowatt.services.monitoring import Monitor
from kilowatt.services.payment_context import PaymentContext, PaymentPolicy
from kilowatt.services.payment_events import PaymentFollower
from kilowatt.services.remote_starts import Linker
from kilowatt.services.reservations import ReservationGuard
from kilowatt.services.roaming_commands import Commands
from kilowatt.services.roaming_push import Pusher, PushPolicy
from kilowatt.services.roaming_sent_commands import CommandSender
from kilowatt.services.roaming_tokens import RoamingAuthorizer
from kilowatt.services.running_cost import RunningCostNotifier
from kilowatt.services.subscriptions import SubscriptionContext
from kilowatt.services.upkeep import Upkeep, running
from kilowatt.store import Store
from kilowatt.store.favourites import SqlFavourites, SqlPartnerFavourites
from kilowatt.store.invoices import SqlInvoiceStore
from kilowatt.store.payments import SqlPaymentStore
from kilowatt.store.roaming import (
    SqlPartnerRegistry,
    SqlPushOutbox,
    SqlRoamingReads,
    SqlRoamingReservations,
)
from kilowatt.store.roaming_received import SqlReceivedObjects, SqlSentCommands
from kilowatt.store.subscriptions import SqlSubscriptionStore
from kilowatt.web import LiveFeed, WebBackend, create_web
from kilowatt.web.app import mail_link_routes

__all__ = [
    "Kilowatt",
    "build",
    "emsp_session",
    "invoices_session",
    "payments_session",
    "roaming_session",
    "sweep_payments",
]

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
    roaming: roaming.Roaming | None = None  # issue 6
    peer_client: httpx.AsyncClient | None = None  # calls to OCPI partners (issue 6)
    pusher: Pusher | None = None  # pushes to OCPI partners (issue 6)
    commands: Commands | None = None  # OCPI commands being carried out (issue 6)
    sender: CommandSender | None = None  # eMSP role: partner objects, commands we send (issue 6)
    payments: PaymentContext | None = None  # with a Stripe key only (issue 7)
    payment_follower: PaymentFollower | None = None
    payment_client: StripePayments | None = None
    drivers: DriverContext | None = None  # driver accounts and the driver app (issue 7)
    invoices: InvoiceContext | None = None  # postpaid invoices, with payments (issue 7)
    subscriptions: SubscriptionContext | None = None  # plans for driver groups, with payments
    invoice_schedule: InvoiceSchedule | None = None  # the automatic monthly run, if on


def build(settings: Settings, *, clock: Clock | None = None) -> Kilowatt:
    store = Store(settings.database_url)
    clock = clock or SystemClock()
    events = InProcessEventPublisher()
    policy = StationPolicy(
        unknown_stations=UnknownStationPolicy(settings.unknown_stations),
        heartbeat_interval_s=settings.heartbeat_interval_s,
        pending_retry_interval_s=settings.pending_retry_interval_s,
    )
    authorizer = AuthorizerChain(LocalTokens(store.unit_of_work, clock))
    ctx = ServiceContext(
        uow=store.unit_of_work,
        clock=clock,
        authorizer=ReservationGuard(authorizer, store.unit_of_work, clock),
        events=events,
        policy=policy,
        billing=BillingPolicy(settings.country_code, settings.party_id, settings.currency),
        monitoring=_monitoring_rules(settings),
    )
    events.subscribe(Monitor(ctx))
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
    local_lists = LocalListKeeper(ctx, gateway, settings.call_timeout_s)
    events.subscribe(local_lists.on_event)
    events.subscribe(Linker(ctx).on_event)
    events.subscribe(GuestTokens(ctx).on_event)
    paying = _payments(settings, ctx, store)
    follower = None
    if paying is not None:
        follower = PaymentFollower(paying[0], gateway)
        events.subscribe(follower.on_event)
    peer_client = httpx.AsyncClient(timeout=settings.call_timeout_s)  # OCPI partners

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await store.start(migrate=settings.migrate_on_start)
        if settings.admin_api_key:
            await access.ensure_key(settings.admin_api_key, "admin (configured)", "admin", ctx)
        gc.collect()
        gc.freeze()  # start-up objects never become garbage: keep them out of full GCs
        sweeper = asyncio.create_task(_sweep_cdrs(ctx, settings.cdr_sweep_interval_s))
        try:
            async with _upkeep(settings, ctx, store), _pushing(kw), _settling(kw, paying):
                yield
        finally:
            await peer_client.aclose()
            sweeper.cancel()
            await running_cost.close()
            await local_lists.close()
            await gateway.close_all()
            await store.close()

    drivers = _driver_context(settings, ctx)
    app = create_api(
        ctx,
        store.queries,
        gateway,
        call_timeout_s=settings.call_timeout_s,
        lifespan=lifespan,
        drivers=drivers,
        payments_on=paying[0] if paying else None,
        subscriptions_on=(subscribing := _subscriptions(paying, store)),
        invoices_on=(invoicing := _invoices(settings, paying, store)),
    )
    _mount_web(app, settings, store, drivers, (events, gateway, paying[0] if paying else None))
    for route in central.routes():
        app.router.routes.append(route)
    kw = Kilowatt(settings, store, ctx, gateway, events, app, drivers=drivers)
    kw.payments, kw.payment_follower = (paying[0] if paying else None), follower
    kw.payment_client = paying[1] if paying else None
    kw.invoices, kw.subscriptions = invoicing, subscribing
    if invoicing is not None and settings.invoice_auto_run:
        kw.invoice_schedule = InvoiceSchedule(timedelta(seconds=settings.invoice_auto_run_delay_s))
    _mount_ocpi(kw, peer_client)
    assert kw.roaming is not None
    authorizer.authorizers.append(RoamingAuthorizer(kw.roaming))  # after our own tokens
    return kw


async def _sweep_cdrs(ctx: ServiceContext, interval_s: float) -> None:
    """CDRs for transactions that ended while no handler ran (a crash, a failed pricing)."""
    while True:
        try:
            await billing.issue_missing_cdrs(ctx)
        except Exception:
            log.exception("issuing missing CDRs failed; retrying in %s s", interval_s)
        await asyncio.sleep(interval_s)


# --- monitoring (issue 4) ---


def _monitoring_rules(settings: Settings) -> MonitoringRules:
    return MonitoringRules(
        offline_grace_s=settings.offline_grace_s,
        offline_alert_after_s=settings.offline_alert_after_s,
        meter_values_alert_after_s=settings.meter_values_alert_after_s,
        webhook_enabled=settings.alert_webhook_url is not None,
        webhook_max_attempts=settings.webhook_max_attempts,
        webhook_retry_base_s=settings.webhook_retry_base_s,
    )


@contextlib.asynccontextmanager
async def _upkeep(settings: Settings, ctx: ServiceContext, store: Store) -> AsyncIterator[None]:
    """The periodic jobs, and the HTTP client of the alert webhook (closed after them)."""
    upkeep = Upkeep(
        monitor_interval_s=settings.monitor_interval_s,
        webhook_poll_interval_s=settings.webhook_poll_interval_s,
        message_retention=timedelta(days=settings.message_retention_days),
    )
    async with httpx.AsyncClient(timeout=10) as client:
        sender = None
        if settings.alert_webhook_url and settings.alert_webhook_secret:
            secret = settings.alert_webhook_secret
            sender = HttpWebhookSender(client, settings.alert_webhook_url, secret, ctx.clock)
        async with running(ctx, upkeep, store, sender):
            yield


# --- drivers and payments (issue 7) ---


def _driver_context(settings: Settings, ctx: ServiceContext) -> DriverContext:
    mailer: Mailer = SmtpMailer(settings.smtp_url) if settings.smtp_url else LoggingMailer()
    policy = DriverPolicy(
        session_ttl_s=settings.driver_session_ttl_s,
        link_ttl_s=settings.driver_link_ttl_s,
        public_url=settings.public_url,
    )
    return DriverContext(ctx, mailer, policy)


def _payments(
    settings: Settings, ctx: ServiceContext, store: Store
) -> tuple[PaymentContext, StripePayments] | None:
    """Payments are on with a Stripe secret key; then holds, cards, refunds, webhooks."""
    if not settings.stripe_secret_key:
        return None
    stripe = StripePayments(
        settings.stripe_secret_key, settings.stripe_api_base, settings.stripe_webhook_secret
    )
    policy = PaymentPolicy(
        settings.currency,
        to_minor(settings.preauth_amount, settings.currency),
        to_minor(settings.topup_threshold, settings.currency),
        settings.call_timeout_s,
    )
    payment_store = SqlPaymentStore(store.context, store.committer)
    return PaymentContext(ctx, payment_store, stripe, stripe, stripe, policy), stripe


def _subscriptions(
    paying: tuple[PaymentContext, StripePayments] | None, store: Store
) -> SubscriptionContext | None:
    """Plans for driver groups, on Stripe's legacy Plans API, whenever payments are on."""
    if paying is None:
        return None
    plans = StripeSubscriptions(paying[1].client)
    return SubscriptionContext(
        paying[0], plans, SqlSubscriptionStore(store.context, store.committer)
    )


@contextlib.asynccontextmanager
async def _settling(
    kw: Kilowatt, paying: tuple[PaymentContext, StripePayments] | None
) -> AsyncIterator[None]:
    """The payment sweep (settle and reconcile) while serving; the Stripe client after."""
    if paying is None:
        yield
        return
    stripe = paying[1]
    sweeper = asyncio.create_task(_sweep_payments(kw, kw.settings.payments_reconcile_interval_s))
    try:
        yield
    finally:
        sweeper.cancel()
        if kw.payment_follower is not None:
            await kw.payment_follower.close()
        await stripe.close()


async def _sweep_payments(kw: Kilowatt, interval_s: float) -> None:
    """A lost webhook or a restart between a CDR and its capture loses nothing."""
    while True:
        await sweep_payments(kw)
        await asyncio.sleep(interval_s)


async def sweep_payments(kw: Kilowatt) -> None:
    """One pass of the payments sweep: payments, subscriptions, the month's invoices. Each
    step's failure is logged and retried at the next pass; it stops none of the others."""
    for name, step in _sweep_steps(kw):
        try:
            await step()
        except Exception:
            log.exception("%s failed; retrying at the next sweep", name)


def _sweep_steps(kw: Kilowatt) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
    steps: list[tuple[str, Callable[[], Awaitable[object]]]] = []
    if (pctx := kw.payments) is not None:
        partner = None
        if kw.sender is not None:
            partner = functools.partial(
                roaming_payments.settle_partner, sender=kw.sender, pctx=pctx
            )
        reconcile = functools.partial(payment_settlement.reconcile, pctx, partner=partner)
        steps.append(("reconciling payments", reconcile))
    if kw.subscriptions is not None:
        steps.append(
            (
                "reconciling subscriptions",
                functools.partial(subscriptions.reconcile, kw.subscriptions),
            )
        )
    if kw.invoices is not None and kw.invoice_schedule is not None:
        run = functools.partial(invoice_schedule.run_if_due, kw.invoice_schedule, kw.invoices)
        steps.append(("the monthly invoice run", run))
    return steps


def _mount_web(
    app: FastAPI,
    settings: Settings,
    store: Store,
    drivers: DriverContext,
    wiring: tuple[InProcessEventPublisher, InProcessStationGateway, PaymentContext | None],
) -> None:
    """The driver web app under /app (issue 7), fed live by the event bus."""
    events, gateway, payments = wiring
    live = LiveFeed()
    events.subscribe(live.on_event)
    backend = WebBackend(
        drivers=drivers,
        queries=store.queries,
        gateway=gateway,
        favourites=SqlFavourites(store.context, store.committer),
        live=live,
        map_tile_url=settings.map_tile_url,
        map_attribution=settings.map_attribution,
        payments=payments,
        stripe_publishable_key=(settings.stripe_publishable_key or "") if payments else "",
        call_timeout_s=settings.call_timeout_s,
        received=SqlReceivedObjects(store.context, store.committer),
        partner_favourites=SqlPartnerFavourites(store.context, store.committer),
        sent_commands=SqlSentCommands(store.context, store.committer),
        guest_limits=_guest_limits(settings),
    )
    app.router.routes.extend(mail_link_routes())
    app.mount("/app", create_web(backend))


def _guest_limits(settings: Settings) -> GuestLimits:
    window = timedelta(seconds=settings.guest_limit_window_s)
    return GuestLimits(
        per_address=SlidingWindow(settings.guest_limit_per_address, window),
        per_evse=SlidingWindow(settings.guest_limit_per_evse, window),
    )


# --- roaming (issue 6) ---


def _mount_ocpi(kw: Kilowatt, client: httpx.AsyncClient) -> None:
    """The OCPI API under /ocpi, and the roaming services for the operator API and the CLI."""
    settings, store = kw.settings, kw.store
    base_url = settings.ocpi_base_url or f"http://{settings.host}:{settings.port}/ocpi"
    us = roaming.OurParty(
        settings.country_code,
        settings.party_id,
        settings.ocpi_business_name,
        f"{base_url}/versions",
    )
    partners = SqlPartnerRegistry(store.context, store.committer)
    peer = HttpRoamingPeer(client, PartyAddress(us.country_code, us.party_id))
    kw.roaming = roaming.Roaming(partners, peer, kw.ctx.clock, us, events=kw.events)
    kw.peer_client = client
    policy = PushPolicy(
        settings.ocpi_push_poll_interval_s,
        settings.ocpi_push_retry_base_s,
        settings.ocpi_push_max_attempts,
    )
    outbox = SqlPushOutbox(store.context, store.committer)
    pusher = kw.pusher = Pusher(kw.ctx, kw.roaming, outbox, policy)
    kw.events.subscribe(pusher.on_event)
    reads = SqlRoamingReads(store.context, store.queries)
    held = SqlRoamingReservations(store.context, store.committer)
    kw.commands = Commands(kw.ctx, reads, kw.gateway, pusher, settings.call_timeout_s, held)
    received = SqlReceivedObjects(store.context, store.committer)
    sent = SqlSentCommands(store.context, store.committer)
    kw.sender = CommandSender(kw.roaming, sent, reads, received)
    backend = OcpiBackend(
        kw.roaming,
        kw.ctx,
        store.queries,
        reads,
        kw.gateway,
        base_url,
        kw.commands,
        received,
        kw.sender,
    )
    pusher.locations = functools.partial(ocpi_locations.published_locations, backend)
    pusher.location = functools.partial(ocpi_locations.location_object_of, backend)
    pusher.tokens = functools.partial(roaming_driver_tokens.all_driver_tokens, reads)
    pusher.reads = reads
    kw.app.state.roaming = kw.roaming
    kw.app.state.roaming_sender = kw.sender
    if kw.payment_follower is not None:  # our drivers pay for sessions at partners too
        kw.payment_follower.sender = kw.sender
    kw.app.mount("/ocpi", create_ocpi(backend))


@contextlib.asynccontextmanager
async def roaming_session(settings: Settings) -> AsyncIterator[roaming.Roaming]:
    """The roaming services without serving (the CLI): the store started, closed after."""
    async with _without_serving(settings) as kw:
        assert kw.roaming is not None
        yield kw.roaming


@contextlib.asynccontextmanager
async def emsp_session(settings: Settings) -> AsyncIterator[CommandSender]:
    """The eMSP services (partner objects, pulls) without serving (the CLI)."""
    async with _without_serving(settings) as kw:
        assert kw.sender is not None
        yield kw.sender


@contextlib.asynccontextmanager
async def _without_serving(settings: Settings) -> AsyncIterator[Kilowatt]:
    """Kilowatt built and its store started, for the CLI; the store and the partners'
    HTTP client closed after."""
    kw = build(settings)
    assert kw.peer_client is not None
    await kw.store.start(migrate=settings.migrate_on_start)
    try:
        yield kw
    finally:
        await kw.peer_client.aclose()
        await kw.store.close()


@contextlib.asynccontextmanager
async def _pushing(kw: Kilowatt) -> AsyncIterator[None]:
    assert kw.pusher is not None and kw.commands is not None
    async with kw.pusher.running(), kw.commands.running():
        yield


# --- payments (issue 7) ---


@contextlib.asynccontextmanager
async def payments_session(settings: Settings) -> AsyncIterator[PaymentContext]:
    """The payment services without serving (the CLI); LookupError when payments are off."""
    async with _with_payments(settings) as kw:
        assert kw.payments is not None
        yield kw.payments


@contextlib.asynccontextmanager
async def _with_payments(settings: Settings) -> AsyncIterator[Kilowatt]:
    """Kilowatt built, its store started, without serving; LookupError without a Stripe key."""
    kw = build(settings)
    assert kw.peer_client is not None
    try:
        if kw.payments is None or kw.payment_client is None:
            raise LookupError("payments are off: set KILOWATT_STRIPE_SECRET_KEY")
        await kw.store.start(migrate=settings.migrate_on_start)
        try:
            yield kw
        finally:
            await kw.payment_client.close()
            await kw.store.close()
    finally:
        await kw.peer_client.aclose()


# --- postpaid invoices (issue 7) ---


def _invoices(
    settings: Settings, paying: tuple[PaymentContext, StripePayments] | None, store: Store
) -> InvoiceContext | None:
    """Monthly invoices of postpaid drivers, charged on Stripe, whenever payments are on."""
    if paying is None:
        return None
    address = tuple(line.strip() for line in settings.invoice_seller_address.split(";"))
    seller = Party(
        settings.invoice_seller_name, tuple(a for a in address if a), settings.invoice_seller_vat_id
    )
    return InvoiceContext(
        paying[0],
        SqlInvoiceStore(store.context, store.committer),
        StripeInvoiceCharges(paying[1].client),
        PdfInvoices(),
        InvoicePolicy(settings.invoice_prefix, seller),
    )


@contextlib.asynccontextmanager
async def invoices_session(settings: Settings) -> AsyncIterator[InvoiceContext]:
    """The invoice services without serving (the CLI); LookupError when payments are off."""
    async with _with_payments(settings) as kw:
        assert kw.invoices is not None  # on whenever payments are
        yield kw.invoices
