"""Sessions and CDRs: a transaction priced under the tariff its driver pays.

A running transaction is priced up to now (the live session and its cost so far); a
finished one gets a CDR, issued once (the ``TransactionEnded`` handler, and a sweep that
catches up after a crash). A CDR never changes: ``correct_cdr`` credits it and issues the
next revision, priced again from what is stored (optionally under another tariff).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from kilowatt.domain import events
from kilowatt.domain.cdrs import Cdr, cdr_id, credit_note
from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.domain.pricing import ChargingSession, PricedSession, price_session
from kilowatt.domain.session_readings import session_readings
from kilowatt.domain.tariff_json import jsonable, timestamp_to_ocpi
from kilowatt.domain.tariffs import Tariff
from kilowatt.domain.transactions import Transaction
from kilowatt.ports import CdrRecord, UnitOfWork
from kilowatt.services.cdr_parts import cdr_location, cdr_token, signed_data
from kilowatt.services.context import ServiceContext
from kilowatt.services.tariffs import AppliedTariff, applied_tariff

__all__ = [
    "PricedTransaction",
    "correct_cdr",
    "final_cost",
    "issue_cdr",
    "issue_missing_cdrs",
    "on_event",
    "price_transaction",
    "session_object",
]


@dataclass(frozen=True, slots=True)
class PricedTransaction:
    transaction: Transaction
    applied: AppliedTariff
    priced: PricedSession
    until: datetime


async def price_transaction(
    uow: UnitOfWork, ctx: ServiceContext, transaction: Transaction, tariff: Tariff | None = None
) -> PricedTransaction:
    """Price up to the stop, or up to now while it runs; ``tariff`` overrides the choice."""
    until = transaction.stopped_at or ctx.clock.now()
    where = (transaction.station_id, transaction.evse_id, transaction.connector_id)
    applied = await applied_tariff(uow, ctx, where, transaction.id_token, transaction.started_at)
    if tariff is not None:
        applied = replace(applied, tariff=tariff)
    record = await uow.meter_history.session_record(transaction, until)
    session = ChargingSession(session_readings(record))
    priced = price_session(applied.tariff, applied.time_zone, session)
    return PricedTransaction(transaction, applied, priced, until)


async def session_object(
    station_id: str, transaction_id: str, ctx: ServiceContext
) -> dict[str, Any]:
    """The transaction as an OCPI Session, with the cost so far (or its CDR's, once issued)."""
    async with ctx.uow() as uow:
        transaction = await _transaction(uow, station_id, transaction_id)
        issued = [r for r in await uow.cdrs.of_transaction(transaction.pk) if not r.credit]
        priced = await price_transaction(uow, ctx, transaction)
        token = await uow.tokens.get(transaction.id_token) if transaction.id_token else None
    applied, cost = priced.applied, priced.priced.cost
    location = cdr_location(applied, transaction)
    data: dict[str, Any] = {
        "country_code": ctx.billing.country_code,
        "party_id": ctx.billing.party_id,
        "id": transaction.pk,
        "start_date_time": timestamp_to_ocpi(transaction.started_at),
    }
    if transaction.stopped_at is not None:
        data["end_date_time"] = timestamp_to_ocpi(transaction.stopped_at)
    data |= {
        "kwh": cost.total_energy,
        "cdr_token": cdr_token(transaction, token, ctx).to_ocpi(),
        "auth_method": str(transaction.authorized_with),
    }
    if transaction.authorization_reference is not None:  # the eMSP's, when it gave one
        data["authorization_reference"] = transaction.authorization_reference
    data |= {
        "location_id": location.id,
        "evse_uid": location.evse_uid,
        "connector_id": location.connector_id,
        "currency": applied.tariff.currency,
        "charging_periods": [period.to_ocpi() for period in priced.priced.periods],
        "total_cost": cost.total_cost.to_ocpi(),
        "status": "ACTIVE" if transaction.is_active else "COMPLETED",
        "last_updated": timestamp_to_ocpi(transaction.updated_at),
    }
    if issued:
        latest = issued[-1].body
        data |= {key: latest[key] for key in ("total_cost", "charging_periods", "currency")}
    return jsonable(data)  # type: ignore[no-any-return]


async def issue_cdr(station_id: str, transaction_id: str, ctx: ServiceContext) -> CdrRecord:
    """The transaction's CDR: issued now if it has none, else the one it has (idempotent)."""
    try:
        async with ctx.uow() as uow:
            transaction = await _transaction(uow, station_id, transaction_id)
            if transaction.is_active:
                raise Conflict(f"transaction {transaction_id} is still running")
            issued = await uow.cdrs.of_transaction(transaction.pk)
            if issued:
                return _latest(issued)
            record = await _new_record(uow, ctx, transaction, revision=0)
            uow.cdrs.add(record)
            uow.record(_issued(record, transaction))
            await uow.commit()
    except Conflict:
        async with ctx.uow() as uow:  # issued meanwhile by another path: return that one
            transaction = await _transaction(uow, station_id, transaction_id)
            issued = await uow.cdrs.of_transaction(transaction.pk)
        if not issued:
            raise
        return _latest(issued)
    await ctx.events.publish(uow.collect_events())
    return record


async def correct_cdr(
    original_id: str,
    ctx: ServiceContext,
    *,
    tariff_id: str | None = None,
    remark: str | None = None,
) -> tuple[CdrRecord, CdrRecord]:
    """Credit a CDR and issue its transaction's next revision: (credit CDR, new CDR)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        original = await uow.cdrs.get(original_id)
        if original is None:
            raise NotFound(f"no CDR {original_id}")
        issued = await uow.cdrs.of_transaction(original.transaction_pk)
        if original.credit or _latest(issued).body["id"] != original_id:
            raise Conflict(f"CDR {original_id} is credited or superseded; correct the latest")
        transaction = await uow.transactions.by_pk(original.transaction_pk)
        if transaction is None:
            raise NotFound(f"the transaction of CDR {original_id} is gone")
        tariff = None
        if tariff_id is not None:
            offer = await uow.tariffs.get(tariff_id)
            if offer is None:
                raise NotFound(f"no tariff {tariff_id}")
            tariff = offer.tariff
        credit = CdrRecord(
            jsonable(credit_note(dict(original.body), now)),
            original.transaction_pk,
            original.revision,
            True,
            original.station_id,
            original.location_id,
            original.id_token,
        )
        new = await _new_record(
            uow, ctx, transaction, revision=original.revision + 1, tariff=tariff, remark=remark
        )
        uow.cdrs.add(credit)
        uow.cdrs.add(new)
        uow.record(_issued(credit, transaction), _issued(new, transaction))
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    return credit, new


async def issue_missing_cdrs(ctx: ServiceContext, limit: int = 200) -> int:
    """Issue the CDRs of finished transactions that have none (after a crash, a failure)."""
    async with ctx.uow() as uow:
        missing = await uow.cdrs.unbilled(limit)
    for station_id, transaction_id in missing:
        await issue_cdr(station_id, transaction_id, ctx)
    return len(missing)


async def _transaction(uow: UnitOfWork, station_id: str, transaction_id: str) -> Transaction:
    transaction = await uow.transactions.get(station_id, transaction_id)
    if transaction is None:
        raise NotFound(f"no transaction {transaction_id} at station {station_id}")
    return transaction


def _latest(issued: Any) -> CdrRecord:
    originals = [record for record in issued if not record.credit]
    return max(originals, key=lambda record: record.revision)  # type: ignore[no-any-return]


async def _new_record(
    uow: UnitOfWork,
    ctx: ServiceContext,
    transaction: Transaction,
    *,
    revision: int,
    tariff: Tariff | None = None,
    remark: str | None = None,
) -> CdrRecord:
    priced = await price_transaction(uow, ctx, transaction, tariff)
    token = await uow.tokens.get(transaction.id_token) if transaction.id_token else None
    signed = await uow.meter_history.signed_samples(transaction.pk)
    assert transaction.stopped_at is not None
    cdr = Cdr(
        country_code=ctx.billing.country_code,
        party_id=ctx.billing.party_id,
        id=cdr_id(transaction.pk, revision),
        start_date_time=transaction.started_at,
        end_date_time=transaction.stopped_at,
        session_id=transaction.pk,
        cdr_token=cdr_token(transaction, token, ctx),
        auth_method=transaction.authorized_with,
        cdr_location=cdr_location(priced.applied, transaction),
        currency=priced.applied.tariff.currency,
        cost=priced.priced.cost,
        last_updated=ctx.clock.now(),
        tariffs=(priced.applied.tariff,),
        charging_periods=priced.priced.periods,
        signed_data=signed_data(signed),
        meter_id=priced.applied.station.meter_serial_number,
        remark=remark or transaction.stop_reason,
        authorization_reference=transaction.authorization_reference,
    )
    location = priced.applied.station.location_id
    return CdrRecord(
        jsonable(cdr.to_ocpi()),
        transaction.pk,
        revision,
        False,
        transaction.station_id,
        location,
        transaction.id_token,
    )


def _issued(record: CdrRecord, transaction: Transaction) -> events.CdrIssued:
    return events.CdrIssued(
        record.body["id"], transaction.station_id, transaction.transaction_id, record.credit
    )


async def on_event(event: events.Event, ctx: ServiceContext) -> None:
    """Issue the CDR as soon as a transaction ends."""
    if isinstance(event, events.TransactionEnded):
        await issue_cdr(event.station_id, event.transaction_id, ctx)


async def final_cost(station_id: str, transaction_id: str, ctx: ServiceContext) -> Decimal | None:
    """The total incl. VAT of a finished transaction's CDR, for the station to show."""
    async with ctx.uow() as uow:
        transaction = await uow.transactions.get(station_id, transaction_id)
        if transaction is None or transaction.is_active:
            return None
        issued = await uow.cdrs.of_transaction(transaction.pk)
    if not issued:
        return None
    cost = _latest(issued).body["total_cost"]
    return Decimal(str(cost.get("incl_vat", cost["excl_vat"])))
