"""The read side (ports.Queries): lists and details for the API, straight from the tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from kilowatt.domain.device_model import DeviceVariable
from kilowatt.domain.local_lists import LocalList
from kilowatt.domain.locations import ChargingStation, Location
from kilowatt.domain.remote_starts import RemoteStartRecord
from kilowatt.domain.reservations import Reservation
from kilowatt.domain.tariff_selection import OfferedTariff
from kilowatt.domain.tokens import IdToken
from kilowatt.domain.transactions import MeterSample, Transaction
from kilowatt.ports import CdrFilter, CdrRecord, ConnectorStatusReport, OcppExchange, StationReport
from kilowatt.store import mapping, tables
from kilowatt.store.billing import cdr_query, offer_from_row, record_from_row, sample_from_row
from kilowatt.store.device_model import select_variables, variable_from_row
from kilowatt.store.local_lists import load_local_list
from kilowatt.store.monitoring import MonitoringReads
from kilowatt.store.remote_starts import find_remote_start
from kilowatt.store.repositories import StoreContext
from kilowatt.store.reservations import station_reservations

__all__ = ["SqlQueries"]

_STATUS_FIELDS = (
    "station_id",
    "evse_id",
    "connector_id",
    "status",
    "reported_at",
    "received_at",
    "error_code",
    "info",
    "vendor_error_code",
)


class SqlQueries(MonitoringReads):
    def __init__(self, context: StoreContext) -> None:
        self._context = context

    async def _rows(self, statement: Select[Any], limit: int, offset: int) -> list[dict[str, Any]]:
        return await self._context.fetch_all(statement.limit(limit).offset(offset))

    async def locations(self, *, limit: int, offset: int) -> Sequence[Location]:
        t = tables.locations
        rows = await self._rows(select(t).order_by(t.c.id), limit, offset)
        return [mapping.location_from_row(row) for row in rows]

    async def location(self, location_id: str) -> Location | None:
        t = tables.locations
        row = await self._context.fetch_one(select(t).where(t.c.id == location_id))
        return mapping.location_from_row(row) if row else None

    async def stations(
        self, *, location_id: str | None, limit: int, offset: int
    ) -> Sequence[ChargingStation]:
        t = tables.charging_stations
        statement = select(t).order_by(t.c.id)
        if location_id is not None:
            statement = statement.where(t.c.location_id == location_id)
        return await self._stations(await self._rows(statement, limit, offset))

    async def station(self, station_id: str) -> ChargingStation | None:
        t = tables.charging_stations
        found = await self._stations(await self._rows(select(t).where(t.c.id == station_id), 1, 0))
        return found[0] if found else None

    async def _stations(self, rows: list[dict[str, Any]]) -> list[ChargingStation]:
        e, c = tables.evses, tables.connectors
        ids = [row["id"] for row in rows]
        evses = await self._context.fetch_all(select(e).where(e.c.station_id.in_(ids)))
        connectors = await self._context.fetch_all(select(c).where(c.c.station_id.in_(ids)))
        return [
            mapping.station_from_rows(
                row,
                [r for r in evses if r["station_id"] == row["id"]],
                [r for r in connectors if r["station_id"] == row["id"]],
            )
            for row in rows
        ]

    async def connector_statuses(self, station_id: str) -> Sequence[ConnectorStatusReport]:
        t = tables.connector_statuses
        statement = select(t).where(t.c.station_id == station_id)
        rows = await self._context.fetch_all(statement.order_by(t.c.evse_id, t.c.connector_id))
        return [_status(row) for row in rows]

    async def status_history(
        self, station_id: str, *, limit: int, offset: int
    ) -> Sequence[ConnectorStatusReport]:
        t = tables.status_history
        statement = select(t).where(t.c.station_id == station_id)
        statement = statement.order_by(t.c.reported_at.desc(), t.c.id.desc())
        return [_status(row) for row in await self._rows(statement, limit, offset)]

    async def tokens(self, *, limit: int, offset: int) -> Sequence[IdToken]:
        t = tables.id_tokens
        rows = await self._rows(select(t).order_by(t.c.uid), limit, offset)
        return [mapping.token_from_row(row) for row in rows]

    async def transactions(
        self,
        *,
        station_id: str | None,
        status: str | None,
        id_token: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[Transaction]:
        t = tables.transactions
        statement = select(t).order_by(t.c.started_at.desc(), t.c.pk)
        for column, value in ((t.c.station_id, station_id), (t.c.status, status)):
            if value is not None:
                statement = statement.where(column == value)
        if id_token is not None:
            statement = statement.where(t.c.id_token == id_token)
        rows = await self._rows(statement, limit, offset)
        return [mapping.transaction_from_row(row, set()) for row in rows]

    async def transaction(self, station_id: str, transaction_id: str) -> Transaction | None:
        t = tables.transactions
        row = await self._context.fetch_one(
            select(t).where(t.c.station_id == station_id, t.c.transaction_id == transaction_id)
        )
        return mapping.transaction_from_row(row, set()) if row else None

    async def meter_samples(self, transaction_pk: str) -> Sequence[MeterSample]:
        t = tables.meter_samples
        statement = select(t).where(t.c.transaction_pk == transaction_pk)
        rows = await self._context.fetch_all(statement.order_by(t.c.measured_at, t.c.id))
        return [sample_from_row(row) for row in rows]

    async def messages(
        self, station_id: str, *, action: str | None, limit: int, offset: int
    ) -> Sequence[OcppExchange]:
        t = tables.ocpp_messages
        statement = select(t).where(t.c.station_id == station_id)
        if action is not None:
            statement = statement.where(t.c.action == action)
        statement = statement.order_by(t.c.received_at.desc(), t.c.id.desc())
        return [
            OcppExchange(
                station_id=row["station_id"],
                message_id=row["message_id"],
                direction=row["direction"],
                action=row["action"],
                request=row["request"],
                response=row["response"],
                error_code=row["error_code"],
                received_at=row["received_at"],
                duration_us=row["duration_us"],
            )
            for row in await self._rows(statement, limit, offset)
        ]

    async def reports(
        self, station_id: str, *, kind: str | None, limit: int, offset: int
    ) -> Sequence[StationReport]:
        t = tables.station_reports
        statement = select(t).where(t.c.station_id == station_id)
        if kind is not None:
            statement = statement.where(t.c.kind == kind)
        statement = statement.order_by(t.c.reported_at.desc(), t.c.id.desc())
        return [
            StationReport(row["station_id"], row["kind"], row["reported_at"], row["payload"])
            for row in await self._rows(statement, limit, offset)
        ]

    async def tariffs(
        self, *, driver_group: str | None, limit: int, offset: int
    ) -> Sequence[OfferedTariff]:
        t = tables.tariffs
        statement = select(t).order_by(t.c.id)
        if driver_group is not None:
            statement = statement.where(t.c.driver_group == driver_group)
        return [offer_from_row(row) for row in await self._rows(statement, limit, offset)]

    async def cdrs(self, where: CdrFilter, *, limit: int, offset: int) -> Sequence[CdrRecord]:
        return [record_from_row(row) for row in await self._rows(cdr_query(where), limit, offset)]

    async def cdr(self, cdr_id: str) -> CdrRecord | None:
        t = tables.cdrs
        row = await self._context.fetch_one(select(t).where(t.c.id == cdr_id))
        return record_from_row(row) if row else None

    async def device_model(
        self,
        station_id: str,
        *,
        component: str | None,
        variable: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[DeviceVariable]:
        statement = select_variables(station_id, component, variable)
        return [variable_from_row(row) for row in await self._rows(statement, limit, offset)]

    async def local_list(self, station_id: str) -> LocalList | None:
        return await load_local_list(self._context, station_id)

    async def reservations(
        self, station_id: str, *, limit: int, offset: int
    ) -> Sequence[Reservation]:
        return await station_reservations(self._context, station_id, limit, offset)

    async def remote_start(
        self, station_id: str, transaction_id: str, remote_start_id: int | None
    ) -> RemoteStartRecord | None:
        return await find_remote_start(self._context, station_id, transaction_id, remote_start_id)


def _status(row: dict[str, Any]) -> ConnectorStatusReport:
    return ConnectorStatusReport(**{name: row[name] for name in _STATUS_FIELDS})
