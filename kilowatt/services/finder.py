"""Finding a charger (the driver app, issue 7): our locations with live availability per EVSE,
connector types, maximum power, opening hours and the unit prices this driver would pay.

Prices come from the tariff engine with the driver's app token, so a driver in a group (e.g.
subscribers) sees the group's tariff; without a driver the ad hoc tariff is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kilowatt.domain.errors import NotFound
from kilowatt.domain.locations import (
    ChargingStation,
    ConnectorStatus,
    Evse,
    Location,
    ocpi_evse_status,
)
from kilowatt.domain.price_display import UnitPrices
from kilowatt.ports import ConnectorStatusReport, Queries
from kilowatt.services import tariffs
from kilowatt.services.context import ServiceContext
from kilowatt.services.driver_tokens import app_token

__all__ = ["EvseCard", "Filter", "LocationCard", "find_locations", "location_card"]

_MAX_LOCATIONS = 1000
# The status an EVSE shows when its connectors disagree: the most useful to a driver first.
_PRIORITY = ("AVAILABLE", "CHARGING", "BLOCKED", "RESERVED", "OUTOFORDER", "INOPERATIVE")


@dataclass(frozen=True, slots=True)
class Filter:
    """What the driver asks for; empty, None or False: no restriction. An EVSE matches with
    any of ``connector_standards`` (a car often takes two: Type 2 on AC and CCS on DC)."""

    connector_standards: frozenset[str] = frozenset()
    min_power_w: int | None = None
    available_now: bool = False


@dataclass(frozen=True, slots=True)
class EvseCard:
    station_id: str
    evse_id: int
    uid: str
    evse_code: str | None
    status: str  # OCPI EVSE status: AVAILABLE, CHARGING, ..., UNKNOWN (station offline)
    connector_standards: tuple[str, ...]
    power_types: tuple[str, ...]
    max_power_w: int | None
    prices: UnitPrices


@dataclass(frozen=True, slots=True)
class LocationCard:
    location: Location
    evses: list[EvseCard] = field(default_factory=list)

    @property
    def available_evses(self) -> int:
        return sum(1 for evse in self.evses if evse.status == "AVAILABLE")


@dataclass(frozen=True, slots=True)
class _Context:
    ctx: ServiceContext
    queries: Queries
    is_connected: Callable[[str], bool]
    token_uid: str | None
    at: datetime


async def find_locations(
    driver_id: str | None,
    wanted: Filter,
    ctx: ServiceContext,
    queries: Queries,
    is_connected: Callable[[str], bool],
) -> list[LocationCard]:
    """Published locations with at least one EVSE matching ``wanted``, by name."""
    here = await _context(driver_id, ctx, queries, is_connected)
    cards = []
    for location in await queries.locations(limit=_MAX_LOCATIONS, offset=0):
        if not location.publish:
            continue
        card = await _card(location, here)
        evses = [evse for evse in card.evses if _matches(evse, wanted)]
        if evses:
            cards.append(LocationCard(location, evses))
    return sorted(cards, key=lambda c: (c.location.name, c.location.id))


async def location_card(
    driver_id: str | None,
    location_id: str,
    ctx: ServiceContext,
    queries: Queries,
    is_connected: Callable[[str], bool],
) -> LocationCard:
    """One published location with all its EVSEs; NotFound otherwise."""
    location = await queries.location(location_id)
    if location is None or not location.publish:
        raise NotFound(f"no location {location_id}")
    return await _card(location, await _context(driver_id, ctx, queries, is_connected))


async def _context(
    driver_id: str | None,
    ctx: ServiceContext,
    queries: Queries,
    is_connected: Callable[[str], bool],
) -> _Context:
    uid = (await app_token(driver_id, ctx)).uid if driver_id is not None else None
    return _Context(ctx, queries, is_connected, uid, ctx.clock.now())


async def _card(location: Location, here: _Context) -> LocationCard:
    stations = await here.queries.stations(location_id=location.id, limit=_MAX_LOCATIONS, offset=0)
    evses: list[EvseCard] = []
    for station in sorted(stations, key=lambda s: s.id):
        statuses = await here.queries.connector_statuses(station.id)
        for evse in station.evses:
            evses.append(await _evse_card(station, evse, statuses, here))
    return LocationCard(location, evses)


async def _evse_card(
    station: ChargingStation,
    evse: Evse,
    statuses: Sequence[ConnectorStatusReport],
    here: _Context,
) -> EvseCard:
    where = (station.id, evse.evse_id, None)
    async with here.ctx.uow() as uow:
        applied = await tariffs.applied_tariff(uow, here.ctx, where, here.token_uid, here.at)
    powers = [c.max_electric_power_w for c in evse.connectors if c.max_electric_power_w]
    return EvseCard(
        station_id=station.id,
        evse_id=evse.evse_id,
        uid=evse.uid,
        evse_code=evse.evse_code,
        status=_status(station.id, evse.evse_id, statuses, here.is_connected(station.id)),
        connector_standards=tuple(sorted({str(c.standard) for c in evse.connectors})),
        power_types=tuple(sorted({str(c.power_type) for c in evse.connectors})),
        max_power_w=max(powers) if powers else None,
        prices=applied.unit_prices(here.at),
    )


def _status(
    station_id: str, evse_id: int, statuses: Sequence[ConnectorStatusReport], connected: bool
) -> str:
    reports = [r for r in statuses if r.station_id == station_id and r.evse_id == evse_id]
    found = {ocpi_evse_status(_connector_status(r.status), connected) for r in reports}
    return next((status for status in _PRIORITY if status in found), "UNKNOWN")


def _connector_status(value: str) -> ConnectorStatus | None:
    try:
        return ConnectorStatus(value)
    except ValueError:
        return None


def _matches(evse: EvseCard, wanted: Filter) -> bool:
    if wanted.connector_standards and wanted.connector_standards.isdisjoint(
        evse.connector_standards
    ):
        return False
    if wanted.min_power_w and (evse.max_power_w or 0) < wanted.min_power_w:
        return False
    return not (wanted.available_now and evse.status != "AVAILABLE")
