"""SQLAlchemy 2 (async) store: tables, migrations, repositories, unit of work, queries.

``Store`` is what bootstrap builds: it owns the engine, the group committer and the caches,
and hands out units of work, the read-side queries and the OCPP message log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from kilowatt.ports import OcppExchange
from kilowatt.store import tables
from kilowatt.store.committer import GroupCommitter
from kilowatt.store.database import create_engine, dialect_of, upgrade_schema
from kilowatt.store.queries import SqlQueries
from kilowatt.store.repositories import StoreContext
from kilowatt.store.unit_of_work import SqlUnitOfWork
from kilowatt.store.writes import Statements

__all__ = ["Store"]


class Store:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engine = create_engine(database_url)
        self.context = StoreContext(self.engine, Statements(dialect_of(database_url)))
        # SQLite has one writer at a time; PostgreSQL overlaps a commit with the next round.
        workers = 1 if dialect_of(database_url) == "sqlite" else 3
        self.committer = GroupCommitter(self.engine, workers=workers)
        self.queries = SqlQueries(self.context)

    async def start(self, *, migrate: bool = True) -> None:
        if migrate:
            await upgrade_schema(self.database_url)
        await self.committer.start()

    async def close(self) -> None:
        await self.committer.stop()
        await self.engine.dispose()

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.context, self.committer)

    def record(self, exchange: OcppExchange) -> None:
        """The OCPP message log (ports.MessageLog): queued, committed with the next group."""
        row = {
            "station_id": exchange.station_id,
            "message_id": exchange.message_id[:36],
            "direction": exchange.direction,
            "action": exchange.action,
            "request": exchange.request,
            "response": exchange.response,
            "error_code": exchange.error_code,
            "received_at": exchange.received_at,
            "duration_us": exchange.duration_us,
        }
        self.committer.submit([self.context.statements.insert(tables.ocpp_messages, row)])

    async def prune(self, before: datetime) -> int:
        """Forget OCPP exchanges received before ``before`` (bounded retention)."""
        t = tables.ocpp_messages
        async with self.engine.begin() as connection:
            result = await connection.execute(delete(t).where(t.c.received_at < before))
        return int(result.rowcount)
