"""Alembic environment: runs migrations on the async engine named by the config's URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from kilowatt.store.tables import metadata

config = context.config


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_migrate)
        await connection.commit()
    await engine.dispose()


def _run_in_new_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run())
        return
    raise RuntimeError("run Alembic migrations from a thread without an event loop")


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
_run_in_new_loop()
