"""Watching one of a driver's sessions live (the driver app, issue 7): which transaction the
session is, so that its meter value events can wake the page, and its state as it is now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kilowatt.domain.errors import UnknownTransaction
from kilowatt.domain.transactions import MeterSample
from kilowatt.ports import Queries
from kilowatt.services import billing
from kilowatt.services.context import ServiceContext

__all__ = ["WatchedSession", "snapshot", "watch"]

_POWER = "Power.Active.Import"


@dataclass(frozen=True, slots=True)
class WatchedSession:
    session_id: str  # the transaction's key (pk)
    station_id: str
    transaction_id: str

    @property
    def key(self) -> tuple[str, str]:
        """What the transaction events carry: (station id, transaction id)."""
        return (self.station_id, self.transaction_id)


async def watch(driver_id: str, session_id: str, ctx: ServiceContext) -> WatchedSession:
    """The driver's session ``session_id``; not found (404) for anyone else's."""
    async with ctx.uow() as uow:
        transaction = await uow.transactions.by_pk(session_id)
        owner = None
        if transaction is not None and transaction.id_token is not None:
            owner = await uow.drivers.owner_of(transaction.id_token)
    if transaction is None or owner != driver_id:
        raise UnknownTransaction(f"no session {session_id}")
    return WatchedSession(session_id, transaction.station_id, transaction.transaction_id)


async def snapshot(
    watched: WatchedSession, ctx: ServiceContext, queries: Queries
) -> dict[str, Any]:
    """The session as an OCPI Session with the cost so far, plus ``power_w``: the latest power
    the station reported (None before its first sample)."""
    session = await billing.session_object(watched.station_id, watched.transaction_id, ctx)
    session["power_w"] = None
    if session["status"] == "ACTIVE":
        session["power_w"] = _latest_power_w(await queries.meter_samples(watched.session_id))
    return session


def _latest_power_w(samples: Sequence[MeterSample]) -> float | None:
    for sample in reversed(samples):
        if sample.measurand == _POWER and not sample.phase and not sample.value.is_nan():
            scale = Decimal(1000) if sample.unit == "kW" else Decimal(1)
            return float(sample.value * scale)
    return None
