"""Which tariff applies: validity, driver groups, ad hoc payment, the latest start."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from kilowatt.domain.tariff_selection import (
    FREE_OF_CHARGE,
    OfferedTariff,
    free_of_charge,
    select_tariff,
)
from kilowatt.domain.tariffs import (
    PriceComponent,
    Tariff,
    TariffDimension,
    TariffElement,
    TariffType,
)

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def tariff(tariff_id: str, **fields: object) -> Tariff:
    energy = PriceComponent(TariffDimension.ENERGY, Decimal("0.30"))
    base = Tariff("NL", "KWT", tariff_id, "EUR", (TariffElement((energy,)),))
    return replace(base, **fields)  # type: ignore[arg-type]


def chosen(offers: list[OfferedTariff], group: str | None = None, **kw: bool) -> str | None:
    found = select_tariff(offers, NOW, group, **kw)
    return None if found is None else found.id


def test_nothing_offered_selects_nothing() -> None:
    assert chosen([]) is None


def test_only_tariffs_valid_at_the_moment_count() -> None:
    old = tariff("OLD", end_date_time=datetime(2026, 1, 1, tzinfo=UTC))
    future = tariff("NEXT", start_date_time=datetime(2027, 1, 1, tzinfo=UTC))
    assert chosen([OfferedTariff(old), OfferedTariff(future)]) is None
    assert chosen([OfferedTariff(old), OfferedTariff(tariff("NOW"))]) == "NOW"


def test_a_price_change_is_a_newer_tariff_beside_the_old() -> None:
    current = tariff("2026", start_date_time=datetime(2026, 1, 1, tzinfo=UTC))
    raised = tariff("2026-11", start_date_time=datetime(2026, 11, 1, tzinfo=UTC))
    assert chosen([OfferedTariff(current), OfferedTariff(raised)]) == "2026-11"
    assert chosen([OfferedTariff(raised), OfferedTariff(current)]) == "2026-11"


def test_a_group_tariff_wins_for_its_group_only() -> None:
    offers = [OfferedTariff(tariff("STD")), OfferedTariff(tariff("SUB"), "subscribers")]
    assert chosen(offers, "subscribers") == "SUB"
    assert chosen(offers, "fleet") == "STD"
    assert chosen(offers) == "STD"
    assert chosen([OfferedTariff(tariff("SUB"), "subscribers")]) is None


def test_ad_hoc_payment_prefers_the_ad_hoc_tariff_and_tokens_the_regular() -> None:
    regular = OfferedTariff(tariff("REG", type=TariffType.REGULAR))
    ad_hoc = OfferedTariff(tariff("ADHOC", type=TariffType.AD_HOC_PAYMENT))
    assert chosen([ad_hoc, regular]) == "REG"
    assert chosen([regular, ad_hoc], ad_hoc=True) == "ADHOC"
    assert chosen([ad_hoc]) == "ADHOC"  # the only public tariff, for everyone
    assert chosen([regular], ad_hoc=True) == "REG"


def test_ties_go_to_the_connectors_order() -> None:
    assert chosen([OfferedTariff(tariff("A")), OfferedTariff(tariff("B"))]) == "A"


def test_free_of_charge_is_a_flat_zero() -> None:
    free = free_of_charge("NL", "KWT", "EUR")
    assert free.id == FREE_OF_CHARGE
    assert free.to_ocpi()["elements"] == [
        {"price_components": [{"type": "FLAT", "price": Decimal("0.00"), "step_size": 0}]}
    ]
