"""The `kilowatt` command line (Typer, Rich output): calls bootstrap and the simulator."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from kilowatt.simulator import FleetConfig, run_fleet

app = typer.Typer(help="Kilowatt: an open-source EV charging platform.", no_args_is_help=True)
console = Console()


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
    report = asyncio.run(run_fleet(config))
    console.print(report)
