"""A fleet of simulated stations run together against one CSMS.

Station ids are ``f"{id_prefix}{i:03d}"`` for i = 1..stations. With ``protocol="mixed"`` odd
stations speak OCPP 1.6 and even ones 2.0.1. Each station draws its randomness from
``random.Random`` seeded with (seed, station id[, connector]), so a run is reproducible up to
timing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from kilowatt.simulator.station import (
    DEFAULT_ID_TAGS,
    EventCallback,
    SimulatedStation,
    StationConfig,
    StationStats,
)
from kilowatt.simulator.station_v16 import SimulatedStationV16
from kilowatt.simulator.station_v201 import SimulatedStationV201

PROTOCOLS = ("1.6", "2.0.1", "mixed")

#: A password for every station, one per station id, or a function of the station id.
#: ``None`` (or a missing id, or a function returning ``None``): no Authorization header.
PasswordSource: TypeAlias = str | Mapping[str, str] | Callable[[str], str | None] | None


def password_for(source: PasswordSource, station_id: str) -> str | None:
    """The password a station uses, given a ``PasswordSource``."""
    if source is None or isinstance(source, str):
        return source
    if isinstance(source, Mapping):
        return source.get(station_id)
    return source(station_id)


def station_class(protocol: str) -> type[SimulatedStation]:
    """The station class of an OCPP version ("1.6" or "2.0.1")."""
    if protocol == "1.6":
        return SimulatedStationV16
    if protocol == "2.0.1":
        return SimulatedStationV201
    raise ValueError(f"unknown OCPP version {protocol!r}; use '1.6' or '2.0.1'")


@dataclass
class FleetConfig:
    """What to simulate. ``station`` is the template of every station's behaviour; the fleet
    fields (connectors, speed, probabilities, id tags, meter interval) override it."""

    url: str
    stations: int
    protocol: str  # "1.6" | "2.0.1" | "mixed"
    id_prefix: str = "SIM"
    password: PasswordSource = None
    id_tags: list[str] = field(default_factory=lambda: list(DEFAULT_ID_TAGS))
    speed: float = 1.0
    duration_s: float | None = None  # None: run until cancelled or stopped
    seed: int = 0
    fault_probability: float = 0.0
    reconnect_probability: float = 0.0
    connectors_per_station: int = 2
    meter_interval_s: float = 60.0  # real seconds between meter values
    stagger_s: float = 0.05  # real seconds between station starts
    station: StationConfig = field(default_factory=StationConfig)

    def __post_init__(self) -> None:
        if self.stations < 0:
            raise ValueError(f"stations must not be negative, got {self.stations}")
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {self.protocol!r}")
        if self.duration_s is not None and self.duration_s < 0:
            raise ValueError(f"duration_s must not be negative, got {self.duration_s}")
        if self.stagger_s < 0:
            raise ValueError(f"stagger_s must not be negative, got {self.stagger_s}")
        # Validates speed, probabilities, connectors, id tags and the meter interval.
        self.station_config()

    def station_ids(self) -> list[str]:
        return [f"{self.id_prefix}{index:03d}" for index in range(1, self.stations + 1)]

    def protocol_of(self, index: int) -> str:
        """The OCPP version of the station with 1-based ``index``."""
        if self.protocol == "mixed":
            return "1.6" if index % 2 == 1 else "2.0.1"
        return self.protocol

    def station_config(self) -> StationConfig:
        return dataclasses.replace(
            self.station,
            connectors=self.connectors_per_station,
            speed=self.speed,
            meter_interval_s=self.meter_interval_s,
            id_tags=tuple(self.id_tags),
            fault_probability=self.fault_probability,
            reconnect_probability=self.reconnect_probability,
        )


@dataclass(frozen=True)
class FleetReport:
    """Totals over the fleet, and every station's own stats."""

    stations: int
    connections: int
    reconnects: int
    boots: int
    sessions_started: int
    sessions_completed: int
    sessions_rejected: int
    meter_values_sent: int
    faults: int
    errors: int
    queued_offline: int
    messages_sent: Mapping[str, int]
    per_station: Mapping[str, StationStats]

    @classmethod
    def of(cls, stations: Mapping[str, StationStats]) -> FleetReport:
        values = list(stations.values())
        messages: Counter[str] = Counter()
        for stats in values:
            messages.update(stats.messages_sent)
        return cls(
            stations=len(values),
            connections=sum(s.connections for s in values),
            reconnects=sum(s.reconnects for s in values),
            boots=sum(s.boots for s in values),
            sessions_started=sum(s.sessions_started for s in values),
            sessions_completed=sum(s.sessions_completed for s in values),
            sessions_rejected=sum(s.sessions_rejected for s in values),
            meter_values_sent=sum(s.meter_values_sent for s in values),
            faults=sum(s.faults for s in values),
            errors=sum(s.errors for s in values),
            queued_offline=sum(s.queued_offline for s in values),
            messages_sent=dict(messages),
            per_station=dict(stations),
        )


class Fleet:
    """The stations of a ``FleetConfig``; ``run()`` them, ``stop()`` them, read ``report()``."""

    def __init__(self, config: FleetConfig, *, on_event: EventCallback | None = None) -> None:
        self.config = config
        station_config = config.station_config()
        self.stations: list[SimulatedStation] = [
            station_class(config.protocol_of(index))(
                station_id,
                config.url,
                password=password_for(config.password, station_id),
                config=station_config,
                seed=config.seed,
                on_event=on_event,
            )
            for index, station_id in enumerate(config.station_ids(), start=1)
        ]

    async def run(self) -> FleetReport:
        """Run every station (started ``stagger_s`` apart) until the duration ends, ``stop()``
        is called (both end sessions cleanly) or the task is cancelled (closes at once)."""
        async with asyncio.TaskGroup() as tg:
            for position, station in enumerate(self.stations):
                tg.create_task(
                    station.run(
                        self.config.duration_s, start_delay_s=position * self.config.stagger_s
                    ),
                    name=f"station-{station.station_id}",
                )
        return self.report()

    def stop(self) -> None:
        """Ask every station to end its sessions and disconnect; ``run()`` then returns."""
        for station in self.stations:
            station.request_stop()

    def report(self) -> FleetReport:
        """The counts so far (also usable after ``run()`` was cancelled)."""
        return FleetReport.of({station.station_id: station.stats for station in self.stations})


async def run_fleet(config: FleetConfig, *, on_event: EventCallback | None = None) -> FleetReport:
    """Run a fleet (see ``Fleet.run``) and return its report."""
    return await Fleet(config, on_event=on_event).run()
