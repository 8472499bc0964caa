"""Charge detail records (OCPI 2.2.1 CDR): what a finished session cost, and why.

A CDR is issued once per finished transaction and never changes. A correction is a
*credit CDR* (the same record, ``credit`` true, ``credit_reference_id`` naming the
original, only ``total_cost`` negated, as mod_cdrs "Credit CDRs" says) followed by a new
CDR with the next revision. Ids: revision 0 is the transaction's key, revision n appends
``-n``; a credit CDR appends ``-C`` to the id it credits (39 characters at most).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kilowatt.domain.errors import Conflict
from kilowatt.domain.pricing import ChargingPeriod, CostBreakdown
from kilowatt.domain.tariff_json import timestamp_to_ocpi
from kilowatt.domain.tariffs import Tariff

__all__ = [
    "AuthMethod",
    "Cdr",
    "CdrLocation",
    "CdrToken",
    "SignedData",
    "SignedValue",
    "cdr_id",
    "credit_note",
]


class AuthMethod(StrEnum):
    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


def cdr_id(transaction_key: str, revision: int) -> str:
    """The id of a transaction's CDR of ``revision`` (0: the first one)."""
    return transaction_key if revision == 0 else f"{transaction_key}-{revision}"


@dataclass(frozen=True, slots=True)
class CdrToken:
    uid: str
    type: str
    contract_id: str
    country_code: str
    party_id: str

    def to_ocpi(self) -> dict[str, object]:
        return {
            "country_code": self.country_code,
            "party_id": self.party_id,
            "uid": self.uid,
            "type": self.type,
            "contract_id": self.contract_id,
        }


@dataclass(frozen=True, slots=True)
class CdrLocation:
    """The location, EVSE and connector as they were when the session ran."""

    id: str
    name: str | None
    address: str
    city: str
    postal_code: str | None
    state: str | None
    country: str
    latitude: Decimal
    longitude: Decimal
    evse_uid: str
    evse_id: str
    connector_id: str
    connector_standard: str
    connector_format: str
    connector_power_type: str

    def to_ocpi(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.id}
        _put(data, "name", self.name)
        data |= {"address": self.address, "city": self.city}
        _put(data, "postal_code", self.postal_code)
        _put(data, "state", self.state)
        data["country"] = self.country
        data["coordinates"] = {"latitude": str(self.latitude), "longitude": str(self.longitude)}
        return data | {
            "evse_uid": self.evse_uid,
            "evse_id": self.evse_id,
            "connector_id": self.connector_id,
            "connector_standard": self.connector_standard,
            "connector_format": self.connector_format,
            "connector_power_type": self.connector_power_type,
        }


@dataclass(frozen=True, slots=True)
class SignedValue:
    nature: str  # Start, End, Intermediate
    plain_data: str
    signed_data: str


@dataclass(frozen=True, slots=True)
class SignedData:
    """The station's signed meter values (e.g. OCMF), as it sent them."""

    encoding_method: str
    signed_values: tuple[SignedValue, ...]
    public_key: str | None = None

    def to_ocpi(self) -> dict[str, object]:
        data: dict[str, object] = {"encoding_method": self.encoding_method}
        _put(data, "public_key", self.public_key)
        data["signed_values"] = [
            {"nature": v.nature, "plain_data": v.plain_data, "signed_data": v.signed_data}
            for v in self.signed_values
        ]
        return data


@dataclass(frozen=True, slots=True)
class Cdr:
    """A CDR as first issued for a transaction (never a credit: see ``credit_note``)."""

    country_code: str
    party_id: str
    id: str
    start_date_time: datetime
    end_date_time: datetime
    session_id: str
    cdr_token: CdrToken
    auth_method: AuthMethod
    cdr_location: CdrLocation
    currency: str
    cost: CostBreakdown
    last_updated: datetime
    tariffs: tuple[Tariff, ...] = ()
    charging_periods: tuple[ChargingPeriod, ...] = ()
    signed_data: SignedData | None = None
    meter_id: str | None = None
    remark: str | None = None
    authorization_reference: str | None = None  # the eMSP's, when it gave one

    def to_ocpi(self) -> dict[str, object]:
        """The OCPI CDR object (numbers as ``Decimal``, times as UTC ``Z`` strings)."""
        data: dict[str, object] = {
            "country_code": self.country_code,
            "party_id": self.party_id,
            "id": self.id,
            "start_date_time": timestamp_to_ocpi(self.start_date_time),
            "end_date_time": timestamp_to_ocpi(self.end_date_time),
            "session_id": self.session_id,
            "cdr_token": self.cdr_token.to_ocpi(),
            "auth_method": str(self.auth_method),
        }
        _put(data, "authorization_reference", self.authorization_reference)
        data["cdr_location"] = self.cdr_location.to_ocpi()
        _put(data, "meter_id", self.meter_id)
        data["currency"] = self.currency
        if self.tariffs:
            data["tariffs"] = [tariff.to_ocpi() for tariff in self.tariffs]
        data["charging_periods"] = [period.to_ocpi() for period in self.charging_periods]
        if self.signed_data is not None:
            data["signed_data"] = self.signed_data.to_ocpi()
        data |= _totals(self.cost)
        _put(data, "remark", self.remark)
        data["last_updated"] = timestamp_to_ocpi(self.last_updated)
        return data


def _totals(cost: CostBreakdown) -> dict[str, object]:
    data: dict[str, object] = {
        "total_cost": cost.total_cost.to_ocpi(),
        "total_fixed_cost": cost.total_fixed_cost.to_ocpi(),
        "total_energy": cost.total_energy,
        "total_energy_cost": cost.total_energy_cost.to_ocpi(),
        "total_time": cost.total_time,
        "total_time_cost": cost.total_time_cost.to_ocpi(),
        "total_parking_time": cost.total_parking_time,
        "total_parking_cost": cost.total_parking_cost.to_ocpi(),
    }
    if cost.total_reservation_cost.excl_vat:
        data["total_reservation_cost"] = cost.total_reservation_cost.to_ocpi()
    return data


def credit_note(original: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The credit CDR of an issued CDR (an OCPI CDR object): all its data, negated cost."""
    if original.get("credit"):
        raise Conflict(f"CDR {original['id']} is a credit CDR; it cannot be credited")
    credit = copy.deepcopy(original)
    credit["id"] = f"{original['id']}-C"
    cost = credit["total_cost"]
    credit["total_cost"] = {key: -Decimal(str(value)) for key, value in cost.items()}
    credit["credit"] = True
    credit["credit_reference_id"] = original["id"]
    credit["last_updated"] = timestamp_to_ocpi(now)
    return credit


def _put(data: dict[str, object], key: str, value: object) -> None:
    if value is not None:
        data[key] = value
