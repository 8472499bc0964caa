"""Receipts as PDF (fpdf2, pure Python): the same lines and totals as the HTML receipt."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from fpdf import FPDF

from kilowatt.services.receipts import Receipt

__all__ = ["receipt_pdf"]

_WIDTHS = (38, 36, 30, 12, 34, 30)  # mm: period, item, quantity, unit, unit price, amount


def receipt_pdf(receipt: Receipt) -> bytes:
    """A one-page (or longer) A4 PDF of ``receipt``."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Kilowatt receipt {receipt.cdr_id}")
    pdf.set_creator("Kilowatt")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Kilowatt charging receipt" + (" (credit)" if receipt.credit else ""))
    pdf.ln(12)
    pdf.set_font("Helvetica", size=10)
    for label, value in _facts(receipt):
        pdf.cell(40, 6, label)
        pdf.cell(0, 6, _latin1(value))
        pdf.ln(6)
    pdf.ln(4)
    _lines(pdf, receipt)
    pdf.ln(4)
    for label, amount in _totals(receipt):
        pdf.set_font("Helvetica", "B" if label.startswith("Total incl") else "", 11)
        pdf.cell(sum(_WIDTHS[:-1]), 7, label, align="R")
        pdf.cell(_WIDTHS[-1], 7, amount, align="R")
        pdf.ln(7)
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 8)
    sent_by = f", as {_latin1(receipt.operator)} sent it" if receipt.operator else ""
    pdf.multi_cell(
        0,
        4,
        f"Times in {receipt.time_zone}. Line amounts are before the tariff's step-size "
        f"rounding; totals are those of the charge detail record{sent_by}.",
    )
    return bytes(pdf.output())


def _facts(receipt: Receipt) -> list[tuple[str, str]]:
    operator = [("Operator", receipt.operator)] if receipt.operator else []
    return [
        ("Receipt", receipt.cdr_id),
        *operator,
        ("Location", receipt.location_name),
        ("Address", receipt.address),
        ("Charge point", receipt.evse_id),
        ("Started", _time(receipt, receipt.started_at)),
        ("Ended", _time(receipt, receipt.ended_at)),
        ("Duration", _duration(receipt.duration)),
        ("Energy", f"{receipt.total_energy_kwh} kWh"),
    ]


def _lines(pdf: FPDF, receipt: Receipt) -> None:
    pdf.set_font("Helvetica", "B", 9)
    for width, title in zip(
        _WIDTHS, ("Period from", "Item", "Quantity", "Unit", "Unit price", "Amount"), strict=True
    ):
        pdf.cell(width, 7, title, border="B")
    pdf.ln(7)
    pdf.set_font("Helvetica", size=9)
    for line in receipt.lines:
        price = "-" if line.unit_price_excl_vat is None else _money(line.unit_price_excl_vat, 4)
        cells = (
            receipt.local(line.started_at).strftime("%Y-%m-%d %H:%M"),  # zone: in the facts
            line.label,
            f"{line.volume.normalize():f}",
            line.unit,
            price,
            _money(line.amount_excl_vat),
        )
        for width, text in zip(_WIDTHS, cells, strict=True):
            pdf.cell(width, 6, text)
        pdf.ln(6)


def _latin1(text: str) -> str:
    """The built-in PDF fonts know Latin-1 only: other characters become "?" (not an error)."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _totals(receipt: Receipt) -> list[tuple[str, str]]:
    """(label, amount with currency); VAT the CDR does not state is "not stated"."""
    currency = receipt.currency
    totals = [
        ("Total excl. VAT", f"{_money(receipt.total_excl_vat)} {currency}"),
        ("VAT", _stated(receipt.vat, currency)),
        ("Total incl. VAT", _stated(receipt.total_incl_vat, currency)),
    ]
    if receipt.paid is not None:
        paid = receipt.paid
        totals.append(("Paid by card", f"{_money(paid.captured)} {paid.currency}"))
        if paid.refunded:
            totals.append(("Refunded", f"{_money(paid.refunded)} {paid.currency}"))
    return totals


def _stated(amount: Decimal | None, currency: str) -> str:
    return "not stated" if amount is None else f"{_money(amount)} {currency}"


def _money(amount: Decimal, places: int = 2) -> str:
    return f"{amount.quantize(Decimal(1).scaleb(-places)):f}"


def _time(receipt: Receipt, moment: datetime) -> str:
    return receipt.local(moment).strftime(f"%Y-%m-%d %H:%M {receipt.time_zone}")


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"
