"""Postpaid monthly invoices (issue 7): one line per CDR, VAT per rate, charged once.

A postpaid driver's sessions start without a hold; their CDRs are collected and, once a
month has ended, put on one invoice per driver (``Month`` is a calendar month in UTC):

    lines      one per CDR (a credit CDR is a negative line), each exact in minor units:
               excl. VAT + VAT = incl. VAT, taken from the CDR's own totals
    subtotal   Σ excl. VAT;  VAT lines: Σ per rate;  total = subtotal + Σ VAT = Σ incl. VAT

An invoice's number (``KW-2026-000123``) is allocated by the store when it is issued:
sequential and gapless per year. Charging it (an off-session payment of the total):

    OPEN ──charge succeeds──▶ PAID ──refund (never above the total left)──▶ PAID, refunded
      └──declined──▶ UNPAID (reason) ──retry──▶ OPEN (the next attempt) ...
    total ≤ 0 ──▶ NOTHING_DUE (never charged)

Each attempt has its own idempotency key derived from the number (``charge_key``); an attempt
interrupted before its outcome was recorded is resumed with the same key, so it can never
charge twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from kilowatt.domain.errors import Conflict, InvalidValue
from kilowatt.domain.payments import to_minor

__all__ = [
    "Invoice",
    "InvoiceLine",
    "InvoiceRefund",
    "InvoiceState",
    "Month",
    "Party",
    "VatLine",
    "from_minor",
    "invoice_number",
    "line_of",
    "lines_of",
    "partner_line_of",
]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A calendar month in UTC: ``Month.parse("2026-11")``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text)
        if found is None:
            raise InvalidValue(f"a month is YYYY-MM, not {text!r}")
        return cls(int(found[1]), int(found[2]))

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant of the next month (exclusive)."""
        if self.month == 12:
            return datetime(self.year + 1, 1, 1, tzinfo=UTC)
        return datetime(self.year, self.month + 1, 1, tzinfo=UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """Minor units as an amount (negative for a credit).

    >>> from_minor(-400, "EUR")
    Decimal('-4.00')
    """
    places = len(str(to_minor(Decimal(1), currency))) - 1
    return Decimal(amount_minor).scaleb(-places)


def invoice_number(prefix: str, year: int, sequence: int) -> str:
    """The printed number of an invoice.

    >>> invoice_number("KW", 2026, 123)
    'KW-2026-000123'
    """
    return f"{prefix}-{year}-{sequence:06d}"


class InvoiceState(StrEnum):
    OPEN = "open"  # issued, not (yet) paid: a charge is due or under way
    PAID = "paid"
    UNPAID = "unpaid"  # the last charge was declined (``failure_reason``); retry
    NOTHING_DUE = "nothing_due"  # a total of zero or less: never charged


@dataclass(frozen=True, slots=True)
class Party:
    """The seller (the operator) or the buyer (the driver), as printed on the invoice."""

    name: str
    address: tuple[str, ...] = ()
    vat_id: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One CDR; amounts in minor units (negative for a credit CDR); ``vat_rate`` in %."""

    cdr_id: str
    description: str
    started_at: datetime
    ended_at: datetime
    energy_kwh: Decimal
    vat_rate: Decimal
    excl_vat_minor: int
    vat_minor: int
    credit: bool = False
    roaming: bool = False  # a partner CPO's CDR; ``cdr_id`` is then {country}:{party}:{id}

    @property
    def incl_vat_minor(self) -> int:
        return self.excl_vat_minor + self.vat_minor


@dataclass(frozen=True, slots=True)
class VatLine:
    rate: Decimal  # percent
    base_minor: int  # Σ excl. VAT of the lines at this rate
    vat_minor: int


@dataclass(slots=True)
class Invoice:
    id: str
    number: str  # "" until the store allocates it
    driver_id: str
    period: Month
    currency: str
    issued_at: datetime
    seller: Party
    buyer: Party
    lines: tuple[InvoiceLine, ...]
    state: InvoiceState = InvoiceState.OPEN
    attempts: int = 0
    payment_reference: str | None = None
    failure_reason: str | None = None
    paid_at: datetime | None = None
    updated_at: datetime | None = None
    refunded_minor: int = 0

    @property
    def subtotal_minor(self) -> int:
        """Σ excl. VAT."""
        return sum(line.excl_vat_minor for line in self.lines)

    @property
    def vat_lines(self) -> tuple[VatLine, ...]:
        rates = sorted({line.vat_rate for line in self.lines})
        return tuple(
            VatLine(
                rate,
                sum(li.excl_vat_minor for li in self.lines if li.vat_rate == rate),
                sum(li.vat_minor for li in self.lines if li.vat_rate == rate),
            )
            for rate in rates
        )

    @property
    def vat_minor(self) -> int:
        return sum(line.vat_minor for line in self.lines)

    @property
    def total_minor(self) -> int:
        """Incl. VAT: the subtotal plus every VAT line, exactly Σ of the lines incl. VAT."""
        return self.subtotal_minor + self.vat_minor

    @property
    def year(self) -> int:
        return self.issued_at.year

    def settle_if_nothing_due(self, now: datetime) -> bool:
        """A total of zero or less is never charged; True when that is the case."""
        if self.total_minor > 0:
            return False
        self.state, self.updated_at = InvoiceState.NOTHING_DUE, now
        return True

    def begin_charge(self, now: datetime) -> str:
        """Start (or resume) a charge attempt; its idempotency key."""
        if self.state in (InvoiceState.PAID, InvoiceState.NOTHING_DUE):
            raise Conflict(f"invoice {self.number} is {self.state}: nothing to charge")
        if self.state is InvoiceState.UNPAID or self.attempts == 0:
            self.attempts += 1  # a new attempt; an OPEN one with attempts is resumed
        self.state, self.updated_at = InvoiceState.OPEN, now
        return self.charge_key

    @property
    def charge_key(self) -> str:
        return f"invoice-{self.number}-{self.attempts}"

    def paid(self, reference: str, now: datetime) -> None:
        self.state, self.payment_reference = InvoiceState.PAID, reference
        self.failure_reason, self.paid_at, self.updated_at = None, now, now

    def declined(self, reason: str, now: datetime) -> None:
        self.state, self.failure_reason, self.updated_at = InvoiceState.UNPAID, reason, now

    @property
    def refundable_minor(self) -> int:
        return self.total_minor - self.refunded_minor if self.state is InvoiceState.PAID else 0

    def refund(self, amount_minor: int | None, now: datetime) -> int:
        """Give back part (or, with None, all that is left) of what was paid; the amount.
        Never more than was paid and not yet refunded (the provider may not check)."""
        if self.state is not InvoiceState.PAID:
            raise Conflict(f"invoice {self.number} is {self.state}: nothing was paid")
        left = self.refundable_minor
        amount = left if amount_minor is None else amount_minor
        if not 0 < amount <= left:
            raise InvalidValue(f"a refund of {self.number} is 1 to {left} minor units")
        self.refunded_minor += amount
        self.updated_at = now
        return amount


@dataclass(frozen=True, slots=True)
class InvoiceRefund:
    """Money given back on a paid invoice, asked for by an operator, once per request key."""

    id: str
    invoice_id: str
    amount_minor: int
    reference: str  # the provider's refund id
    idempotency_key: str
    requested_by: str
    created_at: datetime
    reason: str | None = None


def line_of(cdr: Mapping[str, Any]) -> InvoiceLine:
    """The invoice line of one OCPI CDR object (a credit CDR gives a negative line)."""
    currency = str(cdr["currency"])
    cost = cdr["total_cost"]
    excl = Decimal(str(cost["excl_vat"]))
    incl = Decimal(str(cost.get("incl_vat", cost["excl_vat"])))
    excl_minor, incl_minor = _signed_minor(excl, currency), _signed_minor(incl, currency)
    credit = bool(cdr.get("credit"))
    return InvoiceLine(
        cdr_id=str(cdr["id"]),
        description=_describe(cdr, credit),
        started_at=_utc(str(cdr["start_date_time"])),
        ended_at=_utc(str(cdr["end_date_time"])),
        energy_kwh=Decimal(str(cdr.get("total_energy", 0))),
        vat_rate=_vat_rate(cdr, excl, incl),
        excl_vat_minor=excl_minor,
        vat_minor=incl_minor - excl_minor,
        credit=credit,
    )


def partner_line_of(cdr: Mapping[str, Any]) -> InvoiceLine:
    """The line of a CDR a partner CPO sent for the driver's session on its network. Its
    totals may carry more decimals than the currency: each is rounded half up to the minor
    unit, as the driver is charged."""
    currency, cost = str(cdr["currency"]), cdr["total_cost"]
    step = Decimal(1).scaleb(-(len(str(to_minor(Decimal(1), currency))) - 1))
    rounded = {
        name: str(Decimal(str(cost[name])).quantize(step, ROUND_HALF_UP))
        for name in ("excl_vat", "incl_vat")
        if cost.get(name) is not None
    }
    line = line_of({**cdr, "total_cost": rounded})
    party = f"{cdr['country_code']}:{cdr['party_id']}"
    return replace(
        line,
        cdr_id=f"{party}:{cdr['id']}",
        description=f"Roaming at {party}: {line.description}",
        roaming=True,
    )


def _signed_minor(amount: Decimal, currency: str) -> int:
    minor = to_minor(abs(amount), currency)  # refuses what does not fit the currency
    return -minor if amount < 0 else minor


def _vat_rate(cdr: Mapping[str, Any], excl: Decimal, incl: Decimal) -> Decimal:
    """The rate of the CDR's tariff when it has one; else what its totals imply."""
    rates = {
        Decimal(str(component["vat"]))
        for tariff in cdr.get("tariffs", ())
        for element in tariff.get("elements", ())
        for component in element.get("price_components", ())
        if component.get("vat") is not None
    }
    if len(rates) == 1:
        return rates.pop().normalize()
    if not excl or incl == excl:
        return Decimal(0)
    return ((incl - excl) / excl * 100).quantize(Decimal("0.01")).normalize()


def _describe(cdr: Mapping[str, Any], credit: bool) -> str:
    where = cdr.get("cdr_location", {})
    place = ", ".join(str(where[k]) for k in ("name", "address", "city") if where.get(k))
    evse = where.get("evse_id", "")
    text = f"Charging {cdr.get('total_energy', 0)} kWh at {place} ({evse})"
    return f"Credit of {cdr.get('credit_reference_id', '')}: {text}" if credit else text


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def lines_of(
    cdrs: Sequence[Mapping[str, Any]], partner_cdrs: Sequence[Mapping[str, Any]] = ()
) -> tuple[InvoiceLine, ...]:
    """The lines of our CDRs and partners', by the time each session ended, then by id."""
    lines = [line_of(cdr) for cdr in cdrs] + [partner_line_of(cdr) for cdr in partner_cdrs]
    return tuple(sorted(lines, key=lambda li: (li.ended_at, li.cdr_id)))
