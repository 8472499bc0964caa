"""OCPI 2.2.1 Tariff objects: parsing, round trips, validation (kilowatt.domain.tariffs)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.tariffs import Tariff, TariffDimension, unreachable_elements

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "ocpi-2.2.1"  # the spec's own examples
TARIFF_FILES = sorted(EXAMPLES.glob("tariff*.json"))


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(), parse_float=Decimal)
    return data


def test_the_spec_ships_tariff_examples() -> None:
    assert len(TARIFF_FILES) >= 19


@pytest.mark.parametrize("path", TARIFF_FILES, ids=lambda p: p.stem)
def test_every_spec_tariff_example_parses_and_round_trips(path: Path) -> None:
    data = load(path.name)
    assert Tariff.from_ocpi(data).to_ocpi() == data


def test_numbers_stay_exact_decimals() -> None:
    tariff = Tariff.from_ocpi(load("tariff_2_alt_text.json"))
    component = tariff.elements[0].price_components[0]
    assert component.price == Decimal("1.90")
    assert component.vat == Decimal("5.2")
    assert component.type is TariffDimension.TIME


def test_float_input_is_read_through_its_shortest_repr() -> None:
    data = json.loads((EXAMPLES / "tariff_1_simple_2hour.json").read_text())
    assert Tariff.from_ocpi(data).elements[0].price_components[0].vat == Decimal("10.0")


def test_an_energy_mix_round_trips() -> None:
    data = load("tariff_8_simple_025kwh.json")
    data["energy_mix"] = {
        "is_green_energy": False,
        "energy_sources": [{"source": "SOLAR", "percentage": Decimal("35.5")}],
        "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": Decimal(372)}],
        "supplier_name": "E.ON",
    }
    assert Tariff.from_ocpi(data).to_ocpi() == data


def with_change(name: str, path: list[str | int], value: object) -> dict[str, Any]:
    data = load(name)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["currency"], "eur", "ISO 4217"),
        (["country_code"], "DEU", "alpha-2"),
        (["elements"], [], "at least one element"),
        (["elements", 0, "price_components"], [], "at least one price component"),
        (["elements", 0, "price_components", 0, "type"], "MINUTES", "TariffDimensionType"),
        (["elements", 0, "price_components", 0, "price"], "2.00", "must be a number"),
        (["elements", 0, "price_components", 0, "price"], Decimal(-1), "negative"),
        (["elements", 0, "price_components", 0, "step_size"], -1, "negative"),
        (["elements", 0, "restrictions"], {"start_time": "7:00"}, "HH:MM"),
        (["elements", 0, "restrictions"], {"start_date": "2019-02-30"}, "YYYY-MM-DD"),
        (["elements", 0, "restrictions"], {"min_kwh": 5, "max_kwh": 5}, "below max_kwh"),
        (["elements", 0, "restrictions"], {"day_of_week": ["MON"]}, "DayOfWeek"),
        (["elements", 0, "restrictions"], {"reservation": "RESERVATION"}, "FLAT and TIME"),
        (["min_price"], {"excl_vat": Decimal(20)}, "above max_price"),
        (["last_updated"], "yesterday", "RFC 3339"),
    ],
)
def test_invalid_tariffs_are_refused_with_the_reason(
    path: list[str | int], value: object, message: str
) -> None:
    data = with_change("tariff_9_025kwh_start.json", path, value)
    data["max_price"] = {"excl_vat": Decimal(10)}
    with pytest.raises(InvalidValue, match=message):
        Tariff.from_ocpi(data)


def test_a_missing_required_field_is_named() -> None:
    data = load("tariff_1_simple_2hour.json")
    del data["currency"]
    with pytest.raises(InvalidValue, match=r"tariff\.currency is required"):
        Tariff.from_ocpi(data)


def test_the_spec_examples_have_no_unreachable_elements() -> None:
    for path in TARIFF_FILES:
        assert unreachable_elements(Tariff.from_ocpi(load(path.name))) == [], path.name


def test_an_element_after_an_unrestricted_one_for_the_same_dimension_is_unreachable() -> None:
    data = load("tariffrestriction_example_max_power.json")
    data["elements"].reverse()  # the fallback now comes first
    problems = unreachable_elements(Tariff.from_ocpi(data))
    assert len(problems) == 2
    assert problems[0].startswith("element 1 ENERGY can never apply: element 0")


def test_a_narrower_window_after_a_wider_one_is_unreachable() -> None:
    data = load("tariff_14_step_size.json")
    data["elements"][1]["restrictions"] = {"start_time": "10:00", "end_time": "16:00"}
    problems = unreachable_elements(Tariff.from_ocpi(data))
    assert [p.split(":")[0] for p in problems] == [
        "element 1 TIME can never apply",
        "element 1 PARKING_TIME can never apply",
    ]


def test_a_wider_window_after_a_narrower_one_is_reachable() -> None:
    data = load("tariff_14_step_size.json")
    data["elements"][1]["restrictions"] = {"start_time": "06:00", "end_time": "18:00"}
    assert unreachable_elements(Tariff.from_ocpi(data)) == []


def test_validity_window_of_a_tariff() -> None:
    tariff = Tariff.from_ocpi(load("tariff_6_025kwh_start_max_price.json"))
    assert tariff.end_date_time is not None
    assert tariff.is_valid_at(tariff.end_date_time.replace(year=2019, month=1))
    assert not tariff.is_valid_at(tariff.end_date_time)
