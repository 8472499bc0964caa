"""Which tariff a driver pays at a connector at a moment.

A connector names its tariffs by id (OCPI ``Connector.tariff_ids``). The operator offers
each tariff to every driver or to one driver group (for example subscribers). The rule:

1. only tariffs valid at the moment count (their start/end_date_time), so a price change
   is a new tariff with a later ``start_date_time`` listed beside the old one;
2. a tariff offered to the driver's group wins over the public ones;
3. among public tariffs, a driver with a token pays a non-AD_HOC_PAYMENT tariff when there
   is one, and ad hoc payment (no contract) an AD_HOC_PAYMENT tariff when there is one;
4. among the rest, the one that started most recently wins; then the connector's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kilowatt.domain.tariffs import (
    PriceComponent,
    Tariff,
    TariffDimension,
    TariffElement,
    TariffType,
)

__all__ = ["FREE_OF_CHARGE", "OfferedTariff", "free_of_charge", "select_tariff"]

FREE_OF_CHARGE = "FREE"


def free_of_charge(country_code: str, party_id: str, currency: str) -> Tariff:
    """What a session costs at a connector with no tariff: nothing (OCPI's example 5)."""
    flat = PriceComponent(TariffDimension.FLAT, Decimal("0.00"), step_size=0)
    return Tariff(country_code, party_id, FREE_OF_CHARGE, currency, (TariffElement((flat,)),))


_DAWN = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class OfferedTariff:
    """A tariff and whom it is offered to: everyone (``driver_group`` None) or one group."""

    tariff: Tariff
    driver_group: str | None = None


def select_tariff(
    offers: Sequence[OfferedTariff],
    at: datetime,
    driver_group: str | None = None,
    *,
    ad_hoc: bool = False,
) -> Tariff | None:
    """The tariff that applies, from the connector's ``offers`` in its own order."""
    valid = [offer for offer in offers if offer.tariff.is_valid_at(at)]
    if driver_group is not None:
        own = [offer for offer in valid if offer.driver_group == driver_group]
        if own:
            return _latest(own)
    public = [offer for offer in valid if offer.driver_group is None]
    preferred = [offer for offer in public if _is_ad_hoc(offer.tariff) == ad_hoc]
    return _latest(preferred or public)


def _is_ad_hoc(tariff: Tariff) -> bool:
    return tariff.type is TariffType.AD_HOC_PAYMENT


def _latest(offers: list[OfferedTariff]) -> Tariff | None:
    if not offers:
        return None
    starts = [offer.tariff.start_date_time or _DAWN for offer in offers]
    latest = max(starts)
    return offers[starts.index(latest)].tariff
