"""Payments follow the charging events: a started transaction is linked to its start hold,
meter values may call for a top-up, an issued CDR is settled; with roaming, the same for
our drivers' sessions at partner CPOs (``roaming_payments``).

Provider calls run in tasks owned here, so a station's own message is never held up by
Stripe; a failure is logged and left to the periodic ``reconcile`` (never swallowed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from kilowatt.domain import events
from kilowatt.domain.roaming_objects import ObjectKey
from kilowatt.ports import StationGateway
from kilowatt.services import payment_settlement, payments, roaming_payments
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.roaming_sent_commands import CommandSender

__all__ = ["PaymentFollower"]

log = logging.getLogger(__name__)


class PaymentFollower:
    def __init__(self, pctx: PaymentContext, gateway: StationGateway) -> None:
        self._pctx, self._gateway = pctx, gateway
        self._tasks: set[asyncio.Task[object]] = set()
        self.sender: CommandSender | None = None  # with roaming: sessions at partner CPOs

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.TransactionStarted):
            await payments.link(event.station_id, event.transaction_id, self._pctx)
        elif isinstance(event, events.TransactionMetered):
            self._spawn(self._top_up(event.station_id, event.transaction_id), event)
        elif isinstance(event, events.CdrIssued) and not event.credit:
            self._spawn(payment_settlement.settle(event.cdr_id, self._pctx), event)
        elif self.sender is not None:
            self._follow_partner(event, self.sender)

    def _follow_partner(self, event: events.Event, sender: CommandSender) -> None:
        if isinstance(event, events.RoamingSessionChanged):
            key = ObjectKey(event.country_code, event.party_id, event.session_id)
            self._spawn(roaming_payments.on_session(key, sender, self._pctx), event)
        elif isinstance(event, events.PartnerCdrReceived):
            key = ObjectKey(event.country_code, event.party_id, event.cdr_id)
            self._spawn(roaming_payments.on_cdr(key, sender, self._pctx), event)
        elif isinstance(event, events.CommandResultReceived):
            work = roaming_payments.on_command_result(event.command_id, sender, self._pctx)
            self._spawn(work, event)

    async def _top_up(self, station_id: str, transaction_id: str) -> object:
        async with self._pctx.ctx.uow() as uow:
            transaction = await uow.transactions.get(station_id, transaction_id)
        if transaction is None:
            return None
        async with self._pctx.locks.hold(transaction.pk):
            return await payments.top_up(station_id, transaction_id, self._pctx, self._gateway)

    def _spawn(self, work: Awaitable[object], event: events.Event) -> None:
        task = asyncio.ensure_future(self._logged(work, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _logged(self, work: Awaitable[object], event: events.Event) -> object:
        try:
            return await work
        except Exception:
            log.exception("payment work on %r failed; the reconcile sweep retries", event)
            return None

    async def idle(self) -> None:
        """Wait for the work under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
