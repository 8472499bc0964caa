"""Partner tariffs as the app's unit prices: one price per kind, VAT added when the partner
gives it, OCPI's hourly TIME price per minute."""

from __future__ import annotations

from kilowatt.services.partner_finder import unit_prices


def test_each_kind_takes_its_first_price_with_vat_when_given() -> None:
    tariff = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 20, "step_size": 1}]},
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.99, "step_size": 1},
                    {"type": "TIME", "price": 1.2, "step_size": 60},
                    {"type": "FLAT", "price": 0.5, "vat": 21, "step_size": 1},
                ]
            },
        ],
    }
    assert unit_prices(tariff) == {
        "currency": "EUR",
        "per_kwh": {"excl_vat": "0.2500", "incl_vat": "0.3000"},
        "per_minute": {"excl_vat": "0.0200", "incl_vat": None},
        "per_session": {"excl_vat": "0.5000", "incl_vat": "0.6050"},
        "per_parking_minute": None,
    }


def test_a_tariff_without_elements_prices_nothing() -> None:
    prices = unit_prices({"currency": "CHF", "elements": []})
    assert prices["currency"] == "CHF"
    assert [prices[k] for k in ("per_kwh", "per_minute", "per_session")] == [None] * 3
