"""The invoice use cases' context, set on the app only when payments are on (Stripe key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kilowatt.domain.errors import NotFound
from kilowatt.services.invoices import InvoiceContext

__all__ = ["InvoicesDep", "MaybeInvoices"]


def _maybe_invoices(request: Request) -> InvoiceContext | None:
    ictx: InvoiceContext | None = getattr(request.app.state, "invoices", None)
    return ictx


MaybeInvoices = Annotated[InvoiceContext | None, Depends(_maybe_invoices)]


def _invoices(ictx: MaybeInvoices) -> InvoiceContext:
    if ictx is None:
        raise NotFound("payments are off (no KILOWATT_STRIPE_SECRET_KEY)")
    return ictx


InvoicesDep = Annotated[InvoiceContext, Depends(_invoices)]
