"""Partner CPOs' Locations, Sessions, CDRs and Tariffs pushed to us (OCPI eMSP Receiver
interfaces), kept per partner as sent.

Every object is checked whole before it is written in one statement, so a bad request changes
nothing; the same PUT twice writes nothing the second time. A partner may only write under the
country codes and party ids of its own roles (OCPI: "Client Owned Objects").

Given an event publisher, a changed Session is published as ``RoamingSessionChanged`` and a
new CDR as ``PartnerCdrReceived`` once stored (each write is durable when it returns), so
the driver app's live pages follow them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kilowatt.domain import roaming_objects as objects
from kilowatt.domain.errors import AccessDenied, Conflict, InvalidValue
from kilowatt.domain.events import PartnerCdrReceived, RoamingSessionChanged
from kilowatt.domain.roaming import Partner, UnknownLocation
from kilowatt.domain.roaming_objects import (
    ObjectKey,
    ReceivedModule,
    ReceivedObject,
    UnknownObject,
)
from kilowatt.ports import EventPublisher, ReceivedObjects

__all__ = [
    "ConnectorPath",
    "delete_object",
    "get_object",
    "object_key",
    "owned",
    "partner_locations",
    "patch_location",
    "patch_object",
    "post_cdr",
    "put_location_part",
    "put_object",
]

LOCATIONS = ReceivedModule.LOCATIONS


def owned(partner: Partner, key: ObjectKey) -> None:
    """Raise ``AccessDenied`` unless ``key`` is under one of the partner's own parties."""
    mine = {(r.country_code.upper(), r.party_id.upper()) for r in partner.roles}
    if (key.country_code.upper(), key.party_id.upper()) not in mine:
        raise AccessDenied(f"{key.country_code}/{key.party_id} is not one of the caller's parties")


def object_key(body: Mapping[str, Any]) -> ObjectKey:
    """The key a whole object names itself by (a POSTed CDR, a pulled list item)."""
    return ObjectKey(str(body.get("country_code")), str(body.get("party_id")), str(body.get("id")))


async def put_object(
    module: ReceivedModule,
    key: ObjectKey,
    body: object,
    partner: Partner,
    store: ReceivedObjects,
    *,
    events: EventPublisher | None = None,
) -> bool:
    """Store a whole object (PUT); False when it was already stored exactly so."""
    owned(partner, key)
    checked = objects.checked(module, key, body)
    changed = await _write(store, module, key, checked, partner)
    if changed and module is ReceivedModule.SESSIONS and events is not None:
        await events.publish([_session_changed(partner, key, checked)])
    return changed


async def _write(
    store: ReceivedObjects,
    module: ReceivedModule,
    key: ObjectKey,
    body: dict[str, Any],
    partner: Partner,
) -> bool:
    existing = await store.get(module, key)
    if existing is not None and existing.partner_id != partner.id:
        raise AccessDenied(f"{module.value} {key.id} was sent by another partner")
    if existing is not None and existing.body == body:
        return False
    await store.put(ReceivedObject(module, key, partner.id, body, objects.last_updated(body)))
    return True


async def _existing(
    store: ReceivedObjects, module: ReceivedModule, key: ObjectKey, partner: Partner
) -> ReceivedObject:
    owned(partner, key)
    found = await store.get(module, key)
    if found is None or found.partner_id != partner.id:
        if module is LOCATIONS:
            raise UnknownLocation(f"no location {key.id}")
        raise UnknownObject(f"no {module.value} {key.id}")
    return found


async def patch_object(
    module: ReceivedModule,
    key: ObjectKey,
    changes: Mapping[str, Any],
    partner: Partner,
    store: ReceivedObjects,
    *,
    events: EventPublisher | None = None,
) -> bool:
    """PATCH a Location or Session: the changed fields (Session charging periods appended)."""
    objects.last_updated(changes)
    found = await _existing(store, module, key, partner)
    merged = (
        objects.merge_session(found.body, changes)
        if module is ReceivedModule.SESSIONS
        else found.body | dict(changes)
    )
    checked = objects.checked(module, key, merged)
    changed = await _write(store, module, key, checked, partner)
    if changed and module is ReceivedModule.SESSIONS and events is not None:
        await events.publish([_session_changed(partner, key, checked)])
    return changed


def _session_changed(
    partner: Partner, key: ObjectKey, body: Mapping[str, Any]
) -> RoamingSessionChanged:
    status, uid = str(body.get("status")), _token_uid(body)
    return RoamingSessionChanged(partner.id, key.country_code, key.party_id, key.id, status, uid)


def _cdr_received(partner: Partner, key: ObjectKey, body: Mapping[str, Any]) -> PartnerCdrReceived:
    session_id = body.get("session_id")
    return PartnerCdrReceived(
        partner.id,
        key.country_code,
        key.party_id,
        key.id,
        None if session_id is None else str(session_id),
        _token_uid(body),
    )


def _token_uid(body: Mapping[str, Any]) -> str:
    token = body.get("cdr_token")
    return str(token.get("uid")) if isinstance(token, Mapping) else ""


@dataclass(frozen=True, slots=True)
class ConnectorPath:
    """An EVSE (and maybe a connector) inside a location: /{location}/{evse_uid}[/{connector}]."""

    evse_uid: str
    connector_id: str | None = None


async def put_location_part(
    key: ObjectKey, path: ConnectorPath, body: object, partner: Partner, store: ReceivedObjects
) -> bool:
    """PUT of one EVSE or connector of a location we already have."""
    found = await _existing(store, LOCATIONS, key, partner)
    if path.connector_id is None:
        if isinstance(body, dict) and str(body.get("uid", path.evse_uid)) != path.evse_uid:
            raise InvalidValue("uid differs from the URL's")
        merged = objects.put_evse(found.body, _with(body, "uid", path.evse_uid))
    else:
        if isinstance(body, dict) and str(body.get("id", path.connector_id)) != path.connector_id:
            raise InvalidValue("id differs from the URL's")
        part = _with(body, "id", path.connector_id)
        merged = objects.put_connector(found.body, path.evse_uid, part)
    return await _write(store, LOCATIONS, key, objects.checked(LOCATIONS, key, merged), partner)


async def patch_location(
    key: ObjectKey,
    path: ConnectorPath,
    changes: Mapping[str, Any],
    partner: Partner,
    store: ReceivedObjects,
) -> bool:
    """PATCH of one EVSE or connector; the parents take the new last_updated."""
    found = await _existing(store, LOCATIONS, key, partner)
    if path.connector_id is None:
        merged = objects.patch_evse(found.body, path.evse_uid, changes)
    else:
        merged = objects.patch_connector(found.body, path.evse_uid, path.connector_id, changes)
    return await _write(store, LOCATIONS, key, objects.checked(LOCATIONS, key, merged), partner)


def _with(body: object, field: str, value: str) -> object:
    return {field: value} | body if isinstance(body, dict) else body


async def get_object(
    module: ReceivedModule,
    key: ObjectKey,
    partner: Partner,
    store: ReceivedObjects,
    path: ConnectorPath | None = None,
) -> dict[str, Any]:
    """Our copy of an object (or of one EVSE or connector of a location)."""
    body = (await _existing(store, module, key, partner)).body
    if path is None:
        return body
    evse = _part(body.get("evses"), "uid", path.evse_uid)
    if path.connector_id is None:
        return evse
    return _part(evse.get("connectors"), "id", path.connector_id)


def _part(items: object, field: str, value: str) -> dict[str, Any]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and str(item.get(field)) == value:
            return item
    raise UnknownLocation(f"no {value}")


async def delete_object(
    module: ReceivedModule, key: ObjectKey, partner: Partner, store: ReceivedObjects
) -> None:
    """DELETE of a Tariff (the only receiver object OCPI lets a CPO delete)."""
    await _existing(store, module, key, partner)
    await store.delete(module, key)


async def post_cdr(
    body: object,
    partner: Partner,
    store: ReceivedObjects,
    *,
    events: EventPublisher | None = None,
) -> ObjectKey:
    """A CDR POSTed by its CPO. CDRs never change: the same one again is accepted, a
    different one under the same id is refused."""
    if not isinstance(body, dict):
        raise InvalidValue("a CDR is a JSON object")
    key = object_key(body)
    owned(partner, key)
    checked = objects.checked(ReceivedModule.CDRS, key, body)
    existing = await store.get(ReceivedModule.CDRS, key)
    if existing is not None and existing.body != checked:
        raise Conflict(f"CDR {key.id} was already received with other content")
    if await _write(store, ReceivedModule.CDRS, key, checked, partner) and events is not None:
        await events.publish([_cdr_received(partner, key, checked)])  # after the durable write
    return key


async def partner_locations(
    store: ReceivedObjects, *, limit: int, offset: int, partner_id: str | None = None
) -> Sequence[tuple[str, dict[str, Any]]]:
    """Partner CPOs' locations as (partner id, OCPI Location), in the shape our own OCPI
    Locations module sends ours (for a driver's map). Unpublished ones are left out."""
    page = await store.page(LOCATIONS, partner_id, limit=limit, offset=offset, published_only=True)
    return [(item.partner_id, item.body) for item in page.items]
