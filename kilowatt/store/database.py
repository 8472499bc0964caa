"""Engines and schema migrations for the two supported databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["create_engine", "dialect_of", "upgrade_schema"]

_MIGRATIONS = Path(__file__).parent / "migrations"


def dialect_of(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine; SQLite gets WAL journaling and enforced foreign keys."""
    dialect = dialect_of(database_url)
    if dialect == "sqlite":
        engine = create_async_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if dialect == "postgresql":
        return create_async_engine(database_url, pool_size=pool_size, max_overflow=pool_size)
    raise ValueError(
        f"unsupported database {dialect!r}: use sqlite+aiosqlite or postgresql+asyncpg"
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


async def upgrade_schema(database_url: str) -> None:
    """Bring the schema up to the latest migration (run in a thread: Alembic is synchronous)."""
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")
