"""The price a driver is shown before charging (EU AFIR price transparency).

From the tariff elements in force at a moment (a session starting then: no energy, no
duration yet), the unit prices per kWh, per hour of charging, per hour of parking and per
session, each excluding and including VAT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from kilowatt.domain.pricing_timeline import active_elements
from kilowatt.domain.tariff_restrictions import Circumstances
from kilowatt.domain.tariffs import Price, PriceComponent, Tariff, TariffDimension

__all__ = ["UnitPrices", "unit_prices"]


@dataclass(frozen=True, slots=True)
class UnitPrices:
    currency: str
    per_kwh: Price | None
    per_hour: Price | None
    per_parking_hour: Price | None
    per_session: Price | None


def unit_prices(tariff: Tariff, time_zone: str, at: datetime) -> UnitPrices:
    """What each unit costs for a session starting at ``at`` (None: not priced)."""
    local = at.astimezone(ZoneInfo(time_zone))
    chosen = active_elements(tariff, Circumstances(local=local))

    def price(dimension: TariffDimension) -> Price | None:
        index = chosen.get(dimension)
        if index is None:
            return None
        component = tariff.elements[index].component(dimension)
        return None if component is None else _with_vat(component)

    return UnitPrices(
        tariff.currency,
        price(TariffDimension.ENERGY),
        price(TariffDimension.TIME),
        price(TariffDimension.PARKING_TIME),
        price(TariffDimension.FLAT),
    )


def _with_vat(component: PriceComponent) -> Price:
    rate = component.vat if component.vat is not None else Decimal(0)
    incl = component.price * (1 + rate / 100)
    return Price(component.price, incl.quantize(Decimal("0.0001")))
