"""The cost so far, told to the station so it can show the driver (at most once per interval
per transaction, after meter values arrive).

OCPP 2.0.1: ``CostUpdated`` (totalCost incl. VAT). OCPP 1.6 has no message for it; the
Open Charge Alliance's "California Pricing" whitepaper defines a ``DataTransfer`` with
vendorId ``org.openchargealliance.costmsg`` and messageId ``RunningCost``, which stations
that display cost implement. It is sent only to 1.6 stations whose stored configuration
(GetConfiguration, see ``services/device_model.py``) has ``CustomDisplayCostAndPrice`` true.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from decimal import Decimal

from kilowatt.domain import events
from kilowatt.domain.errors import DomainError
from kilowatt.domain.locations import OcppVersion
from kilowatt.domain.tariff_json import timestamp_to_ocpi
from kilowatt.ports import StationGateway, UnitOfWork
from kilowatt.services.billing import price_transaction
from kilowatt.services.context import ServiceContext

__all__ = ["COST_VENDOR_ID", "RunningCostNotifier"]

log = logging.getLogger(__name__)

COST_VENDOR_ID = "org.openchargealliance.costmsg"


class RunningCostNotifier:
    """Subscribes to ``TransactionMetered``; pushes in background tasks, never blocking
    the station's own message."""

    def __init__(
        self,
        ctx: ServiceContext,
        gateway: StationGateway,
        *,
        interval_s: float,
        timeout_s: float,
    ) -> None:
        self._ctx, self._gateway = ctx, gateway
        self._interval_s, self._timeout_s = interval_s, timeout_s
        self._last_sent: dict[tuple[str, str], datetime] = {}
        self._pending: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.TransactionEnded):
            self._last_sent.pop((event.station_id, event.transaction_id), None)
        if not isinstance(event, events.TransactionMetered):
            return
        key, now = (event.station_id, event.transaction_id), self._ctx.clock.now()
        if key in self._pending:
            return  # a push is on its way and will price what arrived meanwhile
        last = self._last_sent.get(key)
        wait_s = 0.0
        if last is not None:
            wait_s = max(0.0, self._interval_s - (now - last).total_seconds())
        self._pending.add(key)
        task = asyncio.create_task(self._push_after(wait_s, *key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _push_after(self, wait_s: float, station_id: str, transaction_id: str) -> None:
        """Within the interval of the last push, the next one waits for its turn: the
        latest cost is always sent, at most once per interval."""
        await asyncio.sleep(wait_s)
        key = (station_id, transaction_id)
        self._pending.discard(key)
        self._last_sent[key] = self._ctx.clock.now()
        try:
            await self.push(station_id, transaction_id)
        except DomainError as error:  # offline, timed out, refused: the next update retries
            log.info("running cost not sent to %s: %s", station_id, error)
        except Exception:
            log.exception("running cost for %s/%s failed", station_id, transaction_id)

    async def push(self, station_id: str, transaction_id: str) -> Decimal | None:
        """Price the running transaction and tell the station; the cost sent, if any."""
        async with self._ctx.uow() as uow:
            transaction = await uow.transactions.get(station_id, transaction_id)
            if transaction is None or not transaction.is_active:
                return None
            priced = await price_transaction(uow, self._ctx, transaction)
            shows_cost = await _shows_cost_16(uow, station_id)
        station, total = priced.applied.station, priced.priced.cost.total_cost
        cost = total.incl_vat if total.incl_vat is not None else total.excl_vat
        if station.ocpp_version is OcppVersion.V201:
            payload = {"totalCost": float(cost), "transactionId": transaction_id}
            await self._gateway.call(station_id, "CostUpdated", payload, self._timeout_s)
        elif shows_cost:
            data = {
                "transactionId": int(transaction_id),
                "timestamp": timestamp_to_ocpi(priced.until),
                "meterValue": transaction.last_meter_wh or 0,
                "cost": float(cost),
                "state": "Charging",
            }
            payload = {
                "vendorId": COST_VENDOR_ID,
                "messageId": "RunningCost",
                "data": json.dumps(data),
            }
            await self._gateway.call(station_id, "DataTransfer", payload, self._timeout_s)
        else:
            return None
        return cost


COST_DISPLAY_KEY = "CustomDisplayCostAndPrice"


async def _shows_cost_16(uow: UnitOfWork, station_id: str) -> bool:
    """Whether a 1.6 station said (GetConfiguration) it shows cost: the key is true."""
    stored = await uow.device_model.variables(station_id, component="", variable=COST_DISPLAY_KEY)
    return any((item.value or "").strip().lower() == "true" for item in stored)
