"""Postpaid invoices (issue 7): the operator marks drivers postpaid, runs a month, reads and
retries invoices; a driver reads their own (JSON or PDF), never another's (404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from kilowatt.api.deps import Limit, Offset, Principal, require_key
from kilowatt.api.driver_deps import SignedInDriver
from kilowatt.api.invoice_deps import InvoicesDep
from kilowatt.api.schemas.invoices import (
    InvoicePublic,
    InvoiceRefundCreate,
    InvoiceRefundPublic,
    InvoiceRunCreate,
    InvoiceRunPublic,
    PostpaidPublic,
    PostpaidUpdate,
)
from kilowatt.domain.invoices import Invoice, Month
from kilowatt.services import invoices
from kilowatt.services.invoices import InvoiceContext

__all__ = ["driver", "operator"]

operator = APIRouter(tags=["invoices"], dependencies=[Depends(require_key)])
driver = APIRouter(prefix="/driver", tags=["driver invoices"])


@operator.put("/drivers/{driver_id}/postpaid")
async def set_postpaid(
    driver_id: str, body: PostpaidUpdate, key: Principal, ictx: InvoicesDep
) -> PostpaidPublic:
    """Postpaid: the driver's sessions start without a hold and are invoiced monthly."""
    invoices.require_billing_role(key.role)
    await invoices.set_postpaid(driver_id, body.postpaid, key.name, ictx)
    return PostpaidPublic(driver_id=driver_id, postpaid=body.postpaid)


@operator.post("/invoices/runs")
async def run_month(body: InvoiceRunCreate, key: Principal, ictx: InvoicesDep) -> InvoiceRunPublic:
    """Invoice an ended month (UTC) and charge the invoices; again, it issues nothing new."""
    invoices.require_billing_role(key.role)
    report = await invoices.run_month(Month.parse(body.month), ictx)
    issued = [InvoicePublic.of(invoice) for invoice in report.issued]
    return InvoiceRunPublic(
        month=str(report.month),
        issued=issued,
        already_invoiced=report.already_invoiced,
        failed_drivers=list(report.failed_drivers),
    )


@operator.get("/invoices")
async def list_invoices(
    ictx: InvoicesDep,
    month: str | None = None,
    driver_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[InvoicePublic]:
    period = Month.parse(month) if month else None
    found = await invoices.invoices(
        ictx, driver_id=driver_id, month=period, limit=limit, offset=offset
    )
    return [InvoicePublic.of(invoice) for invoice in found]


@operator.get("/invoices/{number}")
async def get_invoice(number: str, ictx: InvoicesDep) -> InvoicePublic:
    return InvoicePublic.of(await invoices.invoice(number, ictx))


@operator.get("/invoices/{number}/pdf")
async def invoice_pdf(number: str, ictx: InvoicesDep) -> Response:
    return _pdf(await invoices.invoice(number, ictx), ictx)


@operator.post("/invoices/{number}/charge")
async def retry_charge(number: str, key: Principal, ictx: InvoicesDep) -> InvoicePublic:
    """Charge an unpaid invoice again (after a decline); a paid one is returned as it is."""
    invoices.require_billing_role(key.role)
    return InvoicePublic.of(await invoices.charge(number, ictx))


@operator.post("/invoices/{number}/refunds", status_code=201)
async def refund_invoice(
    number: str,
    body: InvoiceRefundCreate,
    key: Principal,
    ictx: InvoicesDep,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=64)],
) -> InvoiceRefundPublic:
    """Give back part (``amount_minor``) or all that is left of a paid invoice (roles admin,
    operator, support); the same ``Idempotency-Key`` again returns the refund made then."""
    request = invoices.InvoiceRefundRequest(
        number, body.amount_minor, idempotency_key, key.name, key.role, body.reason
    )
    return InvoiceRefundPublic.of(await invoices.refund(request, ictx))


@operator.get("/invoices/{number}/refunds")
async def invoice_refunds(number: str, ictx: InvoicesDep) -> list[InvoiceRefundPublic]:
    return [InvoiceRefundPublic.of(r) for r in await invoices.refunds_of(number, ictx)]


@driver.get("/invoices")
async def my_invoices(
    me: SignedInDriver, ictx: InvoicesDep, limit: Limit = 50, offset: Offset = 0
) -> list[InvoicePublic]:
    found = await invoices.invoices(ictx, driver_id=me.id, limit=limit, offset=offset)
    return [InvoicePublic.of(invoice) for invoice in found]


@driver.get("/invoices/{number}")
async def my_invoice(number: str, me: SignedInDriver, ictx: InvoicesDep) -> InvoicePublic:
    return InvoicePublic.of(await invoices.invoice_of_driver(me.id, number, ictx))


@driver.get("/invoices/{number}/pdf")
async def my_invoice_pdf(number: str, me: SignedInDriver, ictx: InvoicesDep) -> Response:
    return _pdf(await invoices.invoice_of_driver(me.id, number, ictx), ictx)


def _pdf(invoice: Invoice, ictx: InvoiceContext) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{invoice.number}.pdf"'}
    return Response(ictx.documents.pdf(invoice), media_type="application/pdf", headers=headers)
