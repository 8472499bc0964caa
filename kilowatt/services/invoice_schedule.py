"""The monthly invoice run, started by the payments sweep rather than by an operator.

    sweep ──▶ due(now): the last month that ended at least ``delay`` ago (UTC)
              ──▶ not run yet by this process ──▶ run_month ──▶ remembered once it returns
                  with no invoice of the month left OPEN (a run that raised, or a charge that
                  failed for a reason other than a decline, Stripe down, is tried on the next
                  sweep; drivers it could not invoice are logged and left to an operator)

``run_month`` is idempotent (one invoice per driver and month; an open invoice is charged
again), so a restart, which forgets the last month run, costs one run that issues nothing.
The delay lets CDRs of sessions that ended just before midnight be issued before the run;
those issued after it are on the next month's invoice anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from kilowatt.domain.invoices import InvoiceState, Month
from kilowatt.services.invoices import InvoiceContext, RunReport, invoices, run_month

__all__ = ["InvoiceSchedule", "run_if_due"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class InvoiceSchedule:
    delay: timedelta = timedelta(minutes=10)  # after the month's end, before its run
    last_run: Month | None = None  # the last month a run went through, in this process

    def due(self, now: datetime) -> Month | None:
        """The month to run now, or None when its run went through already."""
        settled = now - self.delay
        ended = Month(settled.year, settled.month).start - timedelta(days=1)
        month = Month(ended.year, ended.month)
        return None if month == self.last_run else month


async def run_if_due(schedule: InvoiceSchedule, ictx: InvoiceContext) -> RunReport | None:
    """Run the month that is due, if any; the report of the run."""
    month = schedule.due(ictx.payments.ctx.clock.now())
    if month is None:
        return None
    report = await run_month(month, ictx)
    log.info(
        "invoice run %s: %d issued, %d already invoiced, %d failed",
        month,
        len(report.issued),
        report.already_invoiced,
        len(report.failed_drivers),
    )
    if not await _open_left(month, ictx):  # failed drivers need an operator, not a retry
        schedule.last_run = month
    return report


async def _open_left(month: Month, ictx: InvoiceContext, page: int = 500) -> bool:
    """Whether an invoice of the month is still OPEN: its charge failed for a reason other
    than a decline (Stripe down), so the next pass runs the month again to charge it."""
    offset = 0
    while found := await invoices(ictx, month=month, limit=page, offset=offset):
        if any(invoice.state is InvoiceState.OPEN for invoice in found):
            return True
        offset += page
    return False
