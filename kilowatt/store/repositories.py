"""Repositories: read aggregates from the database, stage their writes in the unit of work.

Stations and transactions are cached per process: a station is connected to one process at a
time and its messages are handled one after the other, so the process that holds its socket
is the only writer. The cache of a station is dropped when it connects again and whenever a
unit of work that touched it fails or leaves staged writes uncommitted. A row loaded while a
commit touching its station was under way may be older than that commit: it is returned but
not cached (``AggregateCache.put_loaded``), so the cache never goes back to a stale copy.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from kilowatt.domain.locations import ChargingStation, Location
from kilowatt.domain.tokens import IdToken
from kilowatt.domain.transactions import MeterSample, Transaction, TransactionEvent
from kilowatt.ports import ApiKey, ConnectorStatusReport, StationReport
from kilowatt.store import mapping, tables
from kilowatt.store.writes import Statements, Write

__all__ = [
    "AggregateCache",
    "ApiKeyRepository",
    "LocationRepository",
    "StationRepository",
    "StoreContext",
    "TokenRepository",
    "TransactionRepository",
]

_LEGACY_ID_BLOCK = 100


class AggregateCache:
    """A bounded LRU of aggregates by key, grouped by station for eviction."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._capacity = capacity
        self._clock = 0  # counts changes (commits, forgets) of any station
        self._changed_at: dict[str, int] = {}  # the count at each station's last change
        self._committing: dict[str, int] = {}  # stations with commits under way, how many

    def stamp(self) -> int:
        """Taken before loading from the database, and given back to ``put_loaded``."""
        return self._clock

    def changed(self, station_id: str) -> None:
        """A commit touching the station ended, or its cached copies were dropped."""
        self._clock += 1
        self._changed_at[station_id] = self._clock

    def committing(self, station_id: str) -> None:
        """A commit touching the station begins: what is loaded until it ends may miss it."""
        self._committing[station_id] = self._committing.get(station_id, 0) + 1

    def committed(self, station_id: str) -> None:
        """That commit ended (durable or failed)."""
        left = self._committing.pop(station_id, 1) - 1
        if left:
            self._committing[station_id] = left
        self.changed(station_id)

    def put_saved(self, station_id: str, key: str, item: Any) -> None:
        """A writer's copy: it wins over whatever a reader is loading meanwhile."""
        self.put(station_id, key, item)
        self.changed(station_id)

    def put_loaded(self, station_id: str, key: str, item: Any, stamp: int) -> bool:
        """Cache what was loaded unless the station changed since ``stamp`` or a commit
        touching it is under way (the load may be older than what is saved). True when
        cached."""
        if station_id in self._committing or self._changed_at.get(station_id, 0) > stamp:
            return False
        self.put(station_id, key, item)
        return True

    def get(self, station_id: str, key: str) -> Any:
        item = self._items.get((station_id, key))
        if item is not None:
            self._items.move_to_end((station_id, key))
        return item

    def put(self, station_id: str, key: str, item: Any) -> None:
        self._items[(station_id, key)] = item
        self._items.move_to_end((station_id, key))
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)

    def forget_station(self, station_id: str) -> None:
        for key in [k for k in self._items if k[0] == station_id]:
            del self._items[key]
        self.changed(station_id)


@dataclass
class _LegacyIds:
    next_value: int = 0
    limit: int = 0


@dataclass
class StoreContext:
    """What all units of work of one store share: engine, statements, caches, id block."""

    engine: AsyncEngine
    statements: Statements
    stations: AggregateCache = field(default_factory=AggregateCache)
    transactions: AggregateCache = field(default_factory=AggregateCache)
    legacy_ids: _LegacyIds = field(default_factory=_LegacyIds)

    async def fetch_all(self, statement: Any) -> list[dict[str, Any]]:
        async with self.engine.connect() as connection:
            result = await connection.execute(statement)
            return [dict(row) for row in result.mappings()]

    async def fetch_one(self, statement: Any) -> dict[str, Any] | None:
        rows = await self.fetch_all(statement)
        return rows[0] if rows else None


class _Repository:
    def __init__(self, context: StoreContext, writes: list[Write], touched: set[str]) -> None:
        self._context = context
        self._sql = context.statements
        self._writes = writes
        self._touched = touched  # stations whose cached aggregates this unit of work changed

    def _stage(self, write: Write) -> None:
        self._writes.append(write)


class ApiKeyRepository(_Repository):
    async def get(self, digest: str) -> ApiKey | None:
        t = tables.api_keys
        row = await self._context.fetch_one(select(t).where(t.c.key_hash == digest))
        if row is None:
            return None
        return ApiKey(row["key_hash"], row["name"], row["role"], row["created_at"])

    def add(self, key: ApiKey) -> None:
        row = {"key_hash": key.digest, "name": key.name, "role": key.role}
        self._stage(self._sql.insert_ignore(tables.api_keys, row | {"created_at": key.created_at}))


class LocationRepository(_Repository):
    async def get(self, location_id: str) -> Location | None:
        t = tables.locations
        row = await self._context.fetch_one(select(t).where(t.c.id == location_id))
        return mapping.location_from_row(row) if row else None

    def add(self, location: Location) -> None:
        self._stage(self._sql.insert(tables.locations, mapping.location_row(location)))

    def save(self, location: Location) -> None:
        self._stage(self._sql.upsert(tables.locations, mapping.location_row(location)))

    def delete(self, location_id: str) -> None:
        self._stage(self._sql.delete(tables.locations, {"id": location_id}))


class StationRepository(_Repository):
    async def get(self, station_id: str) -> ChargingStation | None:
        cached: ChargingStation | None = self._context.stations.get(station_id, "")
        if cached is not None:
            self._touched.add(station_id)
            return cached
        stamp = self._context.stations.stamp()
        station = await self._load(station_id)
        if station is not None:
            self._context.stations.put_loaded(station_id, "", station, stamp)
            self._touched.add(station_id)
        return station

    async def _load(self, station_id: str) -> ChargingStation | None:
        t, e, c = tables.charging_stations, tables.evses, tables.connectors
        row = await self._context.fetch_one(select(t).where(t.c.id == station_id))
        if row is None:
            return None
        evse_rows = await self._context.fetch_all(select(e).where(e.c.station_id == station_id))
        connector_rows = await self._context.fetch_all(
            select(c).where(c.c.station_id == station_id)
        )
        return mapping.station_from_rows(row, evse_rows, connector_rows)

    def add(self, station: ChargingStation) -> None:
        self._stage(self._sql.insert(tables.charging_stations, mapping.station_row(station)))
        self._stage_evses(station)
        self._touched.add(station.id)

    def save(self, station: ChargingStation, *, with_evses: bool = False) -> None:
        self._stage(self._sql.upsert(tables.charging_stations, mapping.station_row(station)))
        if with_evses:
            self._stage(self._sql.delete(tables.evses, {"station_id": station.id}))
            self._stage_evses(station)
        self._context.stations.put_saved(station.id, "", station)
        self._touched.add(station.id)

    def _stage_evses(self, station: ChargingStation) -> None:
        for evse in station.evses:
            self._stage(self._sql.insert(tables.evses, mapping.evse_row(station.id, evse)))
            for connector in evse.connectors:
                row = mapping.connector_row(station.id, evse.evse_id, connector)
                self._stage(self._sql.insert(tables.connectors, row))

    def touch(self, station_id: str, last_heartbeat_at: datetime) -> None:
        key, values = {"id": station_id}, {"last_heartbeat_at": last_heartbeat_at}
        self._stage(self._sql.update(tables.charging_stations, key, values))

    def delete(self, station_id: str) -> None:
        self._stage(self._sql.delete(tables.charging_stations, {"id": station_id}))
        self._touched.add(station_id)

    def forget_cached(self, station_id: str) -> None:
        self._context.stations.forget_station(station_id)
        self._context.transactions.forget_station(station_id)

    def record_status(self, report: ConnectorStatusReport) -> None:
        row = {
            name: getattr(report, name)
            for name in (
                "station_id",
                "evse_id",
                "connector_id",
                "status",
                "error_code",
                "info",
                "vendor_error_code",
                "reported_at",
                "received_at",
            )
        }
        self._stage(self._sql.insert_ignore(tables.status_history, row))
        self._stage(self._sql.upsert(tables.connector_statuses, row))

    def record_report(self, report: StationReport) -> None:
        row = {
            "station_id": report.station_id,
            "kind": report.kind,
            "reported_at": report.reported_at,
            "payload": dict(report.payload),
        }
        self._stage(self._sql.insert(tables.station_reports, row))


class TokenRepository(_Repository):
    async def get(self, uid: str) -> IdToken | None:
        t = tables.id_tokens
        row = await self._context.fetch_one(select(t).where(t.c.uid == uid))
        return mapping.token_from_row(row) if row else None

    def add(self, token: IdToken) -> None:
        self._stage(self._sql.insert(tables.id_tokens, mapping.token_row(token)))

    def save(self, token: IdToken) -> None:
        self._stage(self._sql.upsert(tables.id_tokens, mapping.token_row(token)))

    def delete(self, uid: str) -> None:
        self._stage(self._sql.delete(tables.id_tokens, {"uid": uid}))


class TransactionRepository(_Repository):
    async def get(self, station_id: str, transaction_id: str) -> Transaction | None:
        cached: Transaction | None = self._context.transactions.get(station_id, transaction_id)
        if cached is not None:
            self._touched.add(station_id)
            return cached
        t = tables.transactions
        return await self._load(t.c.station_id == station_id, t.c.transaction_id == transaction_id)

    async def by_pk(self, pk: str) -> Transaction | None:
        return await self._load(tables.transactions.c.pk == pk)

    async def by_start_key(self, station_id: str, start_key: str) -> Transaction | None:
        t = tables.transactions
        return await self._load(t.c.station_id == station_id, t.c.start_key == start_key)

    async def _load(self, *criteria: Any) -> Transaction | None:
        t, ev = tables.transactions, tables.transaction_events
        stamp = self._context.transactions.stamp()
        row = await self._context.fetch_one(select(t).where(*criteria))
        if row is None:
            return None
        columns = (ev.c.seq_no, ev.c.timestamp, ev.c.id_token, ev.c.charging_state)
        reported = await self._context.fetch_all(
            select(*columns).where(ev.c.transaction_pk == row["pk"])
        )
        seq_nos = {r["seq_no"] for r in reported if r["seq_no"] is not None}
        transaction = mapping.transaction_from_row(row, seq_nos)
        orders = [((r["timestamp"], r["seq_no"] or 0), r) for r in reported]
        transaction.token_order = min((o for o, r in orders if r["id_token"]), default=None)
        transaction.state_order = max((o for o, r in orders if r["charging_state"]), default=None)
        cache, station_id = self._context.transactions, transaction.station_id
        cache.put_loaded(station_id, transaction.transaction_id, transaction, stamp)
        self._touched.add(station_id)
        return transaction

    def _cache(self, transaction: Transaction) -> None:
        station_id = transaction.station_id
        self._context.transactions.put_saved(station_id, transaction.transaction_id, transaction)
        self._touched.add(station_id)

    async def active_with_token(self, uid: str) -> Sequence[Transaction]:
        t = tables.transactions
        rows = await self._context.fetch_all(
            select(t).where(t.c.id_token == uid, t.c.status == "ACTIVE")
        )
        return [mapping.transaction_from_row(row, set()) for row in rows]

    async def next_legacy_id(self) -> int:
        ids = self._context.legacy_ids
        if ids.next_value >= ids.limit:
            ids.next_value = await _allocate_block(self._context, "legacy_transaction_id")
            ids.limit = ids.next_value + _LEGACY_ID_BLOCK
        ids.next_value += 1
        return ids.next_value - 1

    def add(self, transaction: Transaction) -> None:
        self._stage(self._sql.insert(tables.transactions, mapping.transaction_row(transaction)))
        self._cache(transaction)

    def save(self, transaction: Transaction) -> None:
        self._stage(self._sql.upsert(tables.transactions, mapping.transaction_row(transaction)))
        self._cache(transaction)

    def record_event(self, transaction: Transaction, event: TransactionEvent) -> None:
        key = f"seq:{event.seq_no}" if event.seq_no is not None else event.event_type.value
        row = {
            "transaction_pk": transaction.pk,
            "station_id": transaction.station_id,
            "event_key": key,
            "event_type": event.event_type.value,
            "timestamp": event.timestamp,
            "trigger_reason": event.trigger_reason,
            "seq_no": event.seq_no,
            "offline": event.offline,
            "id_token": event.id_token,
            "charging_state": event.charging_state,
            "stopped_reason": event.stopped_reason,
        }
        self._stage(self._sql.insert_ignore(tables.transaction_events, row))

    def record_samples(
        self,
        transaction: Transaction | None,
        station_id: str,
        evse_id: int,
        samples: Sequence[MeterSample],
    ) -> None:
        pk = transaction.pk if transaction is not None else ""
        for sample in samples:
            row = _sample_row(sample)
            row |= {"station_id": station_id, "evse_id": evse_id, "transaction_pk": pk}
            self._stage(self._sql.insert_ignore(tables.meter_samples, row))

    async def unmetered_since(self, cutoff: datetime) -> Sequence[Transaction]:
        t = tables.transactions
        last = func.coalesce(t.c.last_meter_at, t.c.started_at)
        statement = select(t).where(t.c.status == "ACTIVE", last < cutoff)
        rows = await self._context.fetch_all(statement)
        return [mapping.transaction_from_row(row, set()) for row in rows]


def _sample_row(sample: MeterSample) -> dict[str, Any]:
    return {
        "measured_at": sample.measured_at,
        "measurand": sample.measurand,
        "phase": sample.phase,
        "location": sample.location,
        "context": sample.context,
        "unit": sample.unit,
        "value": sample.value,
        "signed_data": sample.signed_data,
    }


async def _allocate_block(context: StoreContext, name: str) -> int:
    """Reserve the next block of ids in its own short transaction; returns its first id."""
    t: Table = tables.id_allocations
    async with context.engine.begin() as connection:
        result = await connection.execute(
            update(t)
            .where(t.c.name == name)
            .values(next_value=t.c.next_value + _LEGACY_ID_BLOCK)
            .returning(t.c.next_value)
        )
        end = int(result.scalar_one())
    return end - _LEGACY_ID_BLOCK
