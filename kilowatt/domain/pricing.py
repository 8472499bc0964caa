"""The pricing engine: an OCPI 2.2.1 tariff applied to a charging session, exactly.

>>> priced = price_session(tariff, "Europe/Amsterdam", ChargingSession(readings))
>>> priced.cost.total_cost.incl_vat
Decimal('6.10')

Rules, after mod_tariffs and mod_cdrs ("step_size"):

- per dimension the first matching element applies (see ``pricing_timeline``);
- TIME is priced while charging, PARKING_TIME while parked, ENERGY always, FLAT once,
  in the first period where a FLAT component applies;
- step_size counts once per session: once for ENERGY, once for TIME and PARKING_TIME
  together. The last period that billed a time dimension decides which one; that
  dimension's billable total is rounded up to the step of its component in that
  period, and the extra is billed in that period at its price;
- min_price and max_price bound the totals excl. and incl. VAT separately;
- amounts stay exact (``Fraction``) until the end; ``CostBreakdown`` then rounds each
  total once to the currency's minor units, ROUND_HALF_UP. Quantities are reported
  rounded half up to 6 decimals (kWh, hours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.pricing_costs import Amount, CostBreakdown, PeriodCost, breakdown, to_decimal
from kilowatt.domain.pricing_timeline import (
    MeterReading,
    Piece,
    active_elements,
    cut_timeline,
    to_seconds,
)
from kilowatt.domain.tariff_restrictions import Circumstances, ReservationRestriction
from kilowatt.domain.tariffs import PriceComponent, Tariff, TariffDimension

__all__ = [
    "Amount",
    "CdrDimension",
    "CdrDimensionType",
    "ChargingPeriod",
    "ChargingSession",
    "CostBreakdown",
    "MeterReading",
    "PeriodCost",
    "PricedSession",
    "Reservation",
    "price_session",
]

_TIME_DIMENSIONS = (TariffDimension.TIME, TariffDimension.PARKING_TIME)


class CdrDimensionType(StrEnum):
    ENERGY = "ENERGY"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    RESERVATION_TIME = "RESERVATION_TIME"
    TIME = "TIME"


@dataclass(frozen=True, slots=True)
class CdrDimension:
    type: CdrDimensionType
    volume: Decimal


@dataclass(frozen=True, slots=True)
class Reservation:
    """A reservation before the session; ``expired`` when no session followed it."""

    reserved_at: datetime
    ended_at: datetime
    expired: bool = False


@dataclass(frozen=True, slots=True)
class ChargingSession:
    """Meter readings from plug-in to unplug; none if the reservation expired unused."""

    readings: tuple[MeterReading, ...] = ()
    reservation: Reservation | None = None


@dataclass(frozen=True, slots=True)
class ChargingPeriod:
    """An OCPI ChargingPeriod plus its exact cost and end."""

    start_date_time: datetime
    end_date_time: datetime
    dimensions: tuple[CdrDimension, ...]
    tariff_id: str
    cost: PeriodCost

    def to_ocpi(self) -> dict[str, object]:
        return {
            "start_date_time": self.start_date_time.isoformat().replace("+00:00", "Z"),
            "dimensions": [{"type": str(d.type), "volume": d.volume} for d in self.dimensions],
            "tariff_id": self.tariff_id,
        }


@dataclass(frozen=True, slots=True)
class PricedSession:
    periods: tuple[ChargingPeriod, ...]
    cost: CostBreakdown


def price_session(tariff: Tariff, time_zone: str, session: ChargingSession) -> PricedSession:
    """Price ``session`` under ``tariff`` at a location in IANA zone ``time_zone``."""
    zone = _zone(time_zone)
    periods: list[ChargingPeriod] = []
    if session.reservation is not None:
        periods.append(_reservation_period(tariff, zone, session.reservation))
    if session.readings:
        periods += _session_periods(tariff, zone, session.readings)
    if not periods:
        raise InvalidValue("a session needs meter readings or an expired reservation")
    return PricedSession(tuple(periods), breakdown(tariff, [p.cost for p in periods]))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(f"{name!r} is not an IANA time zone") from None


@dataclass(frozen=True, slots=True)
class _Billed:
    """What one piece bills: quantities per dimension (Wh, s, 1) and their components."""

    quantities: dict[TariffDimension, Fraction]
    components: dict[TariffDimension, PriceComponent]


def _session_periods(
    tariff: Tariff, zone: ZoneInfo, readings: tuple[MeterReading, ...]
) -> list[ChargingPeriod]:
    pieces = cut_timeline(tariff, zone, readings)
    billed = [_billed(tariff, piece) for piece in pieces]
    _bill_flat_once(billed)
    _apply_step(billed, [TariffDimension.ENERGY])
    _apply_step(billed, list(_TIME_DIMENSIONS))
    started = readings[0].measured_at
    return [_period(tariff, started, p, b) for p, b in zip(pieces, billed, strict=True)]


def _billed(tariff: Tariff, piece: Piece) -> _Billed:
    measured = {
        TariffDimension.ENERGY: piece.energy_wh,
        TariffDimension.TIME: piece.duration_s if piece.charging else Fraction(0),
        TariffDimension.PARKING_TIME: Fraction(0) if piece.charging else piece.duration_s,
        TariffDimension.FLAT: Fraction(1),
    }
    components: dict[TariffDimension, PriceComponent] = {}
    for dimension, index in piece.elements.items():
        component = tariff.elements[index].component(dimension)
        if component is not None and measured[dimension] > 0:
            components[dimension] = component
    return _Billed({d: measured[d] for d in components}, components)


def _bill_flat_once(billed: list[_Billed]) -> None:
    seen = False
    for item in billed:
        if TariffDimension.FLAT in item.components and seen:
            del item.components[TariffDimension.FLAT]
            del item.quantities[TariffDimension.FLAT]
        seen = seen or TariffDimension.FLAT in item.components


def _apply_step(billed: list[_Billed], dimensions: list[TariffDimension]) -> None:
    """Round the session total of the last-billed dimension up to its last step size."""
    for item in reversed(billed):
        dimension = next((d for d in dimensions if d in item.components), None)
        if dimension is None:
            continue
        step = max(item.components[dimension].step_size, 1)
        total = sum((b.quantities.get(dimension, Fraction(0)) for b in billed), Fraction(0))
        extra = math.ceil(total / step) * step - total
        item.quantities[dimension] += extra
        return


def _period(tariff: Tariff, started: datetime, piece: Piece, billed: _Billed) -> ChargingPeriod:
    costs = {d: _amount(c, billed.quantities[d]) for d, c in billed.components.items()}
    zero = Amount.zero()
    cost = PeriodCost(
        energy=costs.get(TariffDimension.ENERGY, zero),
        time=costs.get(TariffDimension.TIME, zero),
        parking=costs.get(TariffDimension.PARKING_TIME, zero),
        flat=costs.get(TariffDimension.FLAT, zero),
        energy_wh=piece.energy_wh,
        time_s=piece.duration_s,
        parking_s=Fraction(0) if piece.charging else piece.duration_s,
    )
    return ChargingPeriod(
        _at(started, piece.start_s),
        _at(started, piece.end_s),
        _dimensions(piece),
        tariff.id,
        cost,
    )


def _amount(component: PriceComponent, quantity: Fraction) -> Amount:
    per_unit = {
        TariffDimension.ENERGY: Fraction(1, 1000),
        TariffDimension.TIME: Fraction(1, 3600),
        TariffDimension.PARKING_TIME: Fraction(1, 3600),
        TariffDimension.FLAT: Fraction(1),
    }[component.type]
    return Amount.of(Fraction(component.price) * quantity * per_unit, component.vat)


def _dimensions(piece: Piece) -> tuple[CdrDimension, ...]:
    kind = CdrDimensionType.TIME if piece.charging else CdrDimensionType.PARKING_TIME
    values = [
        (CdrDimensionType.ENERGY, piece.energy_wh / 1000),
        (kind, piece.duration_s / 3600),
    ]
    if piece.currents_a:
        values += [
            (CdrDimensionType.MIN_CURRENT, min(piece.currents_a)),
            (CdrDimensionType.MAX_CURRENT, max(piece.currents_a)),
        ]
    if piece.powers_w:
        values += [
            (CdrDimensionType.MIN_POWER, min(piece.powers_w) / 1000),
            (CdrDimensionType.MAX_POWER, max(piece.powers_w) / 1000),
        ]
    return tuple(CdrDimension(kind, to_decimal(value, 6)) for kind, value in values)


def _at(started: datetime, offset_s: Fraction) -> datetime:
    return started + timedelta(microseconds=int(offset_s * 1_000_000))


def _reservation_period(tariff: Tariff, zone: ZoneInfo, reservation: Reservation) -> ChargingPeriod:
    """The reservation priced as one period, with the elements in force when it began."""
    duration_s = to_seconds(reservation.ended_at - reservation.reserved_at)
    if duration_s <= 0:
        raise InvalidValue("a reservation must end after it was made")
    kind = ReservationRestriction.RESERVATION
    if reservation.expired:
        kind = ReservationRestriction.RESERVATION_EXPIRES
    now = Circumstances(local=reservation.reserved_at.astimezone(zone), reservation=kind)
    piece = Piece(Fraction(0), duration_s, True, active_elements(tariff, now))
    billed = _billed(tariff, piece)
    _apply_step(billed=[billed], dimensions=[TariffDimension.TIME])
    period = _period(tariff, reservation.reserved_at, piece, billed)
    cost = replace(
        period.cost,
        reservation=period.cost.time + period.cost.flat,
        time=Amount.zero(),
        flat=Amount.zero(),
        energy_wh=Fraction(0),
        time_s=Fraction(0),
    )
    hours = CdrDimension(CdrDimensionType.RESERVATION_TIME, to_decimal(duration_s / 3600, 6))
    return replace(period, dimensions=(hours,), cost=cost)
