"""Quantities, money and identifiers of the domain (kilowatt.domain.units)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.units import ContractId, EvseId, Money, energy_to_wh, require_utc

# energy_to_wh


def test_watt_hours_are_taken_as_they_are() -> None:
    assert energy_to_wh(Decimal(1234), "Wh") == 1234


def test_kilowatt_hours_are_converted_to_watt_hours() -> None:
    assert energy_to_wh(Decimal("12.345"), "kWh") == 12345


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("0.4"), "Wh", 0),
        (Decimal("0.5"), "Wh", 1),
        (Decimal("2.5"), "Wh", 3),
        (Decimal("-0.5"), "Wh", -1),
        (Decimal("1.0004"), "kWh", 1000),
        (Decimal("1.0005"), "kWh", 1001),
    ],
)
def test_energy_is_rounded_half_up_to_whole_watt_hours(
    value: Decimal, unit: str, expected: int
) -> None:
    assert energy_to_wh(value, unit) == expected


@pytest.mark.parametrize("unit", ["W", "kW", "wh", "KWH", "MWh", "varh", ""])
def test_a_unit_other_than_wh_or_kwh_is_not_an_energy_unit(unit: str) -> None:
    with pytest.raises(InvalidValue, match="not an energy unit"):
        energy_to_wh(Decimal(1), unit)


# require_utc


def test_a_naive_timestamp_is_refused_not_guessed() -> None:
    with pytest.raises(InvalidValue, match="no time zone"):
        require_utc(datetime(2025, 1, 1, 12, 0))


def test_a_utc_timestamp_is_returned_unchanged() -> None:
    moment = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert require_utc(moment) == moment
    assert require_utc(moment).tzinfo is UTC


def test_an_aware_timestamp_is_converted_to_utc() -> None:
    amsterdam_winter = timezone(timedelta(hours=1))
    converted = require_utc(datetime(2025, 1, 1, 13, 30, tzinfo=amsterdam_winter))
    assert converted.tzinfo is UTC
    assert (converted.hour, converted.minute) == (12, 30)


# Money


def test_money_keeps_its_exact_amount_and_currency() -> None:
    price = Money(Decimal("0.35"), "EUR")
    assert price.amount == Decimal("0.35")
    assert price.currency == "EUR"


@pytest.mark.parametrize(
    ("amount", "minor"),
    [
        (Decimal("12.34"), 1234),
        (Decimal(0), 0),
        (Decimal("0.005"), 1),
        (Decimal("0.0049"), 0),
        (Decimal("1.995"), 200),
        (Decimal("-0.005"), -1),
        (Decimal(7), 700),
    ],
)
def test_money_in_minor_units_is_rounded_half_up(amount: Decimal, minor: int) -> None:
    assert Money(amount, "EUR").amount_minor == minor


@pytest.mark.parametrize("currency", ["eur", "EU", "EURO", "€", "", "E1R"])
def test_a_currency_is_three_capital_letters(currency: str) -> None:
    with pytest.raises(InvalidValue, match="ISO 4217"):
        Money(Decimal(1), currency)


def test_money_is_a_value_compared_by_amount_and_currency() -> None:
    assert Money(Decimal("1.50"), "EUR") == Money(Decimal("1.50"), "EUR")
    assert Money(Decimal("1.50"), "EUR") != Money(Decimal("1.50"), "USD")


def test_minor_units_follow_the_currency_s_iso_4217_exponent() -> None:
    assert Money(Decimal(500), "JPY").amount_minor == 500
    assert Money(Decimal("1.234"), "KWD").amount_minor == 1234


# EvseId


def test_an_evse_id_is_parsed_into_its_parts() -> None:
    evse = EvseId.parse("NL*KWT*E1234*1")
    assert (evse.country_code, evse.operator_id, evse.suffix) == ("NL", "KWT", "1234*1")
    assert str(evse) == "NL*KWT*E1234*1"


@pytest.mark.parametrize(
    "text",
    ["NLKWTE1234*1", "nl*kwt*e1234*1", "  NL*KWT*E1234*1  ", "NL*KWTE1234*1", "NLKWT*E1234*1"],
)
def test_an_evse_id_may_omit_separators_and_is_normalized(text: str) -> None:
    assert str(EvseId.parse(text)) == "NL*KWT*E1234*1"


@pytest.mark.parametrize(
    "text",
    ["DE*AB7*E840*6487", "FR*A23*E45B78C", "NL*KWT*E1", "NL*123*E" + "A" * 31],
)
def test_valid_emi3_evse_ids_are_accepted(text: str) -> None:
    assert str(EvseId.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "NL*KWT*1234*1",  # the E of the id type is missing
        "NL*KWT*E",  # no power outlet id
        "NL*KWT*E*1",  # the outlet id starts with a separator
        "N1*KWT*E1234",  # the country code is two letters
        "NLD*KWT*E1234",
        "NL*KW*E1234",  # the operator id is three characters
        "NL*KWTX*E1234",
        "NL-KWT-E1234",  # EVSE ids are separated by asterisks
        "NL*KWT*E1234-1",
        "NL*123*E" + "A" * 32,  # the outlet id has at most 31 characters
    ],
)
def test_malformed_evse_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue, match="not an EVSE id"):
        EvseId.parse(text)


# ContractId


def test_a_contract_id_is_kept_as_written() -> None:
    assert str(ContractId.parse("NL-KWT-C12345678-X")) == "NL-KWT-C12345678-X"


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("nl-kwt-c12345678-x", "NL-KWT-C12345678-X"),
        (" NL-KWT-C12345678-X ", "NL-KWT-C12345678-X"),
        ("NLKWTC12345678X", "NLKWTC12345678X"),
        ("NL-KWT-C12345678", "NL-KWT-C12345678"),
        ("DE8ACC123456789", "DE8ACC123456789"),
    ],
)
def test_a_contract_id_is_upper_cased_and_may_omit_separators_and_check_digit(
    text: str, normalized: str
) -> None:
    assert ContractId.parse(text).text == normalized


@pytest.mark.parametrize(
    "text",
    [
        "",
        "NL-KWT-12345678-X",  # the instance starts with C
        "NL-KWT-C1234567-X",  # the instance has eight characters after the C
        "NL-KWT-C123456789-XY",
        "NL*KWT*C12345678*X",  # contract ids are separated by hyphens
        "NLD-KWT-C12345678",
        "NL-KW-C12345678",
        "NL-KWT-C1234567_-X",
    ],
)
def test_malformed_contract_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue, match="not a contract id"):
        ContractId.parse(text)
