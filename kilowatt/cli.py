"""The `kilowatt` command line (Typer, Rich output): calls bootstrap and the simulator."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from kilowatt.bootstrap import (
    Kilowatt,
    build,
    emsp_session,
    invoices_session,
    payments_session,
    roaming_session,
)
from kilowatt.config import Settings
from kilowatt.domain.errors import DomainError, NotFound
from kilowatt.domain.invoices import Month
from kilowatt.domain.roaming import Partner, PartnerFailed
from kilowatt.domain.roaming_objects import ReceivedModule
from kilowatt.services import invoices, payment_settlement, roaming, roaming_sync
from kilowatt.services.demo import DemoDriver, seed_demo, seed_demo_driver
from kilowatt.simulator import FleetConfig, FleetReport, run_fleet
from kilowatt.store.database import upgrade_schema

app = typer.Typer(help="Kilowatt: an open-source EV charging platform.", no_args_is_help=True)
console = Console()

Host = Annotated[str | None, typer.Option(help="Interface to bind (default KILOWATT_HOST).")]
Port = Annotated[int | None, typer.Option(help="TCP port (default KILOWATT_PORT).")]


def _settings(host: str | None, port: int | None) -> Settings:
    settings = Settings()
    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    return settings.model_copy(update=updates)


def _server(kw: Kilowatt) -> uvicorn.Server:
    config = uvicorn.Config(
        kw.app,
        host=kw.settings.host,
        port=kw.settings.port,
        log_level="warning",
        ws_ping_interval=None,  # OCPP stations keep their own heartbeat
        timeout_graceful_shutdown=5,
        forwarded_allow_ips=kw.settings.forwarded_allow_ips,  # then request.client is the visitor
    )
    return uvicorn.Server(config)


@app.command()
def serve(host: Host = None, port: Port = None) -> None:
    """Run the central system and the API (brings the schema up to date first)."""
    kw = build(_settings(host, port))
    base = f"{kw.settings.host}:{kw.settings.port}"
    console.print(f"[bold]Kilowatt[/] on http://{base}/docs, stations: ws://{base}/ocpp/<id>")
    _server(kw).run()


@app.command()
def migrate() -> None:
    """Bring the database schema up to date and exit."""
    settings = Settings()
    asyncio.run(upgrade_schema(settings.database_url))
    console.print(f"schema up to date: {settings.database_url}")


@app.command()
def demo(
    host: Host = None,
    port: Port = None,
    stations: Annotated[int, typer.Option(min=1, help="Simulated stations.")] = 20,
    speed: Annotated[float, typer.Option(min=1, help="Simulated seconds per second.")] = 300.0,
    duration: Annotated[float | None, typer.Option(help="Stop after seconds.")] = None,
) -> None:
    """The server on SQLite with seed data and a simulated fleet charging against it."""
    settings = _settings(host, port)
    if settings.admin_api_key is None:
        settings = settings.model_copy(update={"admin_api_key": "demo-admin-key"})
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_demo(build(settings), stations, speed, duration))


async def _demo(kw: Kilowatt, stations: int, speed: float, duration: float | None) -> None:
    server = _server(kw)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            return await serving
        await asyncio.sleep(0.05)
    tags = [f"04A1B2C3D4{n:04X}" for n in range(1, 2 * stations + 1)]  # two cards a station
    fleet = await seed_demo(kw.ctx, stations=stations, id_prefix="DEMO", id_tags=tags)
    assert kw.drivers is not None
    driver = await seed_demo_driver(kw.drivers)
    _print_demo(kw, fleet.station_ids, driver)
    config = FleetConfig(
        url=f"ws://{kw.settings.host}:{kw.settings.port}/ocpp",
        stations=stations,
        protocol="mixed",
        id_prefix="DEMO",
        password=fleet.passwords,
        id_tags=fleet.id_tags,
        speed=speed,
        duration_s=duration,
        fault_probability=0.02,
        reconnect_probability=0.01,
        meter_interval_s=5.0,
    )
    try:
        report = await run_fleet(config)
        _print_report(report)
    finally:
        server.should_exit = True
        await serving


def _print_demo(kw: Kilowatt, station_ids: list[str], driver: DemoDriver) -> None:
    base = f"http://{kw.settings.host}:{kw.settings.port}"
    key = kw.settings.admin_api_key
    table = Table(title="Kilowatt demo", show_header=False)
    table.add_row("Driver app", f"{base}/app/")
    table.add_row("Driver sign-in", f"{driver.email} / {driver.password}")
    table.add_row("API docs", f"{base}/docs")
    table.add_row(
        "Transactions", f"curl -H 'Authorization: Bearer {key}' {base}/api/v1/transactions"
    )
    table.add_row(
        "Station state",
        f"curl -H 'Authorization: Bearer {key}' {base}/api/v1/stations/{station_ids[0]}/state",
    )
    table.add_row("OCPP endpoint", f"ws://{kw.settings.host}:{kw.settings.port}/ocpp/<station id>")
    table.add_row("Database", kw.settings.database_url)
    table.add_row(
        "Fleet", f"{len(station_ids)} stations (odd: OCPP 1.6, even: 2.0.1); Ctrl-C stops"
    )
    console.print(table)


def _print_report(report: FleetReport) -> None:
    table = Table(title="Fleet report")
    for column in (
        "stations",
        "connections",
        "sessions started",
        "completed",
        "meter values",
        "errors",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            str(value)
            for value in (
                report.stations,
                report.connections,
                report.sessions_started,
                report.sessions_completed,
                report.meter_values_sent,
                report.errors,
            )
        )
    )
    console.print(table)


@app.command()
def simulate(
    url: Annotated[str, typer.Option(help="CSMS base URL; the station id is appended.")] = (
        "ws://127.0.0.1:8180/ocpp"
    ),
    stations: Annotated[int, typer.Option(min=1, help="How many stations.")] = 10,
    protocol: Annotated[str, typer.Option(help="1.6, 2.0.1 or mixed.")] = "mixed",
    password: Annotated[str | None, typer.Option(help="Basic auth password of every station.")] = (
        None
    ),
    id_prefix: Annotated[str, typer.Option(help="Station ids are PREFIX001, PREFIX002...")] = "SIM",
    duration: Annotated[float, typer.Option(min=1, help="Seconds to run.")] = 60.0,
    speed: Annotated[float, typer.Option(min=0.01, help="Simulated seconds per real second.")] = (
        60.0
    ),
    seed: Annotated[int, typer.Option(help="Random seed (runs are reproducible).")] = 1,
) -> None:
    """Run a fleet of simulated charging stations against a CSMS."""
    if protocol not in ("1.6", "2.0.1", "mixed"):
        raise typer.BadParameter("use 1.6, 2.0.1 or mixed", param_hint="--protocol")
    config = FleetConfig(
        url=url,
        stations=stations,
        protocol=protocol,
        id_prefix=id_prefix,
        password=password,
        duration_s=duration,
        speed=speed,
        seed=seed,
    )
    _print_report(asyncio.run(run_fleet(config)))


# --- roaming (issue 6) ---

ocpi = typer.Typer(help="Roaming over OCPI 2.2.1 (needs `kilowatt serve` running).")
app.add_typer(ocpi, name="ocpi")


@ocpi.command("invite")
def ocpi_invite() -> None:
    """Print a fresh token A and our versions URL, for a partner to register with us."""

    async def run() -> roaming.Invitation:
        async with roaming_session(Settings()) as session:
            return await roaming.invite(session)

    invitation = asyncio.run(run())
    console.print(f"versions URL: {invitation.versions_url}")
    console.print(f"token A:      {invitation.token}")


@ocpi.command("register")
def ocpi_register(
    url: Annotated[str, typer.Option(help="The partner's /versions URL.")],
    token: Annotated[str, typer.Option(help="Token A the partner gave us.")],
) -> None:
    """Register at a partner (the partner calls our running server back during it)."""

    async def run() -> Partner:
        async with roaming_session(Settings()) as session:
            return await roaming.register_at(session, url, token)

    try:
        partner = asyncio.run(run())
    except PartnerFailed as failure:
        console.print(f"[red]registration failed[/] (OCPI {failure.ocpi_status}): {failure}")
        raise typer.Exit(1) from None
    role = partner.roles[0]
    console.print(
        f"{partner.status.value}: {role.country_code} {role.party_id} ({role.role.value})"
    )


@ocpi.command("sync")
def ocpi_sync(
    partner_id: Annotated[
        str, typer.Argument(help="The partner's id (`GET /api/v1/ocpi/partners`).")
    ],
    module: Annotated[
        list[ReceivedModule] | None, typer.Option(help="Only these modules (repeatable).")
    ] = None,
) -> None:
    """Pull a partner CPO's locations, tariffs, sessions and CDRs (every page)."""
    modules = tuple(module) if module else tuple(ReceivedModule)

    async def run() -> dict[ReceivedModule, roaming_sync.SyncCount]:
        async with emsp_session(Settings()) as sender:
            return await roaming_sync.synchronise(
                sender.roaming, sender.received, partner_id, modules
            )

    try:
        counts = asyncio.run(run())
    except (PartnerFailed, NotFound) as failure:
        console.print(f"[red]sync failed[/]: {failure}")
        raise typer.Exit(1) from None
    table = Table("module", "stored", "unchanged", "refused")
    for name, count in counts.items():
        table.add_row(name.value, str(count.stored), str(count.unchanged), str(count.refused))
    console.print(table)


# --- payments (issue 7) ---

payments = typer.Typer(help="Pay-as-you-go payments (Stripe).")
app.add_typer(payments, name="payments")


@payments.command("reconcile")
def payments_reconcile() -> None:
    """Ask Stripe about every authorized payment and settle those whose CDR exists (what
    the running server also does every KILOWATT_PAYMENTS_RECONCILE_INTERVAL_S)."""

    async def run() -> int:
        async with payments_session(Settings()) as pctx:
            return await payment_settlement.reconcile(pctx)

    try:
        changed = asyncio.run(run())
    except LookupError as off:
        console.print(f"[red]{off}[/]")
        raise typer.Exit(1) from None
    console.print(f"{changed} payment(s) changed")


# --- postpaid invoices (issue 7) ---

invoicing = typer.Typer(help="Monthly invoices of postpaid drivers.")
app.add_typer(invoicing, name="invoices")


@invoicing.command("run")
def invoices_run(
    month: Annotated[str, typer.Option(help="The month to invoice, YYYY-MM (UTC).")],
) -> None:
    """Issue and charge the month's invoices (one per postpaid driver with CDRs); running a
    month again issues nothing new."""

    async def run() -> invoices.RunReport:
        async with invoices_session(Settings()) as ictx:
            return await invoices.run_month(Month.parse(month), ictx)

    try:
        report = asyncio.run(run())
    except (LookupError, DomainError) as refused:
        console.print(f"[red]{refused}[/]")
        raise typer.Exit(1) from None
    table = Table("number", "driver", "total (minor)", "state")
    for invoice in report.issued:
        table.add_row(invoice.number, invoice.driver_id, str(invoice.total_minor), invoice.state)
    console.print(table)
    console.print(
        f"{len(report.issued)} invoice(s) issued for {report.month}; "
        f"{report.already_invoiced} driver(s) invoiced before"
    )
    if report.failed_drivers:
        console.print(f"[red]not invoiced (see the log): {', '.join(report.failed_drivers)}[/]")
        raise typer.Exit(1)
