"""OCPI objects a partner CPO owns and we keep as sent (eMSP role): the checks a received
Location, Session, CDR or Tariff must pass before it is stored, and the PATCH rules.

We keep the partner's JSON, not a model of it: only the fields we index or need are checked,
so a field we do not know yet survives a round trip. Every failure is ``InvalidValue``
(OCPI 2001); nothing here does I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from kilowatt.domain.errors import InvalidValue, NotFound
from kilowatt.domain.roaming import UnknownLocation

__all__ = [
    "ObjectKey",
    "ReceivedModule",
    "ReceivedObject",
    "SentCommand",
    "UnknownObject",
    "checked",
    "last_updated",
    "merge_session",
    "patch_connector",
    "patch_evse",
    "put_connector",
    "put_evse",
]


class ReceivedModule(StrEnum):
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    CDRS = "cdrs"
    TARIFFS = "tariffs"


class UnknownObject(NotFound):
    """A PATCH or GET names an object (or EVSE, connector) we were never sent (OCPI 2003)."""


@dataclass(frozen=True, slots=True)
class ObjectKey:
    """Where a partner's object lives: /{country_code}/{party_id}/{id}."""

    country_code: str
    party_id: str
    id: str

    def __post_init__(self) -> None:
        if len(self.country_code) != 2 or len(self.party_id) != 3 or not 1 <= len(self.id) <= 36:
            raise InvalidValue("country_code has 2 characters, party_id 3, an id 1 to 36")


@dataclass(frozen=True, slots=True)
class ReceivedObject:
    """A partner's object as stored: its JSON and who sent it."""

    module: ReceivedModule
    key: ObjectKey
    partner_id: str
    body: dict[str, Any]
    last_updated: datetime


@dataclass(slots=True)
class SentCommand:
    """A command we (eMSP) sent to a partner CPO: its CommandResponse at once, its
    CommandResult later at our ``response_url``."""

    id: str
    partner_id: str
    command: str  # an OCPI CommandType: START_SESSION, RESERVE_NOW, UNLOCK_CONNECTOR...
    request: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    response: str | None = None  # CommandResponseType: ACCEPTED, REJECTED, UNKNOWN_SESSION...
    result: str | None = None  # CommandResultType: ACCEPTED, FAILED, TIMEOUT...
    message: str | None = None
    result_due_at: datetime | None = None  # from the CommandResponse's timeout (seconds)

    def expire(self, now: datetime) -> bool:
        """No CommandResult within the CPO's own timeout: TIMEOUT (a late one still counts)."""
        if self.result is None and self.result_due_at is not None and now > self.result_due_at:
            self.result, self.updated_at = "TIMEOUT", now
            self.message = self.message or "no CommandResult within the CPO's timeout"
            return True
        return False


_REQUIRED: dict[ReceivedModule, tuple[str, ...]] = {
    ReceivedModule.LOCATIONS: (
        "publish",
        "address",
        "city",
        "country",
        "coordinates",
        "time_zone",
    ),
    ReceivedModule.SESSIONS: (
        "start_date_time",
        "kwh",
        "cdr_token",
        "auth_method",
        "location_id",
        "evse_uid",
        "connector_id",
        "currency",
        "status",
    ),
    ReceivedModule.CDRS: (
        "start_date_time",
        "end_date_time",
        "cdr_token",
        "auth_method",
        "cdr_location",
        "currency",
        "charging_periods",
        "total_cost",
        "total_energy",
        "total_time",
    ),
    ReceivedModule.TARIFFS: ("currency", "elements"),
}
_SESSION_STATUSES = {"ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"}


def last_updated(body: Mapping[str, Any]) -> datetime:
    """The object's ``last_updated`` (required on every PUT and PATCH), in UTC."""
    raw = body.get("last_updated")
    if not isinstance(raw, str):
        raise InvalidValue("last_updated is required")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValue(f"last_updated {raw!r} is not a timestamp") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def checked(module: ReceivedModule, key: ObjectKey, body: object) -> dict[str, Any]:
    """A whole object (PUT, POST, or a pulled list item) that may be stored under ``key``."""
    if not isinstance(body, dict):
        raise InvalidValue(f"a {module.value} object is a JSON object")
    missing = [name for name in _REQUIRED[module] if body.get(name) is None]
    if missing:
        raise InvalidValue(f"missing {', '.join(missing)}")
    for name, expected in (("country_code", key.country_code), ("party_id", key.party_id)):
        if str(body.get(name, expected)).upper() != expected.upper():
            raise InvalidValue(f"{name} {body.get(name)!r} differs from the URL's {expected!r}")
    if str(body.get("id", key.id)) != key.id:
        raise InvalidValue(f"id {body.get('id')!r} differs from the URL's {key.id!r}")
    last_updated(body)
    _shape(module, body)
    return copy.deepcopy(body)


def _shape(module: ReceivedModule, body: Mapping[str, Any]) -> None:
    if module is ReceivedModule.LOCATIONS:
        _coordinates(body["coordinates"])
        evses = body.get("evses") or []
        if not isinstance(evses, list):
            raise InvalidValue("evses is a list")
        for evse in evses:
            _evse(evse)
    elif module is ReceivedModule.SESSIONS:
        if body["status"] not in _SESSION_STATUSES:
            raise InvalidValue(f"unknown session status {body['status']!r}")
        _token(body["cdr_token"])
    elif module is ReceivedModule.CDRS:
        _token(body["cdr_token"])
    elif not isinstance(body["elements"], list) or not body["elements"]:
        raise InvalidValue("a tariff has a non-empty list of elements")


def _coordinates(value: object) -> None:
    try:
        assert isinstance(value, dict)
        latitude, longitude = float(value["latitude"]), float(value["longitude"])
    except (AssertionError, KeyError, TypeError, ValueError):
        raise InvalidValue("coordinates need a latitude and a longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidValue("coordinates out of range")


def _evse(evse: object) -> None:
    if not isinstance(evse, dict) or not isinstance(evse.get("uid"), str):
        raise InvalidValue("an EVSE needs a uid")
    if not isinstance(evse.get("status"), str):
        raise InvalidValue(f"EVSE {evse['uid']} needs a status")
    connectors = evse.get("connectors") or []
    if not isinstance(connectors, list):
        raise InvalidValue("connectors is a list")
    for connector in connectors:
        _connector(connector)


def _connector(connector: object) -> None:
    if not isinstance(connector, dict) or connector.get("id") is None:
        raise InvalidValue("a connector needs an id")


def _token(token: object) -> None:
    if not isinstance(token, dict) or not isinstance(token.get("uid"), str):
        raise InvalidValue("cdr_token needs a uid")


def patch_evse(
    location: Mapping[str, Any], evse_uid: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """The location with one EVSE's fields changed; its last_updated becomes the location's."""
    last_updated(changes)
    merged = copy.deepcopy(dict(location))
    evse = _find(merged.get("evses") or [], "uid", evse_uid, "EVSE")
    evse.update(copy.deepcopy(dict(changes)))
    _evse(evse)
    merged["last_updated"] = changes["last_updated"]
    return merged


def put_evse(location: Mapping[str, Any], evse: object) -> dict[str, Any]:
    """The location with ``evse`` added, or replacing the EVSE with the same uid."""
    _evse(evse)
    assert isinstance(evse, dict)
    last_updated(evse)
    merged = copy.deepcopy(dict(location))
    others = [e for e in merged.get("evses") or [] if e.get("uid") != evse["uid"]]
    merged["evses"] = [*others, copy.deepcopy(evse)]
    merged["last_updated"] = evse["last_updated"]
    return merged


def patch_connector(
    location: Mapping[str, Any], evse_uid: str, connector_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    last_updated(changes)
    merged = copy.deepcopy(dict(location))
    evse = _find(merged.get("evses") or [], "uid", evse_uid, "EVSE")
    connector = _find(evse.get("connectors") or [], "id", connector_id, "connector")
    connector.update(copy.deepcopy(dict(changes)))
    evse["last_updated"] = merged["last_updated"] = changes["last_updated"]
    return merged


def put_connector(location: Mapping[str, Any], evse_uid: str, connector: object) -> dict[str, Any]:
    _connector(connector)
    assert isinstance(connector, dict)
    last_updated(connector)
    merged = copy.deepcopy(dict(location))
    evse = _find(merged.get("evses") or [], "uid", evse_uid, "EVSE")
    others = [c for c in evse.get("connectors") or [] if str(c.get("id")) != str(connector["id"])]
    evse["connectors"] = [*others, copy.deepcopy(connector)]
    evse["last_updated"] = merged["last_updated"] = connector["last_updated"]
    return merged


def merge_session(session: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH of a Session: fields replaced, except ``charging_periods``, which are appended."""
    merged = copy.deepcopy(dict(session)) | copy.deepcopy(dict(changes))
    added = changes.get("charging_periods") or []
    merged["charging_periods"] = [*(session.get("charging_periods") or []), *added]
    return merged


def _find(items: list[dict[str, Any]], field: str, value: str, what: str) -> dict[str, Any]:
    for item in items:
        if isinstance(item, dict) and str(item.get(field)) == value:
            return item
    raise UnknownLocation(f"no {what} {value}")
