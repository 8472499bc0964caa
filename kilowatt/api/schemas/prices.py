"""Prices shown before charging and session previews (money as exact decimal strings)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel

from kilowatt.domain.tariff_json import jsonable
from kilowatt.domain.tariffs import Price
from kilowatt.services.tariffs import AppliedTariff, PricePreview

__all__ = ["MoneyPublic", "PricePreviewPublic", "UnitPricesPublic"]


class MoneyPublic(BaseModel):
    excl_vat: Decimal
    incl_vat: Decimal | None

    @classmethod
    def of(cls, price: Price | None) -> MoneyPublic | None:
        return None if price is None else cls(excl_vat=price.excl_vat, incl_vat=price.incl_vat)

    @classmethod
    def per_minute(cls, per_hour: Price | None) -> MoneyPublic | None:
        """An hourly price per minute, to 4 decimals (half up), for display."""
        if per_hour is None:
            return None
        incl = per_hour.incl_vat
        return cls(
            excl_vat=_sixtieth(per_hour.excl_vat),
            incl_vat=None if incl is None else _sixtieth(incl),
        )


class UnitPricesPublic(BaseModel):
    """Unit prices for a session starting at ``at``; null: that unit is not priced."""

    tariff_id: str
    currency: str
    at: datetime
    per_kwh: MoneyPublic | None
    per_hour: MoneyPublic | None
    per_minute: MoneyPublic | None
    per_parking_hour: MoneyPublic | None
    per_parking_minute: MoneyPublic | None
    per_session: MoneyPublic | None
    tariff_alt_text: list[dict[str, Any]]

    @classmethod
    def of(cls, applied: AppliedTariff, at: datetime) -> UnitPricesPublic:
        prices = applied.unit_prices(at)
        return cls(
            tariff_id=applied.tariff.id,
            currency=prices.currency,
            at=at,
            per_kwh=MoneyPublic.of(prices.per_kwh),
            per_hour=MoneyPublic.of(prices.per_hour),
            per_minute=MoneyPublic.per_minute(prices.per_hour),
            per_parking_hour=MoneyPublic.of(prices.per_parking_hour),
            per_parking_minute=MoneyPublic.per_minute(prices.per_parking_hour),
            per_session=MoneyPublic.of(prices.per_session),
            tariff_alt_text=[text.to_ocpi() for text in applied.tariff.tariff_alt_text],
        )


class PricePreviewPublic(BaseModel):
    """The would-be cost, as an OCPI CDR would state it, with its charging periods."""

    tariff_id: str
    currency: str
    start: datetime
    total_cost: MoneyPublic
    total_fixed_cost: MoneyPublic
    total_energy_cost: MoneyPublic
    total_time_cost: MoneyPublic
    total_parking_cost: MoneyPublic
    total_energy_kwh: Decimal
    total_time_hours: Decimal
    total_parking_time_hours: Decimal
    charging_periods: list[dict[str, Any]]

    @classmethod
    def of(cls, preview: PricePreview) -> PricePreviewPublic:
        cost = preview.priced.cost
        return cls(
            tariff_id=preview.applied.tariff.id,
            currency=cost.currency,
            start=preview.start,
            total_cost=_money(cost.total_cost),
            total_fixed_cost=_money(cost.total_fixed_cost),
            total_energy_cost=_money(cost.total_energy_cost),
            total_time_cost=_money(cost.total_time_cost),
            total_parking_cost=_money(cost.total_parking_cost),
            total_energy_kwh=cost.total_energy,
            total_time_hours=cost.total_time,
            total_parking_time_hours=cost.total_parking_time,
            charging_periods=[jsonable(p.to_ocpi()) for p in preview.priced.periods],
        )


def _sixtieth(amount: Decimal) -> Decimal:
    return (amount / 60).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _money(price: Price) -> MoneyPublic:
    return MoneyPublic(excl_vat=price.excl_vat, incl_vat=price.incl_vat)
