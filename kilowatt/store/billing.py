"""Tariffs, CDRs and the meter history that prices a session, on the SQL store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, select

from kilowatt.domain.session_readings import SessionRecord
from kilowatt.domain.tariff_json import jsonable
from kilowatt.domain.tariff_selection import OfferedTariff
from kilowatt.domain.tariffs import Tariff
from kilowatt.domain.transactions import ENERGY_REGISTER, MeterSample, Transaction
from kilowatt.ports import CdrFilter, CdrRecord
from kilowatt.store import tables
from kilowatt.store.repositories import _Repository

__all__ = [
    "CdrRepository",
    "MeterHistoryRepository",
    "TariffRepository",
    "cdr_query",
    "offer_from_row",
    "record_from_row",
    "sample_from_row",
]

_POWER = "Power.Active.Import"
_CURRENT = "Current.Import"


def offer_from_row(row: dict[str, Any]) -> OfferedTariff:
    return OfferedTariff(Tariff.from_ocpi(row["body"]), row["driver_group"])


def _offer_row(offer: OfferedTariff) -> dict[str, Any]:
    tariff = offer.tariff
    return {
        "id": tariff.id,
        "country_code": tariff.country_code,
        "party_id": tariff.party_id,
        "currency": tariff.currency,
        "type": None if tariff.type is None else str(tariff.type),
        "driver_group": offer.driver_group,
        "start_date_time": tariff.start_date_time,
        "end_date_time": tariff.end_date_time,
        "last_updated": tariff.last_updated,
        "body": jsonable(tariff.to_ocpi()),
    }


class TariffRepository(_Repository):
    async def get(self, tariff_id: str) -> OfferedTariff | None:
        t = tables.tariffs
        row = await self._context.fetch_one(select(t).where(t.c.id == tariff_id))
        return offer_from_row(row) if row else None

    async def offered(self, tariff_ids: Sequence[str]) -> list[OfferedTariff]:
        if not tariff_ids:
            return []
        t = tables.tariffs
        rows = await self._context.fetch_all(select(t).where(t.c.id.in_(list(tariff_ids))))
        by_id = {row["id"]: offer_from_row(row) for row in rows}
        return [by_id[tariff_id] for tariff_id in tariff_ids if tariff_id in by_id]

    async def referenced_by(self, tariff_id: str) -> list[str]:
        t = tables.connectors
        rows = await self._context.fetch_all(select(t.c.station_id, t.c.tariff_ids))
        return sorted({row["station_id"] for row in rows if tariff_id in row["tariff_ids"]})

    def save(self, offer: OfferedTariff) -> None:
        self._stage(self._sql.upsert(tables.tariffs, _offer_row(offer)))

    def delete(self, tariff_id: str) -> None:
        self._stage(self._sql.delete(tables.tariffs, {"id": tariff_id}))


def record_from_row(row: dict[str, Any]) -> CdrRecord:
    return CdrRecord(
        body=row["body"],
        transaction_pk=row["transaction_pk"],
        revision=row["revision"],
        credit=row["credit"],
        station_id=row["station_id"],
        location_id=row["location_id"],
        id_token=row["id_token"],
    )


def _record_row(record: CdrRecord) -> dict[str, Any]:
    body = record.body
    cost = body["total_cost"]
    incl = cost.get("incl_vat")
    return {
        "id": body["id"],
        "transaction_pk": record.transaction_pk,
        "revision": record.revision,
        "credit": record.credit,
        "station_id": record.station_id,
        "location_id": record.location_id,
        "id_token": record.id_token,
        "currency": body["currency"],
        "total_cost_excl_vat": Decimal(str(cost["excl_vat"])),
        "total_cost_incl_vat": None if incl is None else Decimal(str(incl)),
        "total_energy_kwh": Decimal(str(body["total_energy"])),
        "start_date_time": datetime.fromisoformat(body["start_date_time"]),
        "end_date_time": datetime.fromisoformat(body["end_date_time"]),
        "last_updated": datetime.fromisoformat(body["last_updated"]),
        "body": jsonable(body),
    }


def cdr_query(where: CdrFilter) -> Select[Any]:
    t = tables.cdrs
    statement = select(t)
    for column, value in (
        (t.c.station_id, where.station_id),
        (t.c.location_id, where.location_id),
        (t.c.id_token, where.id_token),
        (t.c.transaction_pk, where.transaction_pk),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if where.date_from is not None:
        statement = statement.where(t.c.end_date_time >= where.date_from)
    if where.date_to is not None:
        statement = statement.where(t.c.end_date_time < where.date_to)
    return statement.order_by(t.c.end_date_time, t.c.transaction_pk, t.c.revision, t.c.credit)


class CdrRepository(_Repository):
    async def get(self, cdr_id: str) -> CdrRecord | None:
        t = tables.cdrs
        row = await self._context.fetch_one(select(t).where(t.c.id == cdr_id))
        return record_from_row(row) if row else None

    async def of_transaction(self, transaction_pk: str) -> Sequence[CdrRecord]:
        rows = await self._context.fetch_all(cdr_query(CdrFilter(transaction_pk=transaction_pk)))
        return [record_from_row(row) for row in rows]

    async def unbilled(self, limit: int) -> Sequence[tuple[str, str]]:
        t, c = tables.transactions, tables.cdrs
        statement = (
            select(t.c.station_id, t.c.transaction_id)
            .select_from(t.outerjoin(c, and_(c.c.transaction_pk == t.c.pk, c.c.revision == 0)))
            .where(t.c.status == "COMPLETED", c.c.id.is_(None))
            .order_by(t.c.stopped_at)
            .limit(limit)
        )
        rows = await self._context.fetch_all(statement)
        return [(row["station_id"], row["transaction_id"]) for row in rows]

    def add(self, record: CdrRecord) -> None:
        self._stage(self._sql.insert(tables.cdrs, _record_row(record)))


class MeterHistoryRepository(_Repository):
    async def session_record(self, transaction: Transaction, until: datetime) -> SessionRecord:
        registers, powers, currents = await self._samples(transaction.pk)
        states = await self._charging_states(transaction)
        return SessionRecord(
            started_at=transaction.started_at,
            ended_at=until,
            registers=[(at, wh) for at, wh in registers if at <= until],
            states=states,
            powers_w=powers,
            currents_a=currents,
            start_wh=transaction.meter_start_wh,
        )

    async def signed_samples(self, transaction_pk: str) -> Sequence[MeterSample]:
        t = tables.meter_samples
        statement = (
            select(t)
            .where(t.c.transaction_pk == transaction_pk, t.c.signed_data.is_not(None))
            .order_by(t.c.measured_at, t.c.id)
        )
        return [sample_from_row(row) for row in await self._context.fetch_all(statement)]

    async def _samples(
        self, transaction_pk: str
    ) -> tuple[list[tuple[datetime, int]], dict[datetime, Decimal], dict[datetime, Decimal]]:
        t = tables.meter_samples
        statement = select(t).where(
            t.c.transaction_pk == transaction_pk,
            t.c.measurand.in_([ENERGY_REGISTER, _POWER, _CURRENT]),
        )
        registers: list[tuple[datetime, int]] = []
        powers: dict[datetime, Decimal] = {}
        currents: dict[datetime, Decimal] = defaultdict(Decimal)
        for row in await self._context.fetch_all(statement):
            sample = sample_from_row(row)
            register = sample.register_wh()
            if register is not None:
                registers.append((sample.measured_at, register))
            elif sample.measurand == _POWER and not sample.phase and sample.value.is_finite():
                scale = 1000 if sample.unit == "kW" else 1
                powers[sample.measured_at] = sample.value * scale
            elif sample.measurand == _CURRENT and sample.value.is_finite():
                currents[sample.measured_at] += sample.value  # summed over phases
        return sorted(registers), powers, dict(currents)

    async def _charging_states(self, transaction: Transaction) -> list[tuple[datetime, str]]:
        """2.0.1: the events' chargingState; 1.6: the connector's statuses in the session."""
        ev = tables.transaction_events
        rows = await self._context.fetch_all(
            select(ev.c.timestamp, ev.c.charging_state).where(
                ev.c.transaction_pk == transaction.pk, ev.c.charging_state.is_not(None)
            )
        )
        if rows:
            return sorted((row["timestamp"], row["charging_state"]) for row in rows)
        h = tables.status_history
        statement = select(h.c.reported_at, h.c.status).where(
            h.c.station_id == transaction.station_id,
            h.c.evse_id == (transaction.evse_id or 0),
            h.c.reported_at >= transaction.started_at,
        )
        if transaction.stopped_at is not None:
            statement = statement.where(h.c.reported_at <= transaction.stopped_at)
        rows = await self._context.fetch_all(statement)
        return sorted((row["reported_at"], row["status"]) for row in rows)


def sample_from_row(row: dict[str, Any]) -> MeterSample:
    return MeterSample(
        measured_at=row["measured_at"],
        value=row["value"],
        measurand=row["measurand"],
        unit=row["unit"],
        phase=row["phase"],
        location=row["location"],
        context=row["context"],
        signed_data=row["signed_data"],
    )
