"""Roaming in the store (issue 6): the partner registry and the read side of the OCPI Sender
modules (pages with their total count, filtered on ``last_updated``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select

from kilowatt.domain.locations import ChargingStation, Location
from kilowatt.domain.roaming import (
    Endpoint,
    InterfaceRole,
    Partner,
    PartnerRole,
    PartnerStatus,
    PartyRole,
)
from kilowatt.domain.tariff_selection import OfferedTariff
from kilowatt.domain.tokens import IdToken
from kilowatt.ports import OcpiPage, OcpiPush, UpdatedWindow
from kilowatt.store import mapping, tables
from kilowatt.store.billing import offer_from_row
from kilowatt.store.committer import GroupCommitter
from kilowatt.store.queries import SqlQueries
from kilowatt.store.repositories import StoreContext

__all__ = ["SqlPartnerRegistry", "SqlPushOutbox", "SqlRoamingReads", "SqlRoamingReservations"]


class SqlPartnerRegistry:
    """ports.PartnerRegistry: each save is committed (through the group committer) at once."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def get(self, partner_id: str) -> Partner | None:
        t = tables.roaming_partners
        row = await self._context.fetch_one(select(t).where(t.c.id == partner_id))
        return _partner(row) if row else None

    async def by_token(self, digest: str) -> Partner | None:
        t = tables.roaming_partners
        row = await self._context.fetch_one(select(t).where(t.c.our_token_digest == digest))
        return _partner(row) if row else None

    async def all(self) -> Sequence[Partner]:
        t = tables.roaming_partners
        statement = select(t).order_by(t.c.created_at, t.c.id)
        return [_partner(row) for row in await self._context.fetch_all(statement)]

    async def save(self, partner: Partner) -> None:
        write = self._context.statements.upsert(tables.roaming_partners, _partner_row(partner))
        await self._committer.commit([write])


class SqlRoamingReservations:
    """ports.RoamingReservations."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def ours(self, partner_id: str, reservation_id: str) -> int | None:
        t = tables.ocpi_reservations
        statement = select(t.c.our_reservation_id).where(
            t.c.partner_id == partner_id, t.c.reservation_id == reservation_id
        )
        row = await self._context.fetch_one(statement)
        return int(row["our_reservation_id"]) if row else None

    async def keep(self, partner_id: str, reservation_id: str, our_id: int, at: datetime) -> None:
        row = {
            "partner_id": partner_id,
            "reservation_id": reservation_id,
            "our_reservation_id": our_id,
            "created_at": at,
        }
        await self._committer.commit(
            [self._context.statements.upsert(tables.ocpi_reservations, row)]
        )


class SqlPushOutbox:
    """ports.PushOutbox: rows get their ``seq`` from the database, in the order added."""

    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer

    async def add(self, pushes: Sequence[OcpiPush]) -> None:
        if pushes:
            table, statements = tables.ocpi_pushes, self._context.statements
            await self._committer.commit([statements.insert(table, _push_row(p)) for p in pushes])

    async def due(self, now: datetime, limit: int) -> Sequence[OcpiPush]:
        t, earlier = tables.ocpi_pushes, tables.ocpi_pushes.alias("earlier")
        blocked = exists().where(
            and_(
                earlier.c.partner_id == t.c.partner_id,
                earlier.c.object_key == t.c.object_key,
                earlier.c.seq < t.c.seq,
                earlier.c.next_attempt_at.is_not(None),
            )
        )
        statement = select(t).where(t.c.next_attempt_at <= now, ~blocked)
        rows = await self._context.fetch_all(statement.order_by(t.c.seq).limit(limit))
        return [OcpiPush(**row) for row in rows]

    async def save(self, push: OcpiPush) -> None:
        key = {"seq": push.seq}
        values = {
            "attempts": push.attempts,
            "next_attempt_at": push.next_attempt_at,
            "delivered_at": push.delivered_at,
            "last_error": push.last_error,
        }
        write = self._context.statements.update(tables.ocpi_pushes, key, values)
        await self._committer.commit([write])

    async def latest(self, partner_id: str, object_keys: Sequence[str]) -> Mapping[str, datetime]:
        t, found = tables.ocpi_pushes, {}
        for start in range(0, len(object_keys), 500):  # bounded IN lists
            chunk = list(object_keys[start : start + 500])
            statement = (
                select(t.c.object_key, func.max(t.c.created_at).label("at"))
                .where(t.c.partner_id == partner_id, t.c.object_key.in_(chunk))
                .group_by(t.c.object_key)
            )
            rows = await self._context.fetch_all(statement)
            found.update({row["object_key"]: row["at"] for row in rows})
        return found


class SqlRoamingReads:
    """ports.RoamingReads over the tables the operator API writes."""

    def __init__(self, context: StoreContext, queries: SqlQueries) -> None:
        self._context = context
        self._queries = queries

    async def published_locations(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[Location]:
        t = tables.locations
        statement = _within(select(t).where(t.c.publish.is_(True)), t.c.updated_at, window)
        rows, total = await self._page(statement.order_by(t.c.id), limit, offset)
        return OcpiPage([mapping.location_from_row(row) for row in rows], total)

    async def location_stations(self, location_id: str) -> Sequence[ChargingStation]:
        return await self._queries.stations(location_id=location_id, limit=10_000, offset=0)

    async def session_keys(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[tuple[str, str]]:
        t = tables.transactions
        statement = _within(select(t.c.station_id, t.c.transaction_id), t.c.updated_at, window)
        rows, total = await self._page(statement.order_by(t.c.updated_at, t.c.pk), limit, offset)
        return OcpiPage([(row["station_id"], row["transaction_id"]) for row in rows], total)

    async def cdr_bodies(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[Mapping[str, Any]]:
        t = tables.cdrs
        statement = _within(select(t.c.body), t.c.last_updated, window)
        statement = statement.order_by(t.c.last_updated, t.c.id)
        rows, total = await self._page(statement, limit, offset)
        return OcpiPage([row["body"] for row in rows], total)

    async def tariff_page(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[OfferedTariff]:
        t = tables.tariffs
        statement = _within(select(t), t.c.last_updated, window).order_by(t.c.id)
        rows, total = await self._page(statement, limit, offset)
        return OcpiPage([offer_from_row(row) for row in rows], total)

    async def driver_token_page(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[IdToken]:
        t, link = tables.id_tokens, tables.driver_tokens
        statement = select(t).join(link, link.c.token_uid == t.c.uid)
        statement = _within(statement, t.c.updated_at, window).order_by(t.c.updated_at, t.c.uid)
        rows, total = await self._page(statement, limit, offset)
        return OcpiPage([mapping.token_from_row(row) for row in rows], total)

    async def driver_token(self, uid: str) -> IdToken | None:
        t, link = tables.id_tokens, tables.driver_tokens
        statement = select(t).join(link, link.c.token_uid == t.c.uid).where(t.c.uid == uid)
        row = await self._context.fetch_one(statement)
        return None if row is None else mapping.token_from_row(row)

    async def _page(
        self, statement: Select[Any], limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        count = select(func.count().label("n")).select_from(statement.order_by(None).subquery())
        counted = await self._context.fetch_one(count)
        total = int(counted["n"]) if counted else 0
        rows = await self._context.fetch_all(statement.limit(limit).offset(offset))
        return rows, total


def _within(statement: Select[Any], column: ColumnElement[Any], window: UpdatedWindow) -> Any:
    if window.date_from is not None:
        statement = statement.where(column >= window.date_from)
    if window.date_to is not None:
        statement = statement.where(column < window.date_to)
    return statement


def _push_row(push: OcpiPush) -> dict[str, Any]:
    names = (n for n in OcpiPush.__dataclass_fields__ if n != "seq")
    return {name: getattr(push, name) for name in names}


def _partner(row: dict[str, Any]) -> Partner:
    return Partner(
        id=row["id"],
        status=PartnerStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        our_token_digest=row["our_token_digest"],
        their_token=row["their_token"],
        versions_url=row["versions_url"],
        version=row["version"],
        roles=tuple(
            PartnerRole(PartyRole(r["role"]), r["country_code"], r["party_id"], r["details"])
            for r in row["roles"]
        ),
        endpoints=tuple(
            Endpoint(e["identifier"], InterfaceRole(e["role"]), e["url"]) for e in row["endpoints"]
        ),
    )


def _partner_row(partner: Partner) -> dict[str, Any]:
    first = partner.roles[0] if partner.roles else None
    return {
        "id": partner.id,
        "status": partner.status.value,
        "our_token_digest": partner.our_token_digest,
        "their_token": partner.their_token,
        "versions_url": partner.versions_url,
        "version": partner.version,
        "country_code": first.country_code if first else None,
        "party_id": first.party_id if first else None,
        "role": first.role.value if first else None,
        "roles": [
            {
                "role": r.role.value,
                "country_code": r.country_code,
                "party_id": r.party_id,
                "details": r.business_details,
            }
            for r in partner.roles
        ],
        "endpoints": [
            {"identifier": e.identifier, "role": e.role.value, "url": e.url}
            for e in partner.endpoints
        ],
        "created_at": partner.created_at,
        "updated_at": partner.updated_at,
    }
