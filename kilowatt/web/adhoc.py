"""Ad hoc charging without an account (``/app/api/adhoc``): the price at an EVSE, the card
step (a SetupIntent for Stripe.js), the start, the live session, the stop and the receipt.

Everything after the card step is addressed by the guest's secret, which only the guest's
browser has (it is in the URL of the session page); a wrong secret is 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from kilowatt.domain.errors import NotFound
from kilowatt.ports import Mail
from kilowatt.services import guests, receipts
from kilowatt.services.payment_context import PaymentContext
from kilowatt.web.data import prices_of, stream_of
from kilowatt.web.deps import Backend, WebBackend
from kilowatt.web.pdf import receipt_pdf

__all__ = ["router"]

router = APIRouter(prefix="/adhoc")

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_NO_STORE = {"Cache-Control": "no-store"}


class CardStep(BaseModel):
    email: Annotated[str | None, Field(max_length=254, pattern=_EMAIL)] = None


class ReceiptMail(BaseModel):
    email: Annotated[str, Field(max_length=254, pattern=_EMAIL)]


@router.get("/evses/{station_id}/{evse_id}")
async def get_offer(station_id: str, evse_id: int, backend: Backend) -> dict[str, Any]:
    """The ad hoc price at the EVSE, and whether (and with which key) a card can be given."""
    found = await guests.offer(station_id, evse_id, backend.drivers.ctx)
    return {
        "station_id": found.station_id,
        "evse_id": found.evse_id,
        "evse_code": found.evse_code,
        "prices": prices_of(found.prices),
        "card_payment": backend.payments is not None,
        "stripe_publishable_key": backend.stripe_publishable_key or None,
    }


@router.post("/evses/{station_id}/{evse_id}/guests", status_code=status.HTTP_201_CREATED)
async def open_guest(
    station_id: str, evse_id: int, step: CardStep, request: Request, backend: Backend
) -> dict[str, str]:
    """The guest's secret and a SetupIntent's client secret (for Stripe.js); 429 with
    Retry-After once the client's address or the EVSE opened too many guests lately."""
    # the peer's address, or X-Forwarded-For's when the peer is a trusted proxy (uvicorn)
    visitor = guests.Visitor(request.client.host if request.client else "", step.email)
    limits = backend.guest_limits
    opened = await guests.open_guest(station_id, evse_id, _payments(backend), visitor, limits)
    return {"secret": opened.secret, "client_secret": opened.client_secret}


@router.post("/guests/{secret}/start", status_code=status.HTTP_202_ACCEPTED)
async def start(secret: str, backend: Backend) -> dict[str, Any]:
    """Hold on the confirmed card, then start; 402 with the provider's reason if declined."""
    return await guests.start(
        secret, _payments(backend), backend.gateway, timeout_s=backend.call_timeout_s
    )


@router.post("/guests/{secret}/stop", status_code=status.HTTP_202_ACCEPTED)
async def stop(secret: str, backend: Backend) -> dict[str, Any]:
    ctx, timeout_s = backend.drivers.ctx, backend.call_timeout_s
    return await guests.stop(secret, ctx, backend.queries, backend.gateway, timeout_s=timeout_s)


@router.get("/guests/{secret}/live")
async def live(secret: str, backend: Backend) -> StreamingResponse:
    """Server-Sent Events of the guest's session, as the signed-in app's live page has."""
    watched = await guests.watch(secret, backend.drivers.ctx, backend.queries)
    headers = _NO_STORE | {"X-Accel-Buffering": "no"}
    return StreamingResponse(
        stream_of(watched, backend), media_type="text/event-stream", headers=headers
    )


@router.get("/guests/{secret}/receipt", response_class=HTMLResponse)
async def receipt_html(secret: str, request: Request, backend: Backend) -> HTMLResponse:
    found = await _receipt(secret, backend)
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, "receipt_body.html", {"receipt": found}, headers=_NO_STORE
    )
    return response


@router.get("/guests/{secret}/receipt/pdf")
async def receipt_as_pdf(secret: str, backend: Backend) -> Response:
    found = await _receipt(secret, backend)
    disposition = 'attachment; filename="kilowatt-receipt.pdf"'
    headers = _NO_STORE | {"Content-Disposition": disposition}
    return Response(receipt_pdf(found), media_type="application/pdf", headers=headers)


@router.post("/guests/{secret}/receipt/mail", status_code=status.HTTP_204_NO_CONTENT)
async def mail_receipt(secret: str, mail: ReceiptMail, backend: Backend) -> None:
    """Mail the receipt (its totals and a link to the PDF) to the address the guest gives."""
    found = await _receipt(secret, backend)
    site = backend.drivers.policy.public_url.rstrip("/")
    body = (
        f"Your charging session at {found.location_name} ({found.evse_id}).\n"
        f"Energy: {found.total_energy_kwh} kWh\n"
        f"Total: {found.total_incl_vat} {found.currency} incl. VAT "
        f"({found.vat} {found.currency} VAT)\n\n"
        f"Your session and receipt: {site}/app/guest/{secret}\n"
        f"Receipt (PDF): {site}/app/api/adhoc/guests/{secret}/receipt/pdf\n"
    )
    await backend.drivers.mailer.send(Mail(mail.email, "Your Kilowatt charging receipt", body))


async def _receipt(secret: str, backend: WebBackend) -> receipts.Receipt:
    record = await guests.cdr_of(secret, backend.drivers.ctx, backend.queries)
    found = await receipts.located_receipt(record, backend.queries)
    return await receipts.with_payment(found, _payments(backend).store)


def _payments(backend: WebBackend) -> PaymentContext:
    if backend.payments is None:
        raise NotFound("card payment is not available here")
    return backend.payments
