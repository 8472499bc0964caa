"""Partner CPOs' locations for the driver app's finder (eMSP role), from the OCPI Locations
and Tariffs they sent us: EVSE statuses as last pushed, connectors, power, opening hours and
the price of the tariff a connector names.

The result has the shape of the app's own location cards, with ``partner`` (who operates it)
added and each EVSE's ``prices`` None when no received tariff prices it ("price from the
operator"). A partner location's app id is ``{country_code}:{party_id}:{id}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.roaming_objects import (
    ObjectKey,
    ReceivedModule,
    ReceivedObject,
    UnknownObject,
)
from kilowatt.ports import ReceivedObjects
from kilowatt.services import roaming_received

__all__ = [
    "app_id",
    "partner_key",
    "partner_location",
    "partner_locations",
    "published_key",
    "unit_prices",
]

_FOUR = Decimal("0.0001")
_DAYS = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def app_id(key: ObjectKey) -> str:
    return f"{key.country_code}:{key.party_id}:{key.id}"


async def partner_locations(store: ReceivedObjects, *, limit: int = 500) -> list[dict[str, Any]]:
    """Every partner's published locations, as app cards (each tariff read once)."""
    found = await roaming_received.partner_locations(store, limit=limit, offset=0)
    tariffs = _Tariffs(store)
    return [await _card(partner_id, body, tariffs) for partner_id, body in found]


async def partner_location(location_id: str, store: ReceivedObjects) -> dict[str, Any]:
    """One partner location by its app id; ``UnknownObject`` if none (or unpublished)."""
    item = await _published(location_id, store)
    return await _card(item.partner_id, item.body, _Tariffs(store))


def partner_key(location_id: str) -> ObjectKey | None:
    """The OCPI key an app id ``CC:PTY:id`` names; None if it names none."""
    parts = location_id.split(":")
    try:
        return ObjectKey(*parts) if len(parts) == 3 else None
    except InvalidValue:
        return None


async def published_key(location_id: str, store: ReceivedObjects) -> ObjectKey:
    """The key of a published partner location by its app id; ``UnknownObject`` if none."""
    return (await _published(location_id, store)).key


async def _published(location_id: str, store: ReceivedObjects) -> ReceivedObject:
    key = partner_key(location_id)
    item = await store.get(ReceivedModule.LOCATIONS, key) if key else None
    if item is None or not item.body.get("publish", True):
        raise UnknownObject(f"no location {location_id}")
    return item


class _Tariffs:
    """Received tariffs by key, each read from the store at most once."""

    def __init__(self, store: ReceivedObjects) -> None:
        self._store = store
        self._read: dict[ObjectKey, dict[str, Any] | None] = {}

    async def get(self, key: ObjectKey) -> dict[str, Any] | None:
        if key not in self._read:
            item = await self._store.get(ReceivedModule.TARIFFS, key)
            self._read[key] = item.body if item is not None else None
        return self._read[key]


async def _card(partner_id: str, body: Mapping[str, Any], store: _Tariffs) -> dict[str, Any]:
    key = roaming_received.object_key(body)
    coordinates = body.get("coordinates") or {}
    evses = [await _evse(evse, key, store) for evse in body.get("evses") or ()]
    return {
        "id": app_id(key),
        "name": body.get("name") or key.id,
        "address": body.get("address", ""),
        "city": body.get("city", ""),
        "postal_code": body.get("postal_code"),
        "latitude": float(coordinates.get("latitude", 0)),
        "longitude": float(coordinates.get("longitude", 0)),
        "opening_hours": _hours(body.get("opening_times")),
        "favourite": False,
        "available_evses": sum(1 for evse in evses if evse["status"] == "AVAILABLE"),
        "evses": evses,
        "partner": {
            "partner_id": partner_id,
            "country_code": key.country_code,
            "party_id": key.party_id,
            "location_id": key.id,
            "operator": (body.get("operator") or {}).get("name"),
        },
    }


async def _evse(evse: Mapping[str, Any], where: ObjectKey, store: _Tariffs) -> dict[str, Any]:
    connectors = evse.get("connectors") or []
    tariff_ids = [t for c in connectors for t in c.get("tariff_ids") or ()]
    return {
        "station_id": None,
        "evse_id": None,
        "uid": evse.get("uid"),
        "evse_code": evse.get("evse_id"),
        "status": evse.get("status", "UNKNOWN"),
        "connector_standards": [c.get("standard") for c in connectors],
        "connector_ids": [c.get("id") for c in connectors],
        "power_types": [c.get("power_type") for c in connectors],
        "max_power_w": max((_power_w(c) for c in connectors), default=None),
        "prices": await _prices(tariff_ids, where, store),
    }


def _power_w(connector: Mapping[str, Any]) -> int:
    stated = connector.get("max_electric_power")
    if stated:
        return int(stated)
    volts, amps = int(connector.get("max_voltage") or 0), int(connector.get("max_amperage") or 0)
    phases = 3 if connector.get("power_type") == "AC_3_PHASE" else 1
    return volts * amps * phases


async def _prices(
    tariff_ids: list[str], where: ObjectKey, store: _Tariffs
) -> dict[str, Any] | None:
    """The first named tariff we were sent, as unit prices; None: price from the operator."""
    for tariff_id in tariff_ids:
        try:
            key = ObjectKey(where.country_code, where.party_id, tariff_id)
        except InvalidValue:
            continue
        tariff = await store.get(key)
        if tariff is not None:
            return unit_prices(tariff)
    return None


def unit_prices(tariff: Mapping[str, Any]) -> dict[str, Any]:
    """The first price of each kind in an OCPI Tariff: ENERGY per kWh, TIME per minute (OCPI
    prices it per hour), FLAT per session, PARKING_TIME per minute; VAT added when given."""
    found: dict[str, Any] = {}
    names = {"ENERGY": ("per_kwh", 1), "TIME": ("per_minute", 60), "FLAT": ("per_session", 1)}
    names["PARKING_TIME"] = ("per_parking_minute", 60)
    for element in tariff.get("elements") or ():
        for component in element.get("price_components") or ():
            name, per = names.get(component.get("type"), ("", 1))
            if name and name not in found:
                found[name] = _money(component, per)
    return {"currency": tariff.get("currency", "")} | {
        name: found.get(name) for name, _ in names.values()
    }


def _money(component: Mapping[str, Any], per: int) -> dict[str, str | None] | None:
    try:
        excl = Decimal(str(component.get("price"))) / per
        vat = component.get("vat")
        incl = excl * (1 + Decimal(str(vat)) / 100) if vat is not None else None
    except (InvalidOperation, ValueError):
        return None
    return {"excl_vat": _text(excl), "incl_vat": _text(incl) if incl is not None else None}


def _text(amount: Decimal) -> str:
    return f"{amount.quantize(_FOUR):f}"


def _hours(opening: Mapping[str, Any] | None) -> str:
    if not opening or opening.get("twentyfourseven"):
        return "24/7" if opening else ""
    return ", ".join(
        f"{_DAYS[int(r['weekday'])]} {r['period_begin']}-{r['period_end']}"
        for r in opening.get("regular_hours") or ()
    )
