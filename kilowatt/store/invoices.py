"""Postpaid drivers and their invoices in the store (issue 7): ``ports.InvoiceStore``.

An invoice is issued in one database transaction: its number (the next of its year), the
invoice and its lines. The transaction first takes the numbering lock (``_TAKE_NUMBERING``),
so two issuers, even in two processes, wait for each other and numbers stay gapless.
Unique keys back it up: (year, sequence), (driver, period) and the CDR of a line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from kilowatt.domain.errors import Conflict
from kilowatt.domain.invoices import (
    Invoice,
    InvoiceLine,
    InvoiceRefund,
    InvoiceState,
    Month,
    Party,
    invoice_number,
)
from kilowatt.ports import CdrRecord
from kilowatt.store import tables
from kilowatt.store.billing import record_from_row
from kilowatt.store.committer import GroupCommitter
from kilowatt.store.repositories import StoreContext

__all__ = ["SqlInvoiceStore"]

# Taken first in the transaction that numbers an invoice, so issuers wait for each other:
# PostgreSQL locks the table against other writers (readers go on); SQLite's write lock is
# taken by a first write (one that changes nothing), as its driver begins a transaction only
# at a write and a read before it would not be part of it.
_TAKE_NUMBERING = {
    "postgresql": text("LOCK TABLE invoices IN SHARE ROW EXCLUSIVE MODE"),
    "sqlite": text("UPDATE invoices SET sequence = sequence WHERE 0 = 1"),
}

_LINE_FIELDS = tuple(name for name in InvoiceLine.__dataclass_fields__ if name != "roaming")
_STATE_FIELDS = (
    "state",
    "attempts",
    "payment_reference",
    "failure_reason",
    "paid_at",
    "refunded_minor",
)
_REFUND_FIELDS = tuple(InvoiceRefund.__dataclass_fields__)


class SqlInvoiceStore:
    """ports.InvoiceStore."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def set_postpaid(self, driver_id: str, since: datetime, set_by: str) -> None:
        row = {"driver_id": driver_id, "since": since, "set_by": set_by[:100]}
        write = self._context.statements.insert_ignore(tables.postpaid_drivers, row)
        await self._committer.commit([write])

    async def unset_postpaid(self, driver_id: str) -> None:
        write = self._context.statements.delete(tables.postpaid_drivers, {"driver_id": driver_id})
        await self._committer.commit([write])

    async def postpaid_since(self, driver_id: str) -> datetime | None:
        t = tables.postpaid_drivers
        row = await self._context.fetch_one(select(t).where(t.c.driver_id == driver_id))
        return None if row is None else row["since"]

    async def postpaid_drivers(self) -> Sequence[tuple[str, datetime]]:
        t = tables.postpaid_drivers
        rows = await self._context.fetch_all(select(t).order_by(t.c.since, t.c.driver_id))
        return [(str(row["driver_id"]), row["since"]) for row in rows]

    async def uninvoiced_cdrs(
        self, driver_id: str, since: datetime, until: datetime
    ) -> Sequence[CdrRecord]:
        c, link = tables.cdrs, tables.driver_tokens
        lines, paid = tables.invoice_lines, tables.payments
        card_paid = select(paid.c.transaction_pk).where(paid.c.transaction_pk.is_not(None))
        statement = (
            select(c)
            .join(link, link.c.token_uid == c.c.id_token)
            .where(
                link.c.driver_id == driver_id,
                c.c.last_updated >= since,
                c.c.last_updated < until,
                c.c.id.not_in(select(lines.c.cdr_id)),
                c.c.transaction_pk.not_in(card_paid),
            )
            .order_by(c.c.end_date_time, c.c.id)
        )
        return [record_from_row(row) for row in await self._context.fetch_all(statement)]

    async def uninvoiced_partner_cdrs(
        self, driver_id: str, since: datetime, until: datetime
    ) -> Sequence[dict[str, Any]]:
        c, link = tables.emsp_cdrs, tables.driver_tokens
        lines, paid = tables.invoice_partner_lines, tables.payments
        card_paid = select(paid.c.roaming_session).where(paid.c.roaming_session.is_not(None))
        party = c.c.country_code + ":" + c.c.party_id + ":"
        statement = (
            select(c.c.body)
            .join(link, link.c.token_uid == c.c.token_uid)
            .where(
                link.c.driver_id == driver_id,
                c.c.last_updated >= since,
                c.c.last_updated < until,
                (party + c.c.id).not_in(select(lines.c.cdr_id)),
                (c.c.session_id.is_(None) | (party + c.c.session_id).not_in(card_paid)),
            )
            .order_by(c.c.last_updated, c.c.id)
        )
        return [dict(row["body"]) for row in await self._context.fetch_all(statement)]

    async def issue(self, invoice: Invoice, prefix: str) -> Invoice:
        t = tables.invoices
        try:
            async with self._context.engine.begin() as connection:
                await connection.execute(_TAKE_NUMBERING[self._context.statements.dialect])
                latest = select(func.max(t.c.sequence)).where(t.c.year == invoice.year)
                sequence = ((await connection.execute(latest)).scalar() or 0) + 1
                number = invoice_number(prefix, invoice.year, sequence)
                updated_at = invoice.updated_at or invoice.issued_at
                numbered = dataclasses.replace(invoice, number=number, updated_at=updated_at)
                await connection.execute(insert(t).values(_row(numbered, sequence)))
                for table, rows in _line_rows(numbered):
                    await connection.execute(insert(table), rows)
        except IntegrityError as error:
            raise Conflict(f"the invoice of {invoice.driver_id} for {invoice.period}") from error
        return numbered

    async def of_period(self, driver_id: str, period: Month) -> Invoice | None:
        t = tables.invoices
        found = await self._invoices((t.c.driver_id == driver_id) & (t.c.period == str(period)))
        return found[0] if found else None

    async def get(self, number: str) -> Invoice | None:
        found = await self._invoices(tables.invoices.c.number == number)
        return found[0] if found else None

    async def listed(
        self, driver_id: str | None, period: Month | None, limit: int, offset: int
    ) -> Sequence[Invoice]:
        t = tables.invoices
        condition: Any = t.c.id.is_not(None)
        if driver_id is not None:
            condition &= t.c.driver_id == driver_id
        if period is not None:
            condition &= t.c.period == str(period)
        return await self._invoices(condition, limit, offset)

    async def save_state(self, invoice: Invoice) -> None:
        await self._committer.commit([self._state(invoice)])

    def _state(self, invoice: Invoice) -> Any:
        values = {name: getattr(invoice, name) for name in _STATE_FIELDS}
        values |= {"state": invoice.state.value, "updated_at": invoice.updated_at}
        return self._context.statements.update(tables.invoices, {"id": invoice.id}, values)

    async def add_refund(self, refund: InvoiceRefund, invoice: Invoice) -> None:
        row = {name: getattr(refund, name) for name in _REFUND_FIELDS}
        insert_refund = self._context.statements.insert(tables.invoice_refunds, row)
        await self._committer.commit([insert_refund, self._state(invoice)])

    async def refund_by_key(self, idempotency_key: str) -> InvoiceRefund | None:
        t = tables.invoice_refunds
        row = await self._context.fetch_one(select(t).where(t.c.idempotency_key == idempotency_key))
        return None if row is None else InvoiceRefund(**row)

    async def refunds(self, invoice_id: str) -> Sequence[InvoiceRefund]:
        t = tables.invoice_refunds
        statement = select(t).where(t.c.invoice_id == invoice_id).order_by(t.c.created_at, t.c.id)
        return [InvoiceRefund(**row) for row in await self._context.fetch_all(statement)]

    async def _invoices(self, condition: Any, limit: int = 1000, offset: int = 0) -> list[Invoice]:
        t, li = tables.invoices, tables.invoice_lines
        statement = (
            select(t)
            .where(condition)
            .order_by(t.c.year.desc(), t.c.sequence.desc())
            .limit(limit)
            .offset(offset)
        )
        rows = await self._context.fetch_all(statement)
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        lines = [
            line | {"roaming": table is tables.invoice_partner_lines}
            for table in (li, tables.invoice_partner_lines)
            for line in await self._context.fetch_all(
                select(table).where(table.c.invoice_id.in_(ids))
            )
        ]
        lines.sort(key=lambda line: line["position"])
        return [_invoice(row, [x for x in lines if x["invoice_id"] == row["id"]]) for row in rows]


def _row(invoice: Invoice, sequence: int) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "number": invoice.number,
        "year": invoice.year,
        "sequence": sequence,
        "driver_id": invoice.driver_id,
        "period": str(invoice.period),
        "currency": invoice.currency,
        "issued_at": invoice.issued_at,
        "seller": _party_json(invoice.seller),
        "buyer": _party_json(invoice.buyer),
        "subtotal_minor": invoice.subtotal_minor,
        "vat_minor": invoice.vat_minor,
        "total_minor": invoice.total_minor,
        "state": invoice.state.value,
        "attempts": invoice.attempts,
        "payment_reference": invoice.payment_reference,
        "failure_reason": invoice.failure_reason,
        "paid_at": invoice.paid_at,
        "updated_at": invoice.updated_at,
        "refunded_minor": invoice.refunded_minor,
    }


def _line_rows(invoice: Invoice) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Our CDRs' lines and partners', each with its position on the invoice."""
    ours: list[dict[str, Any]] = []
    partners: list[dict[str, Any]] = []
    for position, line in enumerate(invoice.lines):
        row = {name: getattr(line, name) for name in _LINE_FIELDS}
        row |= {"invoice_id": invoice.id, "position": position}
        (partners if line.roaming else ours).append(row)
    found = [(tables.invoice_lines, ours), (tables.invoice_partner_lines, partners)]
    return [(table, rows) for table, rows in found if rows]


def _party_json(party: Party) -> dict[str, Any]:
    return {"name": party.name, "address": list(party.address), "vat_id": party.vat_id}


def _party(data: dict[str, Any]) -> Party:
    return Party(str(data["name"]), tuple(data.get("address") or ()), data.get("vat_id"))


def _invoice(row: dict[str, Any], lines: list[dict[str, Any]]) -> Invoice:
    return Invoice(
        id=row["id"],
        number=row["number"],
        driver_id=row["driver_id"],
        period=Month.parse(row["period"]),
        currency=row["currency"],
        issued_at=row["issued_at"],
        seller=_party(row["seller"]),
        buyer=_party(row["buyer"]),
        lines=tuple(_line(line) for line in lines),
        state=InvoiceState(row["state"]),
        attempts=row["attempts"],
        payment_reference=row["payment_reference"],
        failure_reason=row["failure_reason"],
        paid_at=row["paid_at"],
        updated_at=row["updated_at"],
        refunded_minor=row["refunded_minor"],
    )


def _line(row: dict[str, Any]) -> InvoiceLine:
    values = {name: row[name] for name in (*_LINE_FIELDS, "roaming")}
    values["energy_kwh"] = Decimal(values["energy_kwh"])
    values["vat_rate"] = Decimal(values["vat_rate"])
    return InvoiceLine(**values)
