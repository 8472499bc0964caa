"""OCPP payload values ↔ domain values, for both versions: pure functions, no I/O.

Payloads arrive here with snake_case keys (``kilowatt.ocpp.schemas.snake_keys``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.tokens import Authorization
from kilowatt.domain.transactions import MeterSample

__all__ = ["id_token_info", "meter_samples", "ocpp_time", "parse_time"]


def parse_time(text: str) -> datetime:
    """An OCPP dateTime as an aware UTC datetime (a missing zone is taken as UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"{text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def ocpp_time(moment: datetime) -> str:
    """UTC with a Z, millisecond precision, as stations expect it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def meter_samples(meter_values: Iterable[Mapping[str, Any]]) -> tuple[MeterSample, ...]:
    """MeterValue objects (1.6 or 2.0.1) as one tuple of samples."""
    return tuple(
        _sample(parse_time(meter_value["timestamp"]), sampled)
        for meter_value in meter_values
        for sampled in meter_value["sampled_value"]
    )


def _sample(moment: datetime, sampled: Mapping[str, Any]) -> MeterSample:
    unit, multiplier = _unit(sampled)
    if sampled.get("format") == "SignedData":  # 1.6: no number, only the signed block
        value = Decimal("NaN")
    else:
        value = _decimal(sampled["value"]).scaleb(multiplier)
    return MeterSample(
        measured_at=moment,
        value=value,
        measurand=sampled.get("measurand") or "Energy.Active.Import.Register",
        unit=unit,
        phase=sampled.get("phase") or "",
        location=sampled.get("location") or "Outlet",
        context=sampled.get("context") or "Sample.Periodic",
        signed_data=_signed(sampled),
    )


def _unit(sampled: Mapping[str, Any]) -> tuple[str, int]:
    if "unit_of_measure" in sampled:  # 2.0.1
        measure = sampled["unit_of_measure"] or {}
        return measure.get("unit") or "Wh", int(measure.get("multiplier") or 0)
    return sampled.get("unit") or "Wh", 0


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(f"meter value {value!r} is not a number") from None


def _signed(sampled: Mapping[str, Any]) -> str | None:
    if sampled.get("format") == "SignedData":  # 1.6: the value itself is the signed data
        return str(sampled["value"])
    signed = sampled.get("signed_meter_value")
    return str(signed["signed_meter_data"]) if signed else None


def id_token_info(decision: Authorization, *, v201: bool = False) -> dict[str, Any]:
    """The idTagInfo (1.6) / idTokenInfo (2.0.1) of a decision, snake_case; 2.0.1 names the
    expiry ``cacheExpiryDateTime`` (its schema refuses 1.6's ``expiryDate``)."""
    info: dict[str, Any] = {"status": decision.status.value}
    if decision.expires_at is not None:
        key = "cache_expiry_date_time" if v201 else "expiry_date"
        info[key] = ocpp_time(decision.expires_at)
    return info
