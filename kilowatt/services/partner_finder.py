"""Partner CPOs' locations for the driver app's finder (eMSP role), from the OCPI Locations
and Tariffs they sent us: EVSE statuses as last pushed, connectors, power, opening hours and
the price of the tariff a connector names.

The result has the shape of the app's own location cards, with ``partner`` (who operates it)
added and each EVSE's ``prices`` None when no received tariff prices it ("price from the
operator"). A partner location's app id is ``{country_code}:{party_id}:{id}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.pricing_timeline import active_elements
from kilowatt.domain.roaming_objects import (
    ObjectKey,
    ReceivedModule,
    ReceivedObject,
    UnknownObject,
)
from kilowatt.domain.tariff_restrictions import Circumstances
from kilowatt.domain.tariffs import PriceComponent, Tariff, TariffDimension
from kilowatt.ports import ReceivedObjects
from kilowatt.services import roaming_received

__all__ = [
    "app_id",
    "partner_key",
    "partner_location",
    "partner_locations",
    "partner_tariff",
    "published_key",
    "unit_prices",
]

_FOUR = Decimal("0.0001")
_DAYS = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def app_id(key: ObjectKey) -> str:
    return f"{key.country_code}:{key.party_id}:{key.id}"


async def partner_locations(
    store: ReceivedObjects, now: datetime, *, limit: int = 500
) -> list[dict[str, Any]]:
    """Every partner's published locations, as app cards priced for a session starting
    ``now`` (each tariff read once)."""
    found = await roaming_received.partner_locations(store, limit=limit, offset=0)
    tariffs = _Tariffs(store, now)
    return [await _card(partner_id, body, tariffs) for partner_id, body in found]


async def partner_location(
    location_id: str, store: ReceivedObjects, now: datetime
) -> dict[str, Any]:
    """One partner location by its app id, priced for a session starting ``now``;
    ``UnknownObject`` if none (or unpublished)."""
    item = await _published(location_id, store)
    return await _card(item.partner_id, item.body, _Tariffs(store, now))


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
    """Received tariffs by key, each read from the store at most once; ``now``: when the
    session whose prices are shown would start."""

    def __init__(self, store: ReceivedObjects, now: datetime) -> None:
        self._store = store
        self.now = now
        self._read: dict[ObjectKey, dict[str, Any] | None] = {}

    async def get(self, key: ObjectKey) -> dict[str, Any] | None:
        if key not in self._read:
            item = await self._store.get(ReceivedModule.TARIFFS, key)
            self._read[key] = item.body if item is not None else None
        return self._read[key]


async def _card(partner_id: str, body: Mapping[str, Any], store: _Tariffs) -> dict[str, Any]:
    key = roaming_received.object_key(body)
    coordinates = body.get("coordinates") or {}
    where = _Where(key, _time_zone(body.get("time_zone")))
    evses = [await _evse(evse, where, store) for evse in body.get("evses") or ()]
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


@dataclass(frozen=True, slots=True)
class _Where:
    """The location whose connectors name the tariffs: its key and IANA time zone."""

    key: ObjectKey
    time_zone: str


def _time_zone(name: object) -> str:
    """The location's time zone; UTC when it names none we know (OCPI requires one)."""
    try:
        return str(ZoneInfo(name).key) if isinstance(name, str) and name else "UTC"
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"


async def _evse(evse: Mapping[str, Any], where: _Where, store: _Tariffs) -> dict[str, Any]:
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


async def _prices(tariff_ids: list[str], where: _Where, store: _Tariffs) -> dict[str, Any] | None:
    """The first named tariff we were sent that we can read and that is valid now, as unit
    prices; None: price from the operator."""
    for tariff_id in tariff_ids:
        try:
            key = ObjectKey(where.key.country_code, where.key.party_id, tariff_id)
        except InvalidValue:
            continue
        tariff = await store.get(key)
        prices = None if tariff is None else unit_prices(tariff, where.time_zone, store.now)
        if prices is not None:
            return prices
    return None


_NAMES = {
    TariffDimension.ENERGY: ("per_kwh", 1),
    TariffDimension.TIME: ("per_minute", 60),
    TariffDimension.FLAT: ("per_session", 1),
    TariffDimension.PARKING_TIME: ("per_parking_minute", 60),
}


def unit_prices(tariff: Mapping[str, Any], time_zone: str, at: datetime) -> dict[str, Any] | None:
    """What each unit of an OCPI Tariff costs for a session starting at ``at`` (UTC) at a
    location in ``time_zone``: ENERGY per kWh, TIME per minute (OCPI prices it per hour),
    FLAT per session, PARKING_TIME per minute; VAT added when given. A kind no element
    prices now is None; the whole is None when the tariff is unreadable or not valid at
    ``at`` (its start/end_date_time)."""
    parsed = partner_tariff(tariff)
    if parsed is None or not parsed.is_valid_at(at):
        return None
    local = at.astimezone(ZoneInfo(time_zone))
    chosen = active_elements(parsed, Circumstances(local=local))
    found: dict[str, Any] = {name: None for name, _ in _NAMES.values()}
    for dimension, index in chosen.items():
        component = parsed.elements[index].component(dimension)
        if dimension in _NAMES and component is not None:
            name, per = _NAMES[dimension]
            found[name] = _money(component, per)
    return {"currency": parsed.currency} | found


def partner_tariff(body: Mapping[str, Any]) -> Tariff | None:
    """A received OCPI Tariff as our domain Tariff (so our restriction evaluator applies);
    None when it does not parse. Numbers stored as JSON floats keep their shortest repr."""
    try:
        return Tariff.from_ocpi(body)
    except InvalidValue:
        return None


def _money(component: PriceComponent, per: int) -> dict[str, str | None]:
    excl = component.price / per
    incl = excl * (1 + component.vat / 100) if component.vat is not None else None
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
