"""Rows ↔ domain objects, explicitly, in both directions (no ORM mapping onto the domain)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kilowatt.domain.cdrs import AuthMethod
from kilowatt.domain.locations import (
    ChargingStation,
    Connector,
    ConnectorFormat,
    ConnectorStandard,
    Evse,
    ExceptionalPeriod,
    Location,
    OcppVersion,
    OpeningHours,
    PowerType,
    RegistrationStatus,
    RegularHours,
)
from kilowatt.domain.tokens import IdToken, TokenStatus, TokenType, WhitelistType
from kilowatt.domain.transactions import Transaction, TransactionStatus

__all__ = [
    "connector_row",
    "evse_row",
    "location_from_row",
    "location_row",
    "station_from_rows",
    "station_row",
    "token_from_row",
    "token_row",
    "transaction_from_row",
    "transaction_row",
]

Row = Mapping[str, Any]

_STATION_FIELDS = (
    "id",
    "location_id",
    "password_hash",
    "vendor",
    "model",
    "serial_number",
    "firmware_version",
    "iccid",
    "imsi",
    "meter_type",
    "meter_serial_number",
    "security_profile",
    "heartbeat_interval_s",
    "last_boot_at",
    "last_boot_reason",
    "last_heartbeat_at",
    "firmware_status",
    "diagnostics_status",
    "created_at",
    "updated_at",
)


def station_row(station: ChargingStation) -> dict[str, Any]:
    row = {name: getattr(station, name) for name in _STATION_FIELDS}
    row["registration_status"] = station.registration_status.value
    row["ocpp_version"] = station.ocpp_version.value if station.ocpp_version else None
    return row


def station_from_rows(
    row: Row, evse_rows: Sequence[Row], connector_rows: Sequence[Row]
) -> ChargingStation:
    station = ChargingStation(
        **{name: row[name] for name in _STATION_FIELDS},
        registration_status=RegistrationStatus(row["registration_status"]),
        ocpp_version=OcppVersion(row["ocpp_version"]) if row["ocpp_version"] else None,
    )
    for evse_data in sorted(evse_rows, key=lambda r: r["evse_id"]):
        evse = Evse(
            evse_id=evse_data["evse_id"],
            uid=evse_data["uid"],
            evse_code=evse_data["evse_code"],
            physical_reference=evse_data["physical_reference"],
            floor_level=evse_data["floor_level"],
            capabilities=tuple(evse_data["capabilities"]),
        )
        evse.connectors = [
            _connector_from_row(c)
            for c in sorted(connector_rows, key=lambda r: r["connector_id"])
            if c["evse_id"] == evse.evse_id
        ]
        station.evses.append(evse)
    return station


def evse_row(station_id: str, evse: Evse) -> dict[str, Any]:
    return {
        "station_id": station_id,
        "evse_id": evse.evse_id,
        "uid": evse.uid,
        "evse_code": evse.evse_code,
        "physical_reference": evse.physical_reference,
        "floor_level": evse.floor_level,
        "capabilities": list(evse.capabilities),
    }


def connector_row(station_id: str, evse_id: int, connector: Connector) -> dict[str, Any]:
    return {
        "station_id": station_id,
        "evse_id": evse_id,
        "connector_id": connector.connector_id,
        "standard": connector.standard.value,
        "format": connector.format.value,
        "power_type": connector.power_type.value,
        "max_voltage_v": connector.max_voltage_v,
        "max_amperage_a": connector.max_amperage_a,
        "max_electric_power_w": connector.max_electric_power_w,
        "tariff_ids": list(connector.tariff_ids),
    }


def _connector_from_row(row: Row) -> Connector:
    return Connector(
        connector_id=row["connector_id"],
        standard=ConnectorStandard(row["standard"]),
        format=ConnectorFormat(row["format"]),
        power_type=PowerType(row["power_type"]),
        max_voltage_v=row["max_voltage_v"],
        max_amperage_a=row["max_amperage_a"],
        max_electric_power_w=row["max_electric_power_w"],
        tariff_ids=tuple(row["tariff_ids"]),
    )


_LOCATION_FIELDS = (
    "id",
    "name",
    "address",
    "city",
    "postal_code",
    "state",
    "country",
    "latitude",
    "longitude",
    "time_zone",
    "parking_type",
    "publish",
    "created_at",
    "updated_at",
)


def location_row(location: Location) -> dict[str, Any]:
    row = {name: getattr(location, name) for name in _LOCATION_FIELDS}
    row["opening_hours"] = _hours_json(location.opening_hours)
    return row


def location_from_row(row: Row) -> Location:
    return Location(
        **{name: row[name] for name in _LOCATION_FIELDS},
        opening_hours=_hours_from_json(row["opening_hours"]),
    )


def _hours_json(hours: OpeningHours) -> dict[str, Any]:
    def periods(items: tuple[ExceptionalPeriod, ...]) -> list[dict[str, str]]:
        return [
            {"period_begin": p.period_begin.isoformat(), "period_end": p.period_end.isoformat()}
            for p in items
        ]

    return {
        "twentyfourseven": hours.twentyfourseven,
        "regular_hours": [
            {"weekday": r.weekday, "period_begin": r.period_begin, "period_end": r.period_end}
            for r in hours.regular_hours
        ],
        "exceptional_openings": periods(hours.exceptional_openings),
        "exceptional_closings": periods(hours.exceptional_closings),
    }


def _hours_from_json(data: Mapping[str, Any]) -> OpeningHours:
    def periods(items: list[dict[str, str]]) -> tuple[ExceptionalPeriod, ...]:
        return tuple(
            ExceptionalPeriod(
                datetime.fromisoformat(p["period_begin"]), datetime.fromisoformat(p["period_end"])
            )
            for p in items
        )

    return OpeningHours(
        twentyfourseven=data["twentyfourseven"],
        regular_hours=tuple(RegularHours(**r) for r in data["regular_hours"]),
        exceptional_openings=periods(data["exceptional_openings"]),
        exceptional_closings=periods(data["exceptional_closings"]),
    )


_TOKEN_FIELDS = (
    "uid",
    "contract_id",
    "visual_number",
    "issuer",
    "group_id",
    "expires_at",
    "language",
    "country_code",
    "party_id",
    "created_at",
    "updated_at",
)


def token_row(token: IdToken) -> dict[str, Any]:
    row = {name: getattr(token, name) for name in _TOKEN_FIELDS}
    row |= {"type": token.type.value, "status": token.status.value}
    row["whitelist"] = token.whitelist.value
    return row


def token_from_row(row: Row) -> IdToken:
    return IdToken(
        **{name: row[name] for name in _TOKEN_FIELDS},
        type=TokenType(row["type"]),
        status=TokenStatus(row["status"]),
        whitelist=WhitelistType(row["whitelist"]),
    )


_TRANSACTION_FIELDS = (
    "pk",
    "station_id",
    "transaction_id",
    "evse_id",
    "connector_id",
    "id_token",
    "id_token_type",
    "started_at",
    "stopped_at",
    "stop_reason",
    "meter_start_wh",
    "meter_start_at",
    "last_meter_wh",
    "last_meter_at",
    "charging_state",
    "remote_start_id",
    "start_key",
    "offline_events",
    "latest_event_at",
    "latest_event_seq",
    "updated_at",
    "authorization_reference",
    "authorization_reference_at",
)


def transaction_row(transaction: Transaction) -> dict[str, Any]:
    row = {name: getattr(transaction, name) for name in _TRANSACTION_FIELDS}
    row["status"] = transaction.status.value
    row["auth_method"] = transaction.auth_method and transaction.auth_method.value
    return row


def transaction_from_row(row: Row, seq_nos: set[int]) -> Transaction:
    method = row["auth_method"]
    return Transaction(
        **{name: row[name] for name in _TRANSACTION_FIELDS},
        status=TransactionStatus(row["status"]),
        auth_method=AuthMethod(method) if method is not None else None,
        seq_nos=seq_nos,
    )
