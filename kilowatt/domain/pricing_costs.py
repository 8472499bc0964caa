"""Exact amounts of money, per period and per session, and their one final rounding.

``Amount`` holds exact rationals excluding and including VAT. A component without
VAT (``vat`` None) adds the same amount to both. ``breakdown`` sums the periods,
applies the tariff's min_price and max_price to the totals (excl. and incl. VAT
each on its own, as the spec's notes say) and rounds every money total once, to the
currency's minor units with ROUND_HALF_UP.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from kilowatt.domain.tariffs import Price, Tariff
from kilowatt.domain.units import Money

__all__ = ["Amount", "CostBreakdown", "PeriodCost", "breakdown", "to_decimal"]


def to_decimal(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half up (away from zero) to ``places`` decimals."""
    scaled = abs(value) * 10**places
    units = math.floor(scaled + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-places)


@dataclass(frozen=True, slots=True)
class Amount:
    """An exact amount of money excluding and including VAT."""

    excl_vat: Fraction
    incl_vat: Fraction

    @classmethod
    def zero(cls) -> Amount:
        return cls(Fraction(0), Fraction(0))

    @classmethod
    def of(cls, excl_vat: Fraction, vat_percent: Decimal | None) -> Amount:
        rate = Fraction(0) if vat_percent is None else Fraction(vat_percent) / 100
        return cls(excl_vat, excl_vat * (1 + rate))

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.excl_vat + other.excl_vat, self.incl_vat + other.incl_vat)

    def price(self, currency: str) -> Price:
        """Rounded once to the currency's minor units, half up."""
        places = _minor_places(currency)
        return Price(to_decimal(self.excl_vat, places), to_decimal(self.incl_vat, places))


@dataclass(frozen=True, slots=True)
class PeriodCost:
    """The exact cost of one period by dimension, and its measured quantities."""

    energy: Amount
    time: Amount
    parking: Amount
    flat: Amount
    energy_wh: Fraction
    time_s: Fraction
    parking_s: Fraction
    reservation: Amount = Amount(Fraction(0), Fraction(0))

    @property
    def total(self) -> Amount:
        return self.energy + self.time + self.parking + self.flat + self.reservation


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """The CDR totals: money rounded to minor units, energy in kWh, times in hours.

    ``exact_total`` is the unrounded sum of the periods before min/max price.
    ``total_time`` spans the session from first to last reading (charging and parked).
    """

    currency: str
    total_cost: Price
    total_fixed_cost: Price
    total_energy_cost: Price
    total_time_cost: Price
    total_parking_cost: Price
    total_reservation_cost: Price
    total_energy: Decimal
    total_time: Decimal
    total_parking_time: Decimal
    exact_total: Amount


def breakdown(tariff: Tariff, costs: Sequence[PeriodCost]) -> CostBreakdown:
    """Sum ``costs``, bound the total by min/max price, round once."""
    currency = tariff.currency
    exact = _money(costs, lambda c: c.total)
    return CostBreakdown(
        currency=currency,
        total_cost=_bounded(exact, tariff.min_price, tariff.max_price).price(currency),
        total_fixed_cost=_money(costs, lambda c: c.flat).price(currency),
        total_energy_cost=_money(costs, lambda c: c.energy).price(currency),
        total_time_cost=_money(costs, lambda c: c.time).price(currency),
        total_parking_cost=_money(costs, lambda c: c.parking).price(currency),
        total_reservation_cost=_money(costs, lambda c: c.reservation).price(currency),
        total_energy=to_decimal(sum((c.energy_wh for c in costs), Fraction(0)) / 1000, 6),
        total_time=to_decimal(sum((c.time_s for c in costs), Fraction(0)) / 3600, 6),
        total_parking_time=to_decimal(sum((c.parking_s for c in costs), Fraction(0)) / 3600, 6),
        exact_total=exact,
    )


def _money(costs: Sequence[PeriodCost], pick: Callable[[PeriodCost], Amount]) -> Amount:
    return sum((pick(cost) for cost in costs), Amount.zero())


def _bounded(total: Amount, low: Price | None, high: Price | None) -> Amount:
    excl, incl = total.excl_vat, total.incl_vat
    if low is not None:
        excl = max(excl, Fraction(low.excl_vat))
        incl = max(incl, Fraction(low.incl_vat if low.incl_vat is not None else low.excl_vat))
    if high is not None:
        excl = min(excl, Fraction(high.excl_vat))
        if high.incl_vat is not None:
            incl = min(incl, Fraction(high.incl_vat))
    return Amount(excl, incl)


def _minor_places(currency: str) -> int:
    # Money knows the ISO 4217 exponents; ask it with a one-unit amount.
    return len(str(Money(Decimal(1), currency).amount_minor)) - 1
