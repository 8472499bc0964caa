"""Transactions: start, meter values, events and stop, whatever order and however often the
station reports them.

OCPP 1.6 StartTransaction/StopTransaction are mapped onto the 2.0.1 event model
(Started/Ended), so one aggregate and one set of rules serve both versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from kilowatt.domain.cdrs import AuthMethod
from kilowatt.domain.errors import Conflict, UnknownTransaction
from kilowatt.domain.reservations import Reservation
from kilowatt.domain.tokens import Authorization, AuthorizationRequest, AuthorizationStatus
from kilowatt.domain.transactions import (
    MeterSample,
    Transaction,
    TransactionEvent,
    TransactionEventType,
)
from kilowatt.ports import StationReport, UnitOfWork
from kilowatt.services import reservations
from kilowatt.services.authorization import authorize
from kilowatt.services.context import ServiceContext

__all__ = [
    "LegacyStart",
    "LegacyStop",
    "force_end",
    "record_meter_values",
    "record_transaction_event",
    "start_legacy_transaction",
    "stop_legacy_transaction",
]


@dataclass(frozen=True, slots=True)
class LegacyStart:
    """An OCPP 1.6 StartTransaction."""

    station_id: str
    connector_id: int
    id_tag: str
    meter_start_wh: int
    timestamp: datetime
    reservation_id: int | None = None

    @property
    def key(self) -> str:
        """Equal for a resent StartTransaction: same connector, tag, meter and time."""
        moment = self.timestamp.isoformat()
        return f"{self.connector_id}|{self.id_tag}|{self.meter_start_wh}|{moment}"


@dataclass(frozen=True, slots=True)
class LegacyStop:
    """An OCPP 1.6 StopTransaction."""

    station_id: str
    transaction_id: int
    meter_stop_wh: int
    timestamp: datetime
    id_tag: str | None = None
    reason: str | None = None
    samples: tuple[MeterSample, ...] = ()

    def as_payload(self) -> Mapping[str, Any]:
        return {
            "transactionId": self.transaction_id,
            "meterStop": self.meter_stop_wh,
            "timestamp": self.timestamp.isoformat(),
            "idTag": self.id_tag,
            "reason": self.reason,
        }


async def start_legacy_transaction(
    start: LegacyStart, ctx: ServiceContext
) -> tuple[int, Authorization]:
    """The transaction id for a 1.6 StartTransaction: the same one again when it is resent."""
    now = ctx.clock.now()
    request = AuthorizationRequest(start.id_tag, start.station_id, evse_id=start.connector_id)
    async with ctx.uow() as uow:
        existing = await uow.transactions.by_start_key(start.station_id, start.key)
        if existing is not None:
            decision = await authorize(request, ctx.authorizer, uow, this_transaction=existing.pk)
            return int(existing.transaction_id), decision
        decision = await authorize(request, ctx.authorizer, uow)
        used = await reservations.use(
            uow,
            start.station_id,
            _accepted(start.id_tag, decision),
            evse_id=start.connector_id,
            reservation_id=start.reservation_id,
            now=now,
        )
        transaction_id = await uow.transactions.next_legacy_id()
        event = _legacy_started(start, str(transaction_id))
        transaction = Transaction.begin(uuid4().hex, start.station_id, event, now)
        transaction.start_key = start.key
        _refer_reserved(transaction, used)
        _refer(transaction, decision, now)
        uow.transactions.add(transaction)
        _record(uow, transaction, event)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    return transaction_id, decision


def _legacy_started(start: LegacyStart, transaction_id: str) -> TransactionEvent:
    sample = MeterSample(
        start.timestamp, Decimal(start.meter_start_wh), context="Transaction.Begin"
    )
    return TransactionEvent(
        event_type=TransactionEventType.STARTED,
        transaction_id=transaction_id,
        timestamp=start.timestamp,
        trigger_reason="Authorized",
        evse_id=start.connector_id,
        connector_id=1,
        id_token=start.id_tag,
        id_token_type="ISO14443",
        samples=(sample,),
    )


async def stop_legacy_transaction(stop: LegacyStop, ctx: ServiceContext) -> Authorization | None:
    """A 1.6 StopTransaction. A stop for a transaction this station does not have (unknown,
    or another station's) is answered and kept as a report; a repeated stop changes nothing."""
    now = ctx.clock.now()
    samples = (
        *stop.samples,
        MeterSample(stop.timestamp, Decimal(stop.meter_stop_wh), context="Transaction.End"),
    )
    async with ctx.uow() as uow:
        transaction = await uow.transactions.get(stop.station_id, str(stop.transaction_id))
        decision = None
        if stop.id_tag is not None:
            request = AuthorizationRequest(stop.id_tag, stop.station_id)
            pk = transaction.pk if transaction else None
            decision = await authorize(request, ctx.authorizer, uow, this_transaction=pk)
        if transaction is None:
            report = StationReport(stop.station_id, "UnknownTransaction", now, stop.as_payload())
            uow.stations.record_report(report)
            uow.transactions.record_samples(None, stop.station_id, 0, samples)
        else:
            event = TransactionEvent(
                event_type=TransactionEventType.ENDED,
                transaction_id=transaction.transaction_id,
                timestamp=stop.timestamp,
                trigger_reason="StopAuthorized" if stop.id_tag else "EVDeparted",
                stopped_reason=stop.reason or "Local",
                samples=samples,
            )
            transaction.apply(event, now)
            uow.transactions.save(transaction)
            _record(uow, transaction, event)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    return decision


async def record_meter_values(
    station_id: str,
    evse_id: int,
    transaction_id: str | None,
    samples: tuple[MeterSample, ...],
    ctx: ServiceContext,
) -> None:
    """MeterValues: kept once each, and taken into their transaction when it is known."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        transaction = None
        if transaction_id is not None:
            transaction = await uow.transactions.get(station_id, transaction_id)
        if transaction is not None:
            transaction.record_samples(samples, now)
            uow.transactions.save(transaction)
            uow.record(*transaction.events)
            transaction.events.clear()
        uow.transactions.record_samples(transaction, station_id, evse_id, samples)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())


async def record_transaction_event(
    station_id: str, event: TransactionEvent, ctx: ServiceContext
) -> Authorization | None:
    """A 2.0.1 TransactionEvent. Its seqNo makes it idempotent; events queued offline are
    folded in by timestamp and seqNo whatever their order of arrival."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        transaction = await uow.transactions.get(station_id, event.transaction_id)
        decision = None
        # Only the first event names the EVSE; the transaction remembers it.
        evse_id = event.evse_id or (transaction.evse_id if transaction else None)
        if event.id_token is not None:
            request = AuthorizationRequest(event.id_token, station_id, event.id_token_type, evse_id)
            pk = transaction.pk if transaction else None
            decision = await authorize(request, ctx.authorizer, uow, this_transaction=pk)
        used = None
        if event.event_type is not TransactionEventType.ENDED:  # a token ending one uses none
            uid = _accepted(event.id_token, decision) if decision is not None else None
            used = await reservations.use(
                uow, station_id, uid, evse_id=evse_id, reservation_id=event.reservation_id, now=now
            )
        if transaction is None:
            transaction = Transaction.begin(uuid4().hex, station_id, event, now)
            _refer_reserved(transaction, used)
            _refer(transaction, decision, now, event)
            uow.transactions.add(transaction)
        elif transaction.apply(event, now):
            _refer_reserved(transaction, used)
            _refer(transaction, decision, now, event)
            uow.transactions.save(transaction)
        else:
            return decision  # this seqNo was applied before
        _record(uow, transaction, event)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    return decision


def _accepted(uid: str | None, decision: Authorization) -> str | None:
    """The token, when it may charge (only then does it use its reservation)."""
    return uid if decision.status is AuthorizationStatus.ACCEPTED else None


def _refer(
    transaction: Transaction,
    decision: Authorization | None,
    now: datetime,
    event: TransactionEvent | None = None,
) -> None:
    """What an authorization that let this session charge leaves on it: AUTH_REQUEST when an
    eMSP was asked in real time, and the eMSP's authorization_reference; a token that only
    ends the session leaves nothing."""
    if decision is None or decision.status is not AuthorizationStatus.ACCEPTED:
        return
    if event is not None and event.event_type is TransactionEventType.ENDED:
        return
    if decision.real_time:
        transaction.authorized_by(AuthMethod.AUTH_REQUEST)
    if decision.authorization_reference is not None:
        transaction.refer_to(decision.authorization_reference, now)


def _refer_reserved(transaction: Transaction, used: Reservation | None) -> None:
    """The authorization_reference of the RESERVE_NOW whose reservation this session uses."""
    if used is not None and used.authorization_reference is not None:
        transaction.refer_to(used.authorization_reference, used.created_at)


def _record(uow: UnitOfWork, transaction: Transaction, event: TransactionEvent) -> None:
    uow.transactions.record_event(transaction, event)
    evse_id = event.evse_id or transaction.evse_id or 0
    uow.transactions.record_samples(transaction, transaction.station_id, evse_id, event.samples)
    uow.record(*transaction.events)
    transaction.events.clear()


async def force_end(
    station_id: str, transaction_id: str, reason: str, ctx: ServiceContext
) -> Transaction:
    """End a transaction whose station never reported its end (lost, broken, replaced).

    It ends at its last meter reading (or its start), so no time is billed that nobody
    measured; the CDR follows as for any end. A real end that arrives later is kept as
    reported but changes nothing (a correction is then a credit CDR and a new one).
    """
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        transaction = await uow.transactions.get(station_id, transaction_id)
        if transaction is None:
            raise UnknownTransaction(f"station {station_id} has no transaction {transaction_id}")
        if not transaction.is_active:
            raise Conflict(f"transaction {transaction_id} has already ended")
        event = TransactionEvent(
            event_type=TransactionEventType.ENDED,
            transaction_id=transaction_id,
            timestamp=max(transaction.last_meter_at or now, transaction.started_at),
            trigger_reason="AbnormalCondition",
            stopped_reason="Other",
        )
        transaction.apply(event, now)
        transaction.stop_reason = f"ForceEnded: {reason}"[:32]
        uow.transactions.save(transaction)
        _record(uow, transaction, event)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    return transaction
