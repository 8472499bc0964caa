"""Receipts as PDF (fpdf2, pure Python): the same lines and totals as the HTML receipt."""

from __future__ import annotations

from datetime import datetime
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
        pdf.cell(_WIDTHS[-1], 7, f"{_money(amount)} {receipt.currency}", align="R")
        pdf.ln(7)
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(
        0,
        4,
        "Line amounts are before the tariff's step-size rounding; totals are "
        "those of the charge detail record.",
    )
    return bytes(pdf.output())


def _facts(receipt: Receipt) -> list[tuple[str, str]]:
    return [
        ("Receipt", receipt.cdr_id),
        ("Location", receipt.location_name),
        ("Address", receipt.address),
        ("Charge point", receipt.evse_id),
        ("Started", _time(receipt.started_at)),
        ("Ended", _time(receipt.ended_at)),
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
            _time(line.started_at),
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


def _totals(receipt: Receipt) -> list[tuple[str, Decimal]]:
    totals = [
        ("Total excl. VAT", receipt.total_excl_vat),
        ("VAT", receipt.vat),
        ("Total incl. VAT", receipt.total_incl_vat),
    ]
    if receipt.paid is not None:
        totals.append(("Paid by card", receipt.paid.captured))
        if receipt.paid.refunded:
            totals.append(("Refunded", receipt.paid.refunded))
    return totals


def _money(amount: Decimal, places: int = 2) -> str:
    return f"{amount.quantize(Decimal(1).scaleb(-places)):f}"


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
