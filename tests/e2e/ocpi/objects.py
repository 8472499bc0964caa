"""OCPI objects a partner CPO (DE*CPO) pushes in the tests: the spec's examples moved to its
party, and a session and CDR of the card KWTCARD1 at its location LOC1."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

EXAMPLES = Path("/work/shared/specs/ocpi-2.2.1/examples")
EMSP = "/ocpi/emsp/2.2.1"  # our eMSP Receiver interfaces
LOCATION = f"{EMSP}/locations/DE/CPO/LOC1"  # the partner CPO DE*CPO's location


def example(name: str, **changes: Any) -> dict[str, Any]:
    """A spec example, moved to the partner's party (DE*CPO)."""
    path = EXAMPLES / name
    if path.exists():
        body: dict[str, Any] = json.loads(path.read_text())
    else:  # the spec checkout is optional: the objects below are the examples' essentials
        body = copy.deepcopy(_FALLBACK[name])
    return body | {"country_code": "DE", "party_id": "CPO"} | changes


CONNECTOR = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "CABLE",
    "power_type": "AC_3_PHASE",
    "max_voltage": 220,
    "max_amperage": 16,
    "last_updated": "2015-03-16T10:10:02Z",
}
_FALLBACK: dict[str, dict[str, Any]] = {
    "location_example.json": {
        "id": "LOC1",
        "publish": True,
        "address": "F.Rooseveltlaan 3A",
        "city": "Gent",
        "country": "BEL",
        "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "evses": [
            {
                "uid": "3256",
                "status": "AVAILABLE",
                "connectors": [CONNECTOR],
                "last_updated": "2015-06-28T08:12:01Z",
            }
        ],
        "time_zone": "Europe/Brussels",
        "last_updated": "2015-06-29T20:39:09Z",
    },
}


def session(**changes: Any) -> dict[str, Any]:
    body = {
        "country_code": "DE",
        "party_id": "CPO",
        "id": "SES1",
        "start_date_time": "2026-11-01T10:00:00Z",
        "kwh": 0,
        "cdr_token": {"uid": "KWTCARD1", "type": "RFID", "contract_id": "NL-KWT-C1"},
        "auth_method": "COMMAND",
        "location_id": "LOC1",
        "evse_uid": "3256",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": "2026-11-01T10:00:00Z",
    }
    return body | changes


def cdr(**changes: Any) -> dict[str, Any]:
    body = {
        "country_code": "DE",
        "party_id": "CPO",
        "id": "CDR1",
        "session_id": "SES1",
        "start_date_time": "2026-11-01T10:00:00Z",
        "end_date_time": "2026-11-01T11:00:00Z",
        "cdr_token": {"uid": "KWTCARD1", "type": "RFID", "contract_id": "NL-KWT-C1"},
        "auth_method": "COMMAND",
        "cdr_location": {"id": "LOC1", "evse_uid": "3256", "connector_id": "1"},
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2026-11-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 5}],
            }
        ],
        "total_cost": {"excl_vat": 2.5},
        "total_energy": 5,
        "total_time": 1,
        "last_updated": "2026-11-01T11:00:00Z",
    }
    return body | changes
