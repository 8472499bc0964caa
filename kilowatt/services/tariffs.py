"""Tariffs: the operator puts them (OCPI Tariff objects), connectors name them, and every
price question (which tariff, what a unit costs now, what a session would cost) is
answered here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from kilowatt.domain.errors import Conflict, InvalidValue, NotFound, UnknownStation
from kilowatt.domain.locations import ChargingStation, Connector, Evse, Location
from kilowatt.domain.price_display import UnitPrices, unit_prices
from kilowatt.domain.pricing import ChargingSession, MeterReading, PricedSession, price_session
from kilowatt.domain.tariff_selection import OfferedTariff, free_of_charge, select_tariff
from kilowatt.domain.tariffs import Tariff, unreachable_elements
from kilowatt.domain.tokens import TokenType
from kilowatt.ports import UnitOfWork
from kilowatt.services.context import ServiceContext

__all__ = [
    "AppliedTariff",
    "PricePreview",
    "PriceQuestion",
    "applied_tariff",
    "delete_tariff",
    "preview_price",
    "put_tariff",
]


async def put_tariff(
    tariff: Tariff, driver_group: str | None, ctx: ServiceContext
) -> tuple[OfferedTariff, bool]:
    """Create or replace a tariff; True when it is new. Unreachable components are refused."""
    problems = unreachable_elements(tariff)
    if problems:
        raise InvalidValue("; ".join(problems))
    if tariff.last_updated is None:
        tariff = replace(tariff, last_updated=ctx.clock.now())
    offer = OfferedTariff(tariff, driver_group)
    async with ctx.uow() as uow:
        created = await uow.tariffs.get(tariff.id) is None
        uow.tariffs.save(offer)
        await uow.commit()
    return offer, created


async def delete_tariff(tariff_id: str, ctx: ServiceContext) -> None:
    """Delete a tariff no connector names any more (else sessions there would turn free)."""
    async with ctx.uow() as uow:
        if await uow.tariffs.get(tariff_id) is None:
            raise NotFound(f"no tariff {tariff_id}")
        users = await uow.tariffs.referenced_by(tariff_id)
        if users:
            raise Conflict(f"tariff {tariff_id} is named by connectors of {', '.join(users)}")
        uow.tariffs.delete(tariff_id)
        await uow.commit()


@dataclass(frozen=True, slots=True)
class AppliedTariff:
    """The tariff a token pays at a connector at a moment, and the location's time zone."""

    tariff: Tariff
    station: ChargingStation
    location: Location | None
    evse: Evse | None
    connector: Connector | None

    @property
    def time_zone(self) -> str:
        return self.location.time_zone if self.location is not None else "UTC"

    def unit_prices(self, at: datetime) -> UnitPrices:
        return unit_prices(self.tariff, self.time_zone, at)


async def applied_tariff(
    uow: UnitOfWork,
    ctx: ServiceContext,
    where: tuple[str, int | None, int | None],
    token_uid: str | None,
    at: datetime,
) -> AppliedTariff:
    """``where`` is (station id, EVSE id, connector id); free of charge without a tariff."""
    station_id, evse_id, connector_id = where
    station = await uow.stations.get(station_id)
    if station is None:
        raise UnknownStation(f"no station {station_id}")
    evse = station.evse(evse_id) if evse_id is not None else None
    connector = _connector(evse, connector_id)
    token = await uow.tokens.get(token_uid) if token_uid is not None else None
    group = token.group_id if token is not None else None
    # a guest's token (ad hoc, paid by card) pays the ad hoc price, like no token at all
    ad_hoc = token_uid is None or (token is not None and token.type is TokenType.AD_HOC_USER)
    offers = await uow.tariffs.offered(connector.tariff_ids if connector else ())
    tariff = select_tariff(offers, at, group, ad_hoc=ad_hoc)
    if tariff is None:
        billing = ctx.billing
        tariff = free_of_charge(billing.country_code, billing.party_id, billing.currency)
    location = await uow.locations.get(station.location_id) if station.location_id else None
    return AppliedTariff(tariff, station, location, evse, connector)


def _connector(evse: Evse | None, connector_id: int | None) -> Connector | None:
    if evse is None or not evse.connectors:
        return None
    wanted = connector_id or evse.connectors[0].connector_id
    return next((c for c in evse.connectors if c.connector_id == wanted), None)


@dataclass(frozen=True, slots=True)
class PriceQuestion:
    """What would a session cost: charge ``energy_wh`` evenly over ``charging``, then stay
    parked for ``parking``, starting at ``start`` (None: now)."""

    station_id: str
    evse_id: int
    connector_id: int | None
    token_uid: str | None
    energy_wh: int
    charging: timedelta
    parking: timedelta = timedelta(0)
    start: datetime | None = None


@dataclass(frozen=True, slots=True)
class PricePreview:
    applied: AppliedTariff
    priced: PricedSession
    start: datetime


async def preview_price(question: PriceQuestion, ctx: ServiceContext) -> PricePreview:
    if question.energy_wh < 0:
        raise InvalidValue("energy_wh must not be negative")
    if question.charging <= timedelta(0) or question.parking < timedelta(0):
        raise InvalidValue("a session charges for a positive time and parks for none or more")
    start = question.start or ctx.clock.now()
    where = (question.station_id, question.evse_id, question.connector_id)
    async with ctx.uow() as uow:
        applied = await applied_tariff(uow, ctx, where, question.token_uid, start)
    readings = [
        MeterReading(start, Decimal(0), charging=True),
        MeterReading(start + question.charging, Decimal(question.energy_wh), charging=False),
    ]
    if question.parking:
        end = start + question.charging + question.parking
        readings.append(MeterReading(end, Decimal(question.energy_wh), charging=False))
    session = ChargingSession(tuple(readings))
    return PricePreview(applied, price_session(applied.tariff, applied.time_zone, session), start)
