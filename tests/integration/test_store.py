"""The store on SQLite and PostgreSQL: migrations match the tables, group commit makes many
units of work durable together, and one bad unit of work fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from kilowatt.domain.locations import ChargingStation, RegistrationStatus
from kilowatt.domain.tokens import IdToken, TokenType
from kilowatt.store import Store, tables

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    running = Store(database_url)
    await running.start(migrate=False)
    try:
        yield running
    finally:
        await running.close()


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, tables.metadata))


async def test_the_migrations_create_exactly_the_tables_of_the_code(store: Store) -> None:
    async with store.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


def _token(uid: str) -> IdToken:
    return IdToken(uid=uid, type=TokenType.RFID, created_at=NOW, updated_at=NOW)


async def _count(store: Store, table: Any) -> int:
    async with store.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(table))).scalar_one()


async def test_concurrent_units_of_work_are_all_committed(store: Store) -> None:
    async def add(uid: str) -> None:
        async with store.unit_of_work() as uow:
            uow.tokens.add(_token(uid))
            await uow.commit()

    await asyncio.gather(*(add(f"TAG{n:04d}") for n in range(200)))
    assert await _count(store, tables.id_tokens) == 200


async def test_a_failing_unit_of_work_fails_alone(store: Store) -> None:
    async with store.unit_of_work() as uow:
        uow.tokens.add(_token("TAKEN"))
        await uow.commit()

    async def add(uid: str) -> str:
        async with store.unit_of_work() as uow:
            uow.tokens.add(_token(uid))
            await uow.commit()
        return uid

    outcomes = await asyncio.gather(
        add("FRESH1"), add("TAKEN"), add("FRESH2"), return_exceptions=True
    )
    assert outcomes[0] == "FRESH1" and outcomes[2] == "FRESH2"
    assert isinstance(outcomes[1], Exception)
    assert await _count(store, tables.id_tokens) == 3


async def test_leaving_without_commit_writes_nothing(store: Store) -> None:
    async with store.unit_of_work() as uow:
        uow.tokens.add(_token("NEVER"))
    assert await _count(store, tables.id_tokens) == 0


async def test_a_station_round_trips_with_its_times_in_utc(store: Store) -> None:
    station = ChargingStation(
        id="CP-1",
        password_hash=None,
        registration_status=RegistrationStatus.PENDING,
        created_at=NOW,
        updated_at=NOW,
        security_profile=0,
    )
    async with store.unit_of_work() as uow:
        uow.stations.add(station)
        await uow.commit()
    uow.stations.forget_cached("CP-1")
    async with store.unit_of_work() as uow:
        loaded = await uow.stations.get("CP-1")
    assert loaded is not None and loaded is not station
    assert loaded.created_at == NOW and loaded.created_at.tzinfo is not None
    assert loaded.registration_status is RegistrationStatus.PENDING


async def test_legacy_transaction_ids_are_unique_across_stores(database_url: str) -> None:
    first, second = Store(database_url), Store(database_url)
    await first.start(migrate=False)
    await second.start(migrate=False)
    try:
        ids = []
        for _ in range(150):
            for store in (first, second):
                async with store.unit_of_work() as uow:
                    ids.append(await uow.transactions.next_legacy_id())
    finally:
        await first.close()
        await second.close()
    assert len(set(ids)) == len(ids) == 300
    assert all(0 < value < 2**31 for value in ids)


async def test_a_naive_time_is_refused_before_it_reaches_the_database(store: Store) -> None:
    naive = datetime(2026, 3, 1, 9, 0)
    with pytest.raises(Exception, match="naive datetime"):
        async with store.unit_of_work() as uow:
            uow.tokens.add(IdToken(uid="T", type=TokenType.RFID, created_at=naive, updated_at=NOW))
            await uow.commit()
    assert await _count(store, tables.id_tokens) == 0


def _station(station_id: str) -> ChargingStation:
    return ChargingStation(
        id=station_id,
        password_hash=None,
        registration_status=RegistrationStatus.PENDING,
        created_at=NOW,
        updated_at=NOW,
        security_profile=0,
    )


async def test_a_unit_of_work_that_only_reads_keeps_the_cache_one_that_fails_drops_it(
    store: Store,
) -> None:
    async with store.unit_of_work() as uow:
        uow.stations.add(_station("CP-2"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        cached = await uow.stations.get("CP-2")
    async with store.unit_of_work() as uow:
        assert await uow.stations.get("CP-2") is cached  # a reader does not drop it

    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:
            station = await uow.stations.get("CP-2")
            assert station is not None
            station.registration_status = RegistrationStatus.REJECTED
            raise RuntimeError("the change is never saved")
    async with store.unit_of_work() as uow:
        reloaded = await uow.stations.get("CP-2")
    assert reloaded is not None and reloaded is not cached
    assert reloaded.registration_status is RegistrationStatus.PENDING


async def test_a_row_loaded_while_a_commit_was_under_way_is_not_cached(store: Store) -> None:
    """A reader may load a row before a commit of its station is durable; caching that copy
    would hand the next reader (the CDR after TransactionEnded) a state gone by."""
    async with store.unit_of_work() as uow:
        uow.stations.add(_station("CP-3"))
        await uow.commit()
    cache = store.context.stations
    cache.forget_station("CP-3")
    reader_began = cache.stamp()  # a reader starts loading CP-3, still Pending in the database
    stale = _station("CP-3")  # what the reader will get: Pending
    async with store.unit_of_work() as uow:  # meanwhile a writer changes CP-3
        station = await uow.stations.get("CP-3")
        assert station is not None
        station.registration_status = RegistrationStatus.ACCEPTED
        uow.stations.save(station)
        assert not cache.put_loaded("CP-3", "", stale, reader_began)  # saved, not yet durable
        during = asyncio.create_task(uow.commit())
        await asyncio.sleep(0)  # the commit is under way: even a load begun now may be stale
        assert not cache.put_loaded("CP-3", "", stale, cache.stamp())
        await during
    assert not cache.put_loaded("CP-3", "", stale, reader_began)
    assert cache.get("CP-3", "") is station
    async with store.unit_of_work() as uow:
        now_read = await uow.stations.get("CP-3")
    assert now_read is not None and now_read.registration_status is RegistrationStatus.ACCEPTED
