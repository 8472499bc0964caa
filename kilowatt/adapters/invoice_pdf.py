"""``ports.InvoiceDocuments`` on fpdf2: an A4 invoice with the number, dates, seller and
buyer, one row per line, the VAT per rate and the totals.

The core PDF fonts cover Latin-1 only; any other character prints as "?" rather than fail.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kilowatt.domain.invoices import Invoice, InvoiceLine, Party, from_minor

__all__ = ["PdfInvoices"]

_LINE_H = 5.5
_COLUMNS = (("Date", 22), ("Description", 92), ("VAT %", 16), ("Excl. VAT", 30), ("Incl. VAT", 30))


class PdfInvoices:
    def pdf(self, invoice: Invoice) -> bytes:
        doc = FPDF(format="A4")
        doc.set_title(_latin1(f"Invoice {invoice.number}"))
        doc.add_page()
        _heading(doc, invoice)
        _parties(doc, invoice.seller, invoice.buyer)
        _lines(doc, invoice)
        _totals(doc, invoice)
        return bytes(doc.output())


def _heading(doc: FPDF, invoice: Invoice) -> None:
    doc.set_font("Helvetica", "B", 16)
    _row(doc, f"Invoice {invoice.number}")
    doc.set_font("Helvetica", size=10)
    _row(doc, f"Date of issue: {invoice.issued_at:%Y-%m-%d}")
    _row(doc, f"Period: {invoice.period} (UTC)")
    _row(doc, f"Status: {invoice.state.value}")
    doc.ln(4)


def _parties(doc: FPDF, seller: Party, buyer: Party) -> None:
    for title, party in (("Seller", seller), ("Buyer", buyer)):
        doc.set_font("Helvetica", "B", 10)
        _row(doc, title)
        doc.set_font("Helvetica", size=10)
        for text in (party.name, *party.address):
            _row(doc, text)
        if party.vat_id:
            _row(doc, f"VAT id: {party.vat_id}")
        doc.ln(2)


def _lines(doc: FPDF, invoice: Invoice) -> None:
    doc.set_font("Helvetica", "B", 9)
    for title, width in _COLUMNS:
        doc.cell(width, _LINE_H, title, border="B")
    doc.ln(_LINE_H)
    doc.set_font("Helvetica", size=9)
    for line in invoice.lines:
        for (_, width), text in zip(_COLUMNS, _cells(line, invoice.currency), strict=True):
            doc.cell(width, _LINE_H, _latin1(text)[:60])
        doc.ln(_LINE_H)
    doc.ln(3)


def _cells(line: InvoiceLine, currency: str) -> tuple[str, ...]:
    return (
        f"{line.ended_at:%Y-%m-%d}",
        line.description,
        f"{line.vat_rate}",
        f"{from_minor(line.excl_vat_minor, currency)}",
        f"{from_minor(line.incl_vat_minor, currency)}",
    )


def _totals(doc: FPDF, invoice: Invoice) -> None:
    money = invoice.currency
    doc.set_font("Helvetica", size=10)
    _row(doc, f"Subtotal excl. VAT: {money} {from_minor(invoice.subtotal_minor, money)}")
    for vat in invoice.vat_lines:
        base, amount = from_minor(vat.base_minor, money), from_minor(vat.vat_minor, money)
        _row(doc, f"VAT {vat.rate} % of {money} {base}: {money} {amount}")
    doc.set_font("Helvetica", "B", 11)
    _row(doc, f"Total incl. VAT: {money} {from_minor(invoice.total_minor, money)}")


def _row(doc: FPDF, text: str) -> None:
    doc.cell(0, _LINE_H, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
