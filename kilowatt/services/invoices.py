"""Postpaid monthly invoices (issue 7).

    operator marks a driver postpaid ──▶ their starts from the app place no hold
    invoice run for a month (ended, UTC) ──▶ per postpaid driver with CDRs to bill:
        one invoice, one line per CDR (credits negative), numbered in one transaction
        ──▶ charged at once: an off-session payment of the total on the default card
            declined ──▶ UNPAID with the reason; ``charge`` again (the retry) later
            total ≤ 0 ──▶ NOTHING_DUE, never charged

Which CDRs: those of the driver issued (``last_updated``) before the end of the month, since
the driver became postpaid, on no invoice yet, and not of a session paid by card holds. A CDR
issued late is thus on the next month's invoice; a month never run is caught by the next run.
The CDRs partner CPOs sent for the driver's sessions on their networks (roaming) are lines
too, by when we received them, each total rounded to the currency's minor unit.

Idempotent: a driver has one invoice per month (a rerun issues nothing new), a CDR is on one
invoice at most (the store's keys), and a charge's idempotency key is derived from the number
and the attempt, recorded before the provider is called. Kilowatt, not the provider, decides
that a paid invoice is never charged again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kilowatt.domain.drivers import Driver
from kilowatt.domain.errors import AccessDenied, Conflict, DomainError, InvalidValue, NotFound
from kilowatt.domain.invoices import (
    Invoice,
    InvoiceRefund,
    InvoiceState,
    Month,
    Party,
    lines_of,
)
from kilowatt.domain.payments import PaymentDeclined
from kilowatt.ports import InvoiceCharges, InvoiceDocuments, InvoiceStore, PaymentHold
from kilowatt.services.payment_cards import card_for_hold, customer_of
from kilowatt.services.payment_context import KeyedLocks, PaymentContext
from kilowatt.services.refunds import REFUND_ROLES

__all__ = [
    "BILLING_ROLES",
    "InvoiceContext",
    "InvoicePolicy",
    "InvoiceRefundRequest",
    "RunReport",
    "charge",
    "invoice",
    "invoice_of_driver",
    "invoices",
    "is_postpaid",
    "refund",
    "refunds_of",
    "require_billing_role",
    "run_month",
    "set_postpaid",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InvoicePolicy:
    prefix: str = "KW"  # numbers read KW-2026-000123
    seller: Party = field(default_factory=lambda: Party("Kilowatt"))


@dataclass(frozen=True, slots=True)
class InvoiceContext:
    payments: PaymentContext
    store: InvoiceStore
    charges: InvoiceCharges
    documents: InvoiceDocuments
    policy: InvoicePolicy = InvoicePolicy()
    run_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    locks: KeyedLocks = field(default_factory=KeyedLocks)


@dataclass(frozen=True, slots=True)
class RunReport:
    month: Month
    issued: tuple[Invoice, ...]  # as they stand after their charge
    already_invoiced: int  # drivers with an invoice for the month before this run
    failed_drivers: tuple[str, ...] = ()  # could not be invoiced (logged); the rest were


#: Operator API key roles that may make drivers postpaid, run months and charge invoices.
BILLING_ROLES = frozenset({"admin", "operator"})


def require_billing_role(role: str) -> None:
    if role not in BILLING_ROLES:
        raise AccessDenied(f"the {role} role may not bill drivers")


async def set_postpaid(driver_id: str, postpaid: bool, set_by: str, ictx: InvoiceContext) -> None:
    """Make a driver postpaid (from now on) or pay as you go again."""
    await _driver(driver_id, ictx)
    if postpaid:
        await ictx.store.set_postpaid(driver_id, ictx.payments.ctx.clock.now(), set_by)
    else:
        await ictx.store.unset_postpaid(driver_id)


async def is_postpaid(driver_id: str, ictx: InvoiceContext) -> bool:
    return await ictx.store.postpaid_since(driver_id) is not None


async def run_month(month: Month, ictx: InvoiceContext) -> RunReport:
    """Issue and charge the month's invoices; running it again issues nothing new, but
    charges an invoice an earlier run issued and could not charge (it died, Stripe was down)."""
    if month.end > ictx.payments.ctx.clock.now():
        raise Conflict(f"{month} has not ended yet (months are UTC)")
    issued: list[Invoice] = []
    before: list[Invoice] = []
    failed: list[str] = []
    async with ictx.run_lock:
        for driver_id, since in await ictx.store.postpaid_drivers():
            existing = await ictx.store.of_period(driver_id, month)
            if existing is not None:
                before.append(existing)
                continue
            try:
                issued += await _issue_if_due(driver_id, since, month, ictx)
            except DomainError:  # one driver's bad data (two currencies) stops no one else
                log.exception("invoicing %s for %s failed", driver_id, month)
                failed.append(driver_id)
    for invoice in before:
        if invoice.state is InvoiceState.OPEN:
            await _charge_new(invoice, ictx)
    charged = tuple([await _charge_new(invoice, ictx) for invoice in issued])
    return RunReport(month, charged, len(before), tuple(failed))


async def _issue_if_due(
    driver_id: str, since: datetime, month: Month, ictx: InvoiceContext
) -> list[Invoice]:
    found = [
        record.body for record in await ictx.store.uninvoiced_cdrs(driver_id, since, month.end)
    ]
    roamed = await ictx.store.uninvoiced_partner_cdrs(driver_id, since, month.end)
    return [await _issue(driver_id, month, found, roamed, ictx)] if found or roamed else []


async def _issue(
    driver_id: str,
    month: Month,
    found: Sequence[Mapping[str, Any]],
    roamed: Sequence[Mapping[str, Any]],
    ictx: InvoiceContext,
) -> Invoice:
    currencies = {str(cdr["currency"]) for cdr in (*found, *roamed)}
    if len(currencies) != 1:
        raise InvalidValue(f"the CDRs of {driver_id} are in {sorted(currencies)}")
    driver, now = await _driver(driver_id, ictx), ictx.payments.ctx.clock.now()
    draft = Invoice(
        id=str(uuid.uuid4()),
        number="",
        driver_id=driver_id,
        period=month,
        currency=currencies.pop(),
        issued_at=now,
        seller=ictx.policy.seller,
        buyer=_buyer(driver),
        lines=lines_of(found, roamed),
        updated_at=now,
    )
    return await ictx.store.issue(draft, ictx.policy.prefix)


async def _charge_new(invoice: Invoice, ictx: InvoiceContext) -> Invoice:
    """A failure other than a decline (the provider down) leaves it OPEN for a retry."""
    try:
        return await charge(invoice.number, ictx)
    except Exception:
        log.exception("charging invoice %s failed; retry it later", invoice.number)
        return await ictx.store.get(invoice.number) or invoice  # as far as it got


async def charge(number: str, ictx: InvoiceContext) -> Invoice:
    """Charge the invoice's total (or retry after a decline); a paid invoice is left as is."""
    async with ictx.locks.hold(number):
        invoice = await ictx.store.get(number)
        if invoice is None:
            raise NotFound(f"no invoice {number}")
        if invoice.state in (InvoiceState.PAID, InvoiceState.NOTHING_DUE):
            return invoice
        now = ictx.payments.ctx.clock.now()
        if not invoice.settle_if_nothing_due(now):
            await _pay(invoice, ictx)
        await ictx.store.save_state(invoice)
        return invoice


async def _pay(invoice: Invoice, ictx: InvoiceContext) -> None:
    pctx = ictx.payments
    key = invoice.begin_charge(pctx.ctx.clock.now())
    await ictx.store.save_state(invoice)  # the attempt is known before the provider is asked
    try:
        customer = await customer_of(invoice.driver_id, pctx)
        card = await card_for_hold(customer, pctx)
        hold = PaymentHold(customer, card, invoice.total_minor, invoice.currency, key)
        reference = await ictx.charges.charge(hold)
    except PaymentDeclined as declined:
        invoice.declined(str(declined), pctx.ctx.clock.now())
        return
    invoice.paid(reference, pctx.ctx.clock.now())


@dataclass(frozen=True, slots=True)
class InvoiceRefundRequest:
    number: str
    amount_minor: int | None  # None: all that is left to refund
    idempotency_key: str
    requested_by: str  # the API key's name
    role: str
    reason: str | None = None


async def refund(request: InvoiceRefundRequest, ictx: InvoiceContext) -> InvoiceRefund:
    """Give back part or all of a paid invoice, never more than is left (Kilowatt checks: the
    provider may not); the same request key again returns the refund made then."""
    if request.role not in REFUND_ROLES:
        raise AccessDenied(f"the {request.role} role may not refund")
    async with ictx.locks.hold(request.number):
        invoice = await ictx.store.get(request.number)
        if invoice is None:
            raise NotFound(f"no invoice {request.number}")
        done = await ictx.store.refund_by_key(request.idempotency_key)
        if done is not None:
            if done.invoice_id != invoice.id:
                raise Conflict("this Idempotency-Key was used for another invoice")
            return done
        now = ictx.payments.ctx.clock.now()
        amount = invoice.refund(request.amount_minor, now)  # checked before the provider
        assert invoice.payment_reference is not None
        key = f"invoice-refund-{invoice.number}-{request.idempotency_key}"
        reference = await ictx.payments.gateway.refund(invoice.payment_reference, amount, key)
        made = InvoiceRefund(
            str(uuid.uuid4()),
            invoice.id,
            amount,
            reference,
            request.idempotency_key,
            request.requested_by,
            now,
            request.reason,
        )
        await ictx.store.add_refund(made, invoice)
        return made


async def refunds_of(number: str, ictx: InvoiceContext) -> Sequence[InvoiceRefund]:
    return await ictx.store.refunds((await invoice(number, ictx)).id)


async def invoices(
    ictx: InvoiceContext,
    *,
    driver_id: str | None = None,
    month: Month | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[Invoice]:
    """Newest first; ``driver_id``: only that driver's."""
    return await ictx.store.listed(driver_id, month, limit, offset)


async def invoice_of_driver(driver_id: str, number: str, ictx: InvoiceContext) -> Invoice:
    """One of the driver's own invoices; another driver's is not found, like a missing one."""
    invoice = await ictx.store.get(number)
    if invoice is None or invoice.driver_id != driver_id:
        raise NotFound(f"no invoice {number}")
    return invoice


async def invoice(number: str, ictx: InvoiceContext) -> Invoice:
    found = await ictx.store.get(number)
    if found is None:
        raise NotFound(f"no invoice {number}")
    return found


async def _driver(driver_id: str, ictx: InvoiceContext) -> Driver:
    async with ictx.payments.ctx.uow() as uow:
        driver = await uow.drivers.get(driver_id)
    if driver is None:
        raise NotFound(f"no driver {driver_id}")
    return driver


def _buyer(driver: Driver) -> Party:
    lines = (driver.email, f"Contract {driver.contract_id}")
    return Party(driver.name or driver.email, lines)
