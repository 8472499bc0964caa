"""Domain → OCPI 2.2.1 objects, pure (no I/O): Locations with their EVSEs and Connectors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kilowatt.domain.locations import (
    ChargingStation,
    Connector,
    ConnectorStatus,
    Evse,
    ExceptionalPeriod,
    Location,
    OpeningHours,
    ocpi_evse_status,
)
from kilowatt.domain.tariff_json import timestamp_to_ocpi
from kilowatt.ports import ConnectorStatusReport

__all__ = ["Party", "SiteView", "connector_object", "evse_object", "location_object"]

# When an EVSE has several connectors, the OCPI status shown is the most telling one.
_PRIORITY = ["CHARGING", "BLOCKED", "RESERVED", "OUTOFORDER", "INOPERATIVE", "AVAILABLE"]


@dataclass(frozen=True, slots=True)
class Party:
    country_code: str
    party_id: str


@dataclass(frozen=True, slots=True)
class SiteView:
    """A location with what its OCPI object needs: its stations, their connector statuses
    (latest per connector) and whether each station is connected now."""

    location: Location
    stations: Sequence[ChargingStation]
    statuses: Sequence[ConnectorStatusReport]
    connected: Callable[[str], bool]


def location_object(site: SiteView, party: Party) -> dict[str, Any]:
    location = site.location
    evses = [
        evse_object(station, evse, site) for station in site.stations for evse in station.evses
    ]
    data: dict[str, Any] = {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": location.id,
        "publish": location.publish,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "postal_code": location.postal_code,
        "country": location.country,
        "coordinates": {
            "latitude": str(location.latitude),
            "longitude": str(location.longitude),
        },
        "evses": evses,
        "time_zone": location.time_zone,
        "opening_times": _hours(location.opening_hours),
        "last_updated": _ts(max([location.updated_at, *(s.updated_at for s in site.stations)])),
    }
    if location.state:
        data["state"] = location.state
    if location.parking_type:
        data["parking_type"] = location.parking_type
    return data


def evse_object(station: ChargingStation, evse: Evse, site: SiteView) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uid": evse.uid,
        "status": _evse_status(station, evse, site),
        "capabilities": list(evse.capabilities),
        "connectors": [connector_object(c, station.updated_at) for c in evse.connectors],
        "last_updated": _ts(station.updated_at),
    }
    optional = {
        "evse_id": evse.evse_code,
        "physical_reference": evse.physical_reference,
        "floor_level": evse.floor_level,
    }
    return data | {key: value for key, value in optional.items() if value is not None}


def connector_object(connector: Connector, updated_at: datetime) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(connector.connector_id),
        "standard": connector.standard.value,
        "format": connector.format.value,
        "power_type": connector.power_type.value,
        "max_voltage": connector.max_voltage_v,
        "max_amperage": connector.max_amperage_a,
        "last_updated": _ts(updated_at),
    }
    if connector.max_electric_power_w is not None:
        data["max_electric_power"] = connector.max_electric_power_w
    if connector.tariff_ids:
        data["tariff_ids"] = list(connector.tariff_ids)
    return data


def _evse_status(station: ChargingStation, evse: Evse, site: SiteView) -> str:
    connected = site.connected(station.id)
    reports = [r for r in site.statuses if r.station_id == station.id and r.evse_id == evse.evse_id]
    statuses = {ocpi_evse_status(_status(r.status), connected) for r in reports}
    return next((s for s in _PRIORITY if s in statuses), "UNKNOWN")


def _status(value: str) -> ConnectorStatus | None:
    try:
        return ConnectorStatus(value)
    except ValueError:
        return None


def _hours(hours: OpeningHours) -> dict[str, Any]:
    data: dict[str, Any] = {"twentyfourseven": hours.twentyfourseven}
    if hours.regular_hours:
        data["regular_hours"] = [
            {"weekday": r.weekday, "period_begin": r.period_begin, "period_end": r.period_end}
            for r in hours.regular_hours
        ]
    for name, periods in (
        ("exceptional_openings", hours.exceptional_openings),
        ("exceptional_closings", hours.exceptional_closings),
    ):
        if periods:
            data[name] = [_period(p) for p in periods]
    return data


def _period(period: ExceptionalPeriod) -> dict[str, str]:
    return {"period_begin": _ts(period.period_begin), "period_end": _ts(period.period_end)}


def _ts(moment: datetime) -> str:
    return str(timestamp_to_ocpi(moment))
