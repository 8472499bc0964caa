"""Reading and writing the JSON values of OCPI tariffs: numbers, texts, timestamps.

OCPI numbers become ``Decimal`` without passing through binary floating point when the
caller parsed JSON with ``parse_float=Decimal``; floats are converted through their
shortest ``repr``, so ``1.2`` stays ``Decimal("1.2")``. Every failure is an ``InvalidValue``
naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kilowatt.domain.errors import InvalidValue

__all__ = [
    "as_integer",
    "as_items",
    "as_mapping",
    "as_number",
    "as_text",
    "as_timestamp",
    "jsonable",
    "optional",
    "required",
    "timestamp_to_ocpi",
]

JsonObject = Mapping[str, object]


def required(data: JsonObject, key: str, where: str) -> object:
    """The value of ``key``; a missing or null value is an error."""
    value = data.get(key)
    if value is None:
        raise InvalidValue(f"{where}.{key} is required")
    return value


def optional(data: JsonObject, key: str) -> object | None:
    return data.get(key)


def as_mapping(value: object, field: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise InvalidValue(f"{field} must be an object")
    return value


def as_items(value: object, field: str) -> Sequence[object]:
    if not isinstance(value, list | tuple):
        raise InvalidValue(f"{field} must be a list")
    return value


def as_number(value: object, field: str) -> Decimal:
    """A JSON number as an exact ``Decimal``; booleans and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidValue(f"{field} must be a number, not {value!r}")
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite():
        raise InvalidValue(f"{field} must be a finite number")
    return number


def as_integer(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{field} must be an integer, not {value!r}")
    return value


def as_text(value: object, field: str, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"{field} must be a string")
    if max_length is not None and len(value) > max_length:
        raise InvalidValue(f"{field} is longer than {max_length} characters")
    return value


def as_timestamp(value: object, field: str) -> datetime:
    """An OCPI DateTime; one without a zone is UTC, as the OCPI spec says."""
    text = as_text(value, field)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"{field} {text!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def timestamp_to_ocpi(moment: datetime) -> str:
    """UTC with a ``Z``, e.g. ``2015-06-29T20:39:09Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def jsonable(value: object) -> Any:
    """``value`` with every ``Decimal`` made a JSON number (int, or float for fractions).

    Prices and volumes have far fewer than 15 significant digits, so the float's shortest
    representation is the decimal itself: ``Decimal(repr(float(d))) == d``.
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value
