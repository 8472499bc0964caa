"""Staged writes: what a unit of work will do to the database once it commits.

A ``Write`` is a statement and its parameters. The group committer executes the writes of
many units of work in one database transaction, grouping equal statements into one
``executemany``; ``rank`` keeps parents before children (and deletes before inserts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Delete, Insert, Update

from kilowatt.store.tables import metadata

__all__ = ["Statements", "Write"]

_RANK = {table.name: rank for rank, table in enumerate(metadata.sorted_tables)}


@dataclass(frozen=True, slots=True)
class Write:
    rank: int
    statement: Insert | Update | Delete
    params: dict[str, Any]


class Statements:
    """Builds (once) the statements of one SQL dialect and wraps parameters into writes."""

    def __init__(self, dialect: str) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database dialect {dialect!r}")
        self.dialect = dialect

    def insert(self, table: Table, params: dict[str, Any]) -> Write:
        return Write(_RANK[table.name], _insert(table), params)

    def insert_ignore(self, table: Table, params: dict[str, Any]) -> Write:
        """Insert unless a row with the same key already exists (idempotent inserts)."""
        return Write(_RANK[table.name], _insert_ignore(self.dialect, table), params)

    def upsert(self, table: Table, params: dict[str, Any]) -> Write:
        """Insert, or overwrite every column of the row with the same primary key."""
        return Write(_RANK[table.name], _upsert(self.dialect, table), params)

    def update(self, table: Table, key: dict[str, Any], values: dict[str, Any]) -> Write:
        statement = _update(table, tuple(sorted(key)), tuple(sorted(values)))
        params = {f"k_{k}": v for k, v in key.items()} | {f"v_{k}": v for k, v in values.items()}
        return Write(_RANK[table.name], statement, params)

    def delete(self, table: Table, key: dict[str, Any]) -> Write:
        statement = _delete(table, tuple(sorted(key)))
        return Write(-1 - _RANK[table.name], statement, {f"k_{k}": v for k, v in key.items()})


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


def _dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


@cache
def _insert_ignore(dialect: str, table: Table) -> Insert:
    return _dialect_insert(dialect, table).on_conflict_do_nothing()


@cache
def _upsert(dialect: str, table: Table) -> Insert:
    statement = _dialect_insert(dialect, table)
    keys = [column.name for column in table.primary_key.columns]
    values = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=values)


@cache
def _update(table: Table, keys: tuple[str, ...], values: tuple[str, ...]) -> Update:
    statement = update(table)
    for key in keys:
        statement = statement.where(table.c[key] == bindparam(f"k_{key}"))
    return statement.values({name: bindparam(f"v_{name}") for name in values})


@cache
def _delete(table: Table, keys: tuple[str, ...]) -> Delete:
    statement = delete(table)
    for key in keys:
        statement = statement.where(table.c[key] == bindparam(f"k_{key}"))
    return statement
