"""Facts the domain records, named in the past tense. Handlers react to them after commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "CdrIssued",
    "CommandResultReceived",
    "ConnectorStatusChanged",
    "Event",
    "LocationChanged",
    "PartnerCdrReceived",
    "RoamingSessionChanged",
    "StationBooted",
    "StationConnected",
    "StationDisconnected",
    "StationReported",
    "TokenChanged",
    "TransactionEnded",
    "TransactionMetered",
    "TransactionStarted",
]


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all domain events."""


@dataclass(frozen=True, slots=True)
class StationConnected(Event):
    station_id: str
    ocpp_version: str


@dataclass(frozen=True, slots=True)
class StationDisconnected(Event):
    station_id: str


@dataclass(frozen=True, slots=True)
class StationBooted(Event):
    station_id: str
    registration_status: str


@dataclass(frozen=True, slots=True)
class ConnectorStatusChanged(Event):
    station_id: str
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None


@dataclass(frozen=True, slots=True)
class TransactionStarted(Event):
    station_id: str
    transaction_id: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class TransactionMetered(Event):
    station_id: str
    transaction_id: str
    energy_wh: int | None
    measured_at: datetime | None


@dataclass(frozen=True, slots=True)
class TransactionEnded(Event):
    station_id: str
    transaction_id: str
    stopped_at: datetime | None
    energy_wh: int | None


@dataclass(frozen=True, slots=True)
class CdrIssued(Event):
    """A CDR was issued (``credit``: a credit CDR cancelling an earlier one)."""

    cdr_id: str
    station_id: str
    transaction_id: str
    credit: bool


@dataclass(frozen=True, slots=True)
class LocationChanged(Event):
    """An operator changed a location or what stands at it (its stations, EVSEs, connectors)."""

    location_id: str


@dataclass(frozen=True, slots=True)
class StationReported(Event):
    """A report kept as sent: NotifyEvent, FirmwareStatusNotification... (camelCase payload)."""

    station_id: str
    kind: str  # the OCPP action
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TokenChanged(Event):
    """A token was created, changed or deleted (local lists follow)."""

    uid: str


@dataclass(frozen=True, slots=True)
class RoamingSessionChanged(Event):
    """A partner CPO put or patched a session of one of our drivers' tokens (eMSP role);
    the new state is stored when this is published."""

    partner_id: str
    country_code: str
    party_id: str
    session_id: str
    status: str
    token_uid: str


@dataclass(frozen=True, slots=True)
class PartnerCdrReceived(Event):
    """A partner CPO posted the CDR of a session of one of our drivers' tokens."""

    partner_id: str
    country_code: str
    party_id: str
    cdr_id: str
    session_id: str | None
    token_uid: str


@dataclass(frozen=True, slots=True)
class CommandResultReceived(Event):
    """A partner CPO posted the CommandResult of a command we sent it (START_SESSION...)."""

    partner_id: str
    command_id: str
    command: str
    result: str
