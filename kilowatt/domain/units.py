"""Quantities, money and identifiers, with their units in their names.

Energy is integer watt-hours, power watts, current amperes; money is Decimal with
an ISO 4217 currency. Identifiers follow eMI3 / ISO 15118-2 (EVSE ids such as
``NL*KWT*E1234*1``, contract ids such as ``NL-KWT-C12345678-X``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from kilowatt.domain.errors import InvalidValue

__all__ = [
    "ContractId",
    "EvseId",
    "Money",
    "energy_to_wh",
    "require_utc",
]

_ENERGY_FACTORS_WH = {"Wh": Decimal(1), "kWh": Decimal(1000)}


def energy_to_wh(value: Decimal, unit: str) -> int:
    """Convert a register reading in ``Wh`` or ``kWh`` to whole watt-hours.

    >>> energy_to_wh(Decimal("12.345"), "kWh")
    12345
    """
    try:
        factor = _ENERGY_FACTORS_WH[unit]
    except KeyError:
        raise InvalidValue(f"{unit!r} is not an energy unit (Wh or kWh)") from None
    return int((value * factor).to_integral_value(ROUND_HALF_UP))


def require_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; naive datetimes are refused, never guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"timestamp {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount of money in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise InvalidValue(f"{self.currency!r} is not an ISO 4217 currency code")

    @property
    def amount_minor(self) -> int:
        """The amount in the currency's minor units (ISO 4217 exponent), rounded half up."""
        exponent = _MINOR_UNIT_EXPONENTS.get(self.currency, 2)
        return int(self.amount.scaleb(exponent).to_integral_value(ROUND_HALF_UP))


#: ISO 4217 currencies whose minor unit is not the cent (all others: 2 decimals).
_MINOR_UNIT_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}


_EVSE_ID = re.compile(
    r"^(?P<country>[A-Z]{2})\*?(?P<operator>[A-Z0-9]{3})\*?E(?P<suffix>[A-Z0-9][A-Z0-9*]{0,30})$"
)
_CONTRACT_ID = re.compile(
    r"^(?P<country>[A-Z]{2})-?(?P<provider>[A-Z0-9]{3})-?C(?P<instance>[A-Z0-9]{8})(-?[A-Z0-9])?$"
)


@dataclass(frozen=True, slots=True)
class EvseId:
    """An eMI3 / ISO 15118 EVSE id, e.g. ``NL*KWT*E1234*1``."""

    country_code: str
    operator_id: str
    suffix: str

    @classmethod
    def parse(cls, text: str) -> EvseId:
        match = _EVSE_ID.match(text.strip().upper())
        if match is None:
            raise InvalidValue(f"{text!r} is not an EVSE id like NL*KWT*E1234*1")
        return cls(match["country"], match["operator"], match["suffix"])

    def __str__(self) -> str:
        return f"{self.country_code}*{self.operator_id}*E{self.suffix}"


@dataclass(frozen=True, slots=True)
class ContractId:
    """An eMA contract id, e.g. ``NL-KWT-C12345678-X``."""

    text: str

    @classmethod
    def parse(cls, text: str) -> ContractId:
        normalized = text.strip().upper()
        if _CONTRACT_ID.match(normalized) is None:
            raise InvalidValue(f"{text!r} is not a contract id like NL-KWT-C12345678-X")
        return cls(normalized)

    def __str__(self) -> str:
        return self.text
