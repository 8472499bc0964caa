"""Roaming in the store, eMSP role (issue 6): partner CPOs' objects kept as their OCPI JSON
with indexed columns, and the commands we sent them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, Table, func, select

from kilowatt.domain.roaming_objects import (
    ObjectKey,
    ReceivedModule,
    ReceivedObject,
    SentCommand,
)
from kilowatt.ports import OcpiPage
from kilowatt.store import tables
from kilowatt.store.committer import GroupCommitter
from kilowatt.store.repositories import StoreContext

__all__ = ["SqlReceivedObjects", "SqlSentCommands"]


def _location_columns(body: dict[str, Any]) -> dict[str, Any]:
    coordinates = body["coordinates"]
    return {
        "latitude": float(coordinates["latitude"]),
        "longitude": float(coordinates["longitude"]),
        "publish": bool(body["publish"]),
    }


def _session_columns(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": str(body["status"]),
        "token_uid": str(body["cdr_token"]["uid"])[:36],
        "location_id": str(body["location_id"])[:36],
    }


def _cdr_columns(body: dict[str, Any]) -> dict[str, Any]:
    session_id = body.get("session_id")
    return {
        "session_id": None if session_id is None else str(session_id)[:36],
        "token_uid": str(body["cdr_token"]["uid"])[:36],
    }


def _tariff_columns(body: dict[str, Any]) -> dict[str, Any]:
    return {"currency": str(body["currency"])[:3]}


_TABLES: dict[ReceivedModule, tuple[Table, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    ReceivedModule.LOCATIONS: (tables.emsp_locations, _location_columns),
    ReceivedModule.SESSIONS: (tables.emsp_sessions, _session_columns),
    ReceivedModule.CDRS: (tables.emsp_cdrs, _cdr_columns),
    ReceivedModule.TARIFFS: (tables.emsp_tariffs, _tariff_columns),
}


class SqlReceivedObjects:
    """ports.ReceivedObjects: one row per object; a put is a single upsert (never half-written)."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def get(self, module: ReceivedModule, key: ObjectKey) -> ReceivedObject | None:
        table = _TABLES[module][0]
        statement = select(table).where(
            table.c.country_code == key.country_code,
            table.c.party_id == key.party_id,
            table.c.id == key.id,
        )
        row = await self._context.fetch_one(statement)
        return None if row is None else _received(module, row)

    async def put(self, item: ReceivedObject) -> None:
        table, columns = _TABLES[item.module]
        row = {
            "country_code": item.key.country_code,
            "party_id": item.key.party_id,
            "id": item.key.id,
            "partner_id": item.partner_id,
            "body": item.body,
            "last_updated": item.last_updated,
        }
        write = self._context.statements.upsert(table, row | columns(item.body))
        await self._committer.commit([write])

    async def delete(self, module: ReceivedModule, key: ObjectKey) -> None:
        table = _TABLES[module][0]
        keys = {"country_code": key.country_code, "party_id": key.party_id, "id": key.id}
        await self._committer.commit([self._context.statements.delete(table, keys)])

    async def page(
        self,
        module: ReceivedModule,
        partner_id: str | None,
        *,
        limit: int,
        offset: int,
        published_only: bool = False,
    ) -> OcpiPage[ReceivedObject]:
        table = _TABLES[module][0]
        statement = select(table)
        if partner_id is not None:
            statement = statement.where(table.c.partner_id == partner_id)
        if published_only:
            statement = statement.where(table.c.publish.is_(True))
        ordered = statement.order_by(table.c.country_code, table.c.party_id, table.c.id)
        return await self._page(module, ordered, limit, offset)

    async def cdr_of_session(self, session: ObjectKey) -> ReceivedObject | None:
        t = tables.emsp_cdrs
        statement = select(t).where(
            t.c.country_code == session.country_code,
            t.c.party_id == session.party_id,
            t.c.session_id == session.id,
        )
        row = await self._context.fetch_one(statement.order_by(t.c.last_updated.desc()).limit(1))
        return None if row is None else _received(ReceivedModule.CDRS, row)

    async def of_tokens(
        self,
        module: ReceivedModule,
        token_uids: Sequence[str],
        *,
        limit: int,
        offset: int,
        object_id: str | None = None,
    ) -> OcpiPage[ReceivedObject]:
        table = _TABLES[module][0]
        statement = select(table).where(table.c.token_uid.in_(list(token_uids)))
        if object_id is not None:
            statement = statement.where(table.c.id == object_id)
        ordered = statement.order_by(table.c.last_updated.desc(), table.c.id)
        return await self._page(module, ordered, limit, offset)

    async def _page(
        self, module: ReceivedModule, ordered: Select[Any], limit: int, offset: int
    ) -> OcpiPage[ReceivedObject]:
        count = select(func.count().label("n")).select_from(ordered.order_by(None).subquery())
        counted = await self._context.fetch_one(count)
        rows = await self._context.fetch_all(ordered.limit(limit).offset(offset))
        total = int(counted["n"]) if counted else 0
        return OcpiPage([_received(module, row) for row in rows], total)


def _received(module: ReceivedModule, row: dict[str, Any]) -> ReceivedObject:
    key = ObjectKey(row["country_code"], row["party_id"], row["id"])
    return ReceivedObject(module, key, row["partner_id"], row["body"], row["last_updated"])


_COMMAND_FIELDS = tuple(SentCommand.__dataclass_fields__)


class SqlSentCommands:
    """ports.SentCommands."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def get(self, command_id: str) -> SentCommand | None:
        t = tables.emsp_commands
        row = await self._context.fetch_one(select(t).where(t.c.id == command_id))
        return None if row is None else SentCommand(**row)

    async def save(self, command: SentCommand) -> None:
        row = {name: getattr(command, name) for name in _COMMAND_FIELDS}
        write = self._context.statements.upsert(tables.emsp_commands, row)
        await self._committer.commit([write])
