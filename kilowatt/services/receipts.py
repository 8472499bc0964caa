"""A driver's receipt of a charging session (the driver app, issue 7): the CDR's charging
periods as lines with their dimensions and unit prices, and the totals excl./incl. VAT, the
times in the location's zone. Our own CDRs and partner CPOs' (roaming) share this shape.

The totals are the CDR's own. When a CDR states no total incl. VAT (OCPI makes it optional),
the receipt says VAT is not stated and never invents it. A line's amount is its volume times
the unit price active when the period began, before the tariff's step sizes round the session
(so lines may differ from the totals by that rounding; the receipt says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kilowatt.domain.payments import Payment, PaymentState, from_minor
from kilowatt.domain.price_display import UnitPrices, unit_prices
from kilowatt.domain.tariffs import Price, Tariff
from kilowatt.ports import CdrRecord, PaymentStore, Queries
from kilowatt.services import driver_sessions
from kilowatt.services.context import ServiceContext

__all__ = [
    "CardPayment",
    "Receipt",
    "ReceiptLine",
    "address_line",
    "located_receipt",
    "receipt",
    "receipt_of",
    "receipt_of_cdr",
    "with_payment",
    "with_payments",
]

_UNITS = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h"}
_LABELS = {"ENERGY": "Energy", "TIME": "Charging time", "PARKING_TIME": "Parking time"}


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    started_at: datetime
    label: str  # Energy, Charging time, Parking time, Session fee
    volume: Decimal
    unit: str  # kWh, h, session
    unit_price_excl_vat: Decimal | None  # None: not priced by the tariff
    amount_excl_vat: Decimal


@dataclass(frozen=True, slots=True)
class CardPayment:
    """What the card paid for the session: captured, and given back since (refunded)."""

    currency: str
    captured: Decimal
    refunded: Decimal


@dataclass(frozen=True, slots=True)
class Receipt:
    cdr_id: str
    session_id: str
    credit: bool
    location_name: str
    address: str
    evse_id: str
    started_at: datetime
    ended_at: datetime
    currency: str
    lines: list[ReceiptLine]
    total_energy_kwh: Decimal
    total_excl_vat: Decimal
    total_incl_vat: Decimal | None  # None: the CDR does not state it (nor the VAT)
    paid: CardPayment | None = None  # None: not paid by card through us
    time_zone: str = "UTC"  # IANA zone the receipt shows its times in
    operator: str | None = None  # who ran the charge point, on a partner CPO's receipt

    @property
    def vat(self) -> Decimal | None:
        """The VAT the CDR's totals imply; None when it states no total incl. VAT."""
        if self.total_incl_vat is None:
            return None
        return self.total_incl_vat - self.total_excl_vat

    @property
    def duration(self) -> timedelta:
        return self.ended_at - self.started_at

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the receipt's time zone."""
        return moment.astimezone(ZoneInfo(self.time_zone))


async def receipt_of(driver_id: str, cdr_id: str, ctx: ServiceContext, queries: Queries) -> Receipt:
    """The receipt of one of the driver's CDRs; NotFound for anyone else's."""
    record = await driver_sessions.cdr_of(driver_id, cdr_id, ctx, queries)
    return await located_receipt(record, queries)


async def located_receipt(record: CdrRecord, queries: Queries) -> Receipt:
    """The receipt of a CDR, its times in its location's zone (an ad hoc guest's too)."""
    zone = "UTC"
    if record.location_id is not None:
        location = await queries.location(record.location_id)
        zone = location.time_zone if location is not None else zone
    return receipt(record, zone)


async def with_payment(found: Receipt, store: PaymentStore) -> Receipt:
    """The receipt with what its session's card payments captured and refunded, if any."""
    return with_payments(found, await store.of_transaction(found.session_id))


def with_payments(found: Receipt, payments: Sequence[Payment]) -> Receipt:
    """The receipt with what ``payments`` (its session's) captured and refunded (pure)."""
    settled = [p for p in payments if p.state in (PaymentState.CAPTURED, PaymentState.REFUNDED)]
    if not settled:
        return found
    currency = settled[0].currency
    captured = sum(p.captured_minor for p in settled)
    refunded = sum(p.refunded_minor for p in settled)
    paid = CardPayment(currency, from_minor(captured, currency), from_minor(refunded, currency))
    return replace(found, paid=paid)


def receipt(record: CdrRecord, time_zone: str) -> Receipt:
    """The receipt of a CDR whose location lies in IANA zone ``time_zone`` (pure)."""
    return receipt_of_cdr(record.body, time_zone)


def receipt_of_cdr(body: Mapping[str, Any], time_zone: str) -> Receipt:
    """The receipt of an OCPI CDR (ours or a partner CPO's) whose location lies in IANA zone
    ``time_zone``; tariffs the CDR carries price its lines (pure)."""
    tariffs = {str(t["id"]): Tariff.from_ocpi(t) for t in body.get("tariffs") or ()}
    periods = body["charging_periods"]
    lines = [line for period in periods for line in _period_lines(period, tariffs, time_zone)]
    start = _time(body["start_date_time"])
    lines += _session_fee(body, _first_prices(periods, tariffs, time_zone), start)
    where: Mapping[str, Any] = body["cdr_location"]
    total = _money(body["total_cost"]) or Price(Decimal(0), Decimal(0))
    return Receipt(
        cdr_id=str(body["id"]),
        session_id=str(body.get("session_id") or ""),
        credit=bool(body.get("credit")),
        location_name=str(where.get("name") or where["id"]),
        address=address_line(where),
        evse_id=str(where.get("evse_id") or where.get("evse_uid") or ""),
        started_at=start,
        ended_at=_time(body["end_date_time"]),
        currency=str(body["currency"]),
        lines=lines,
        total_energy_kwh=Decimal(str(body["total_energy"])),
        total_excl_vat=total.excl_vat,
        total_incl_vat=total.incl_vat,
        time_zone=time_zone,
    )


def address_line(where: Mapping[str, Any]) -> str:
    """ "Street 1, 1234 AB City" from an OCPI (CDR) location, leaving out what it lacks."""
    town = " ".join(str(p) for p in (where.get("postal_code"), where.get("city")) if p)
    return ", ".join(part for part in (str(where.get("address") or ""), town) if part)


def _session_fee(
    body: Mapping[str, Any], prices: UnitPrices | None, start: datetime
) -> list[ReceiptLine]:
    """The flat fee: the CDR's total fixed cost if it states one, else the FLAT price of the
    tariff of its first period (OCPI: total_fixed_cost is optional)."""
    fixed = _money(body.get("total_fixed_cost"))
    if fixed is not None:
        fee = ReceiptLine(start, "Session fee", Decimal(1), "session", None, fixed.excl_vat)
        return [fee] if fixed.excl_vat else []
    flat = prices.per_session if prices is not None else None
    if flat is None or not flat.excl_vat:
        return []
    return [ReceiptLine(start, "Session fee", Decimal(1), "session", flat.excl_vat, flat.excl_vat)]


def _first_prices(periods: Any, tariffs: Mapping[str, Tariff], time_zone: str) -> UnitPrices | None:
    """The unit prices of the first period's tariff (OCPI: a period without a tariff_id has
    no tariff)."""
    first = periods[0] if periods else None
    tariff = tariffs.get(str(first.get("tariff_id"))) if first else None
    if tariff is None or first is None:
        return None
    return unit_prices(tariff, time_zone, _time(first["start_date_time"]))


def _period_lines(
    period: Mapping[str, Any], tariffs: Mapping[str, Tariff], time_zone: str
) -> list[ReceiptLine]:
    start = _time(period["start_date_time"])
    tariff = tariffs.get(str(period.get("tariff_id")))
    prices = unit_prices(tariff, time_zone, start) if tariff is not None else None
    lines = []
    for dimension in period["dimensions"]:
        kind = str(dimension["type"])
        if kind not in _UNITS:
            continue  # measurements such as MAX_CURRENT are not billed
        volume = Decimal(str(dimension["volume"]))
        unit_price = _unit_price(prices, kind)
        amount = (volume * unit_price).quantize(Decimal("0.0001")) if unit_price else Decimal(0)
        lines.append(ReceiptLine(start, _LABELS[kind], volume, _UNITS[kind], unit_price, amount))
    return lines


def _unit_price(prices: UnitPrices | None, kind: str) -> Decimal | None:
    if prices is None:
        return None
    price = {
        "ENERGY": prices.per_kwh,
        "TIME": prices.per_hour,
        "PARKING_TIME": prices.per_parking_hour,
    }[kind]
    return None if price is None else price.excl_vat


def _money(data: Any) -> Price | None:
    return None if data is None else Price.from_ocpi(data, "total")


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
