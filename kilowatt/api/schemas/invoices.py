"""Postpaid invoices (issue 7): amounts in minor units (cents), as they are stored, with the
decimal text beside the totals for display."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.domain.invoices import (
    Invoice,
    InvoiceLine,
    InvoiceRefund,
    InvoiceState,
    Party,
    VatLine,
)

__all__ = [
    "InvoiceLinePublic",
    "InvoicePublic",
    "InvoiceRefundCreate",
    "InvoiceRefundPublic",
    "InvoiceRunCreate",
    "InvoiceRunPublic",
    "PartyPublic",
    "PostpaidPublic",
    "PostpaidUpdate",
    "VatLinePublic",
]


class PostpaidUpdate(Input):
    postpaid: bool = Field(
        description="true: sessions start without a hold and are invoiced monthly"
    )


class PostpaidPublic(BaseModel):
    driver_id: str
    postpaid: bool


class InvoiceRunCreate(Input):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, in UTC")


class PartyPublic(BaseModel):
    name: str
    address: list[str]
    vat_id: str | None

    @classmethod
    def of(cls, party: Party) -> PartyPublic:
        return cls(name=party.name, address=list(party.address), vat_id=party.vat_id)


class InvoiceLinePublic(BaseModel):
    cdr_id: str
    description: str
    started_at: datetime
    ended_at: datetime
    energy_kwh: Decimal
    vat_rate: Decimal = Field(description="Percent")
    excl_vat_minor: int
    vat_minor: int
    incl_vat_minor: int
    credit: bool
    roaming: bool = Field(
        default=False,
        description="A partner CPO's CDR (a session on its network); cdr_id is then "
        "{country}:{party}:{id}",
    )

    @classmethod
    def of(cls, line: InvoiceLine) -> InvoiceLinePublic:
        fields = {name: getattr(line, name) for name in cls.model_fields}
        return cls(**fields)


class VatLinePublic(BaseModel):
    rate: Decimal
    base_minor: int
    vat_minor: int

    @classmethod
    def of(cls, vat: VatLine) -> VatLinePublic:
        return cls(rate=vat.rate, base_minor=vat.base_minor, vat_minor=vat.vat_minor)


class InvoicePublic(BaseModel):
    number: str
    driver_id: str
    period: str
    currency: str
    issued_at: datetime
    seller: PartyPublic
    buyer: PartyPublic
    lines: list[InvoiceLinePublic]
    subtotal_minor: int = Field(description="Excl. VAT")
    vat: list[VatLinePublic]
    vat_minor: int
    total_minor: int = Field(description="Incl. VAT")
    state: InvoiceState
    attempts: int
    failure_reason: str | None
    paid_at: datetime | None
    refunded_minor: int

    @classmethod
    def of(cls, invoice: Invoice) -> InvoicePublic:
        return cls(
            number=invoice.number,
            driver_id=invoice.driver_id,
            period=str(invoice.period),
            currency=invoice.currency,
            issued_at=invoice.issued_at,
            seller=PartyPublic.of(invoice.seller),
            buyer=PartyPublic.of(invoice.buyer),
            lines=[InvoiceLinePublic.of(line) for line in invoice.lines],
            subtotal_minor=invoice.subtotal_minor,
            vat=[VatLinePublic.of(vat) for vat in invoice.vat_lines],
            vat_minor=invoice.vat_minor,
            total_minor=invoice.total_minor,
            state=invoice.state,
            attempts=invoice.attempts,
            failure_reason=invoice.failure_reason,
            paid_at=invoice.paid_at,
            refunded_minor=invoice.refunded_minor,
        )


class InvoiceRunPublic(BaseModel):
    month: str
    issued: list[InvoicePublic]
    already_invoiced: int = Field(description="Drivers invoiced for the month by an earlier run")
    failed_drivers: list[str] = Field(description="Drivers that could not be invoiced (logged)")


class InvoiceRefundCreate(Input):
    amount_minor: int | None = Field(
        default=None, ge=1, description="Minor units to give back; left out: all that is left"
    )
    reason: str | None = Field(default=None, max_length=255)


class InvoiceRefundPublic(BaseModel):
    id: str
    amount_minor: int
    requested_by: str
    reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, refund: InvoiceRefund) -> InvoiceRefundPublic:
        return cls(**{name: getattr(refund, name) for name in cls.model_fields})
