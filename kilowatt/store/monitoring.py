"""Monitoring in the store (issue 4): alerts, outages, the webhook outbox, maintenance windows;
their repositories (write side) and ``MonitoringReads`` (read side, mixed into SqlQueries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from kilowatt.domain.alerts import Alert, AlertKind, AlertState
from kilowatt.domain.availability import MaintenanceWindow, Period
from kilowatt.domain.tickets import Comment, Ticket, TicketState
from kilowatt.ports import (
    ConnectorStatusReport,
    EvseRef,
    MessageFilter,
    OcppExchange,
    Outage,
    SilentStation,
    WebhookDelivery,
)
from kilowatt.store import tables
from kilowatt.store.repositories import StoreContext, _Repository

__all__ = [
    "AlertRepository",
    "MaintenanceRepository",
    "MonitoringReads",
    "OutageRepository",
    "TicketRepository",
    "WebhookOutbox",
]

_ACTIVE = (AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value)


class AlertRepository(_Repository):
    async def get(self, alert_id: str) -> Alert | None:
        t = tables.alerts
        row = await self._context.fetch_one(select(t).where(t.c.id == alert_id))
        return _alert(row) if row else None

    async def active(self, kind: AlertKind, station_id: str | None = None) -> Sequence[Alert]:
        t = tables.alerts
        statement = select(t).where(t.c.kind == kind.value, t.c.state.in_(_ACTIVE))
        if station_id is not None:
            statement = statement.where(t.c.station_id == station_id)
        return [_alert(row) for row in await self._context.fetch_all(statement)]

    def add(self, alert: Alert) -> None:
        # insert-or-ignore on active_key: two processes raising the same alert keep one
        self._stage(self._sql.insert_ignore(tables.alerts, _alert_row(alert)))

    def save(self, alert: Alert) -> None:
        self._stage(self._sql.upsert(tables.alerts, _alert_row(alert)))


class OutageRepository(_Repository):
    async def silent_stations(self, cutoff: datetime) -> Sequence[SilentStation]:
        """Last seen: the latest Heartbeat/BootNotification or message from the station (a
        busy 2.0.1 station sends heartbeats only when it has nothing else to say)."""
        t, m = tables.charging_stations, tables.ocpp_messages
        last_message = (
            select(func.max(m.c.received_at))
            .where(m.c.station_id == t.c.id, m.c.direction == "in")
            .scalar_subquery()
        )
        statement = select(t.c.id, t.c.last_heartbeat_at, last_message.label("last_message_at"))
        statement = statement.where(t.c.last_heartbeat_at < cutoff)
        silent = []
        for row in await self._context.fetch_all(statement):
            seen = max(row["last_heartbeat_at"], row["last_message_at"] or row["last_heartbeat_at"])
            if seen < cutoff:
                silent.append(SilentStation(row["id"], seen))
        return silent

    async def open_outages(self) -> Sequence[Outage]:
        t = tables.station_outages
        rows = await self._context.fetch_all(select(t).where(t.c.ended_at.is_(None)))
        return [Outage(**row) for row in rows]

    def save(self, outage: Outage) -> None:
        row = {name: getattr(outage, name) for name in Outage.__dataclass_fields__}
        self._stage(self._sql.upsert(tables.station_outages, row))


class WebhookOutbox(_Repository):
    def add(self, delivery: WebhookDelivery) -> None:
        self._stage(self._sql.insert(tables.webhook_deliveries, _delivery_row(delivery)))

    async def due(self, now: datetime, limit: int) -> Sequence[WebhookDelivery]:
        t = tables.webhook_deliveries
        statement = select(t).where(t.c.next_attempt_at <= now)
        statement = statement.order_by(t.c.next_attempt_at, t.c.created_at).limit(limit)
        return [WebhookDelivery(**row) for row in await self._context.fetch_all(statement)]

    def save(self, delivery: WebhookDelivery) -> None:
        self._stage(self._sql.upsert(tables.webhook_deliveries, _delivery_row(delivery)))


class MaintenanceRepository(_Repository):
    async def get(self, window_id: str) -> MaintenanceWindow | None:
        t = tables.maintenance_windows
        row = await self._context.fetch_one(select(t).where(t.c.id == window_id))
        return _window(row) if row else None

    def add(self, window: MaintenanceWindow) -> None:
        self._stage(self._sql.insert(tables.maintenance_windows, _window_row(window)))

    def save(self, window: MaintenanceWindow) -> None:
        self._stage(self._sql.upsert(tables.maintenance_windows, _window_row(window)))

    def delete(self, window_id: str) -> None:
        self._stage(self._sql.delete(tables.maintenance_windows, {"id": window_id}))


class TicketRepository(_Repository):
    async def get(self, ticket_id: str) -> Ticket | None:
        t, c = tables.tickets, tables.ticket_comments
        row = await self._context.fetch_one(select(t).where(t.c.id == ticket_id))
        if row is None:
            return None
        statement = select(c).where(c.c.ticket_id == ticket_id).order_by(c.c.created_at, c.c.id)
        comments = [_comment(r) for r in await self._context.fetch_all(statement)]
        return _ticket(row, comments)

    def add(self, ticket: Ticket) -> None:
        self._stage(self._sql.insert(tables.tickets, _ticket_row(ticket)))
        self._stage_comments(ticket)

    def save(self, ticket: Ticket) -> None:
        self._stage(self._sql.upsert(tables.tickets, _ticket_row(ticket)))
        self._stage_comments(ticket)

    def _stage_comments(self, ticket: Ticket) -> None:
        for comment in ticket.comments:  # comments never change: the stored ones are ignored
            row: dict[str, Any] = {"id": comment.id, "ticket_id": ticket.id}
            row |= {"author": comment.author, "body": comment.body}
            row |= {"created_at": comment.created_at}
            self._stage(self._sql.insert_ignore(tables.ticket_comments, row))


class MonitoringReads:
    """The monitoring part of ports.Queries (and all of ports.AvailabilityHistory)."""

    _context: StoreContext

    async def filtered_messages(
        self, station_id: str, where: MessageFilter, *, limit: int, offset: int
    ) -> Sequence[OcppExchange]:
        t = tables.ocpp_messages
        statement = select(t).where(t.c.station_id == station_id)
        for column, value in ((t.c.action, where.action), (t.c.direction, where.direction)):
            if value is not None:
                statement = statement.where(column == value)
        if where.errors_only:
            statement = statement.where(t.c.error_code.is_not(None))
        if where.since is not None:
            statement = statement.where(t.c.received_at >= where.since)
        if where.until is not None:
            statement = statement.where(t.c.received_at < where.until)
        statement = statement.order_by(t.c.received_at.desc(), t.c.id.desc())
        rows = await self._page(statement, limit, offset)
        return [OcppExchange(**{k: v for k, v in row.items() if k != "id"}) for row in rows]

    async def alerts(
        self,
        *,
        state: str | None,
        kind: str | None,
        station_id: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[Alert]:
        t = tables.alerts
        statement = select(t).order_by(t.c.opened_at.desc(), t.c.id)
        for column, value in ((t.c.state, state), (t.c.kind, kind), (t.c.station_id, station_id)):
            if value is not None:
                statement = statement.where(column == value)
        return [_alert(row) for row in await self._page(statement, limit, offset)]

    async def alert(self, alert_id: str) -> Alert | None:
        t = tables.alerts
        row = await self._context.fetch_one(select(t).where(t.c.id == alert_id))
        return _alert(row) if row else None

    async def evses(
        self, *, location_id: str | None, station_id: str | None, evse_id: int | None
    ) -> Sequence[EvseRef]:
        e, s = tables.evses, tables.charging_stations
        statement = select(e.c.station_id, e.c.evse_id).order_by(e.c.station_id, e.c.evse_id)
        if location_id is not None:
            statement = statement.join(s, s.c.id == e.c.station_id)
            statement = statement.where(s.c.location_id == location_id)
        if station_id is not None:
            statement = statement.where(e.c.station_id == station_id)
        if evse_id is not None:
            statement = statement.where(e.c.evse_id == evse_id)
        rows = await self._context.fetch_all(statement)
        return [EvseRef(row["station_id"], row["evse_id"]) for row in rows]

    async def status_changes(
        self, station_id: str, period: Period
    ) -> Sequence[ConnectorStatusReport]:
        t = tables.status_history
        of_station = t.c.station_id == station_id
        latest = (
            select(t.c.evse_id, t.c.connector_id, func.max(t.c.reported_at).label("at"))
            .where(of_station, t.c.reported_at < period.start)
            .group_by(t.c.evse_id, t.c.connector_id)
            .subquery()
        )
        initial = select(t).join(
            latest,
            and_(
                t.c.evse_id == latest.c.evse_id,
                t.c.connector_id == latest.c.connector_id,
                t.c.reported_at == latest.c.at,
            ),
        )
        within = select(t).where(t.c.reported_at >= period.start, t.c.reported_at < period.end)
        rows = await self._context.fetch_all(initial.where(of_station))
        rows += await self._context.fetch_all(within.where(of_station))
        rows.sort(key=lambda row: (row["reported_at"], row["id"]))
        return [ConnectorStatusReport(**{k: v for k, v in r.items() if k != "id"}) for r in rows]

    async def outages(self, station_id: str, period: Period) -> Sequence[Outage]:
        t = tables.station_outages
        statement = select(t).where(
            t.c.station_id == station_id,
            t.c.started_at < period.end,
            or_(t.c.ended_at.is_(None), t.c.ended_at > period.start),
        )
        return [Outage(**row) for row in await self._context.fetch_all(statement)]

    async def maintenance_windows(
        self, station_id: str | None, period: Period
    ) -> Sequence[MaintenanceWindow]:
        t = tables.maintenance_windows
        overlap = and_(t.c.starts_at < period.end, t.c.ends_at > period.start)
        statement = select(t).where(overlap).order_by(t.c.starts_at, t.c.id)
        if station_id is not None:
            statement = statement.where(t.c.station_id == station_id)
        return [_window(row) for row in await self._context.fetch_all(statement)]

    async def tickets(
        self,
        *,
        state: str | None,
        station_id: str | None,
        assignee: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[Ticket]:
        t = tables.tickets
        statement = select(t).order_by(t.c.created_at.desc(), t.c.id)
        for column, value in (
            (t.c.state, state),
            (t.c.station_id, station_id),
            (t.c.assignee, assignee),
        ):
            if value is not None:
                statement = statement.where(column == value)
        return [_ticket(row, []) for row in await self._page(statement, limit, offset)]

    async def offline_since(self, station_id: str) -> datetime | None:
        t = tables.station_outages
        statement = select(t.c.started_at).where(
            t.c.station_id == station_id, t.c.ended_at.is_(None)
        )
        row = await self._context.fetch_one(statement)
        return row["started_at"] if row else None

    async def _page(self, statement: Select[Any], limit: int, offset: int) -> list[dict[str, Any]]:
        return await self._context.fetch_all(statement.limit(limit).offset(offset))


def _alert(row: dict[str, Any]) -> Alert:
    values = {k: v for k, v in row.items() if k != "active_key"}
    values |= {"kind": AlertKind(row["kind"]), "state": AlertState(row["state"])}
    return Alert(**values)


def _alert_row(alert: Alert) -> dict[str, Any]:
    row = {name: getattr(alert, name) for name in Alert.__dataclass_fields__}
    row |= {"kind": alert.kind.value, "state": alert.state.value}
    return row | {"active_key": alert.active_key if alert.active else None}


def _delivery_row(delivery: WebhookDelivery) -> dict[str, Any]:
    return {name: getattr(delivery, name) for name in WebhookDelivery.__dataclass_fields__}


def _window(row: dict[str, Any]) -> MaintenanceWindow:
    return MaintenanceWindow(
        id=row["id"],
        station_id=row["station_id"],
        evse_id=row["evse_id"],
        period=Period(row["starts_at"], row["ends_at"]),
        reason=row["reason"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def _window_row(window: MaintenanceWindow) -> dict[str, Any]:
    return {
        "id": window.id,
        "station_id": window.station_id,
        "evse_id": window.evse_id,
        "starts_at": window.period.start,
        "ends_at": window.period.end,
        "reason": window.reason,
        "created_by": window.created_by,
        "created_at": window.created_at,
    }


def _ticket(row: dict[str, Any], comments: list[Comment]) -> Ticket:
    return Ticket(**row | {"state": TicketState(row["state"]), "comments": comments})


def _ticket_row(ticket: Ticket) -> dict[str, Any]:
    names = (n for n in Ticket.__dataclass_fields__ if n != "comments")
    return {n: getattr(ticket, n) for n in names} | {"state": ticket.state.value}


def _comment(row: dict[str, Any]) -> Comment:
    return Comment(row["id"], row["author"], row["body"], row["created_at"])
