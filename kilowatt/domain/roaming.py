"""Roaming partners (OCPI 2.2.1 platforms) and the rules of the credentials handshake.

A partner row starts as an invitation (we handed out token A), becomes REGISTERED when the
credentials handshake completes in either direction, and UNREGISTERED when either side ends it.
Tokens we hand out are kept only as SHA-256 digests; the token they gave us is kept to call them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kilowatt.domain.errors import DomainError, InvalidValue, NotFound
from kilowatt.domain.events import Event

__all__ = [
    "OCPI_VERSION",
    "Endpoint",
    "Handshake",
    "InterfaceRole",
    "Partner",
    "PartnerFailed",
    "PartnerRegistered",
    "PartnerRole",
    "PartnerStatus",
    "PartyAddress",
    "PartyRole",
    "UnknownLocation",
    "parse_roles",
]

OCPI_VERSION = "2.2.1"


class PartnerFailed(DomainError):
    """A partner's API could not be used: OCPI 3001 (unreachable, or it said no), 3002 (no
    common version) or 3003 (a module we need is missing)."""

    def __init__(self, message: str, ocpi_status: int = 3001) -> None:
        super().__init__(message)
        self.ocpi_status = ocpi_status


@dataclass(frozen=True, slots=True)
class PartnerRegistered(Event):
    """A credentials handshake completed (either direction, or a token rotation)."""

    partner_id: str


class UnknownLocation(NotFound):
    """A command names a location, EVSE or connector we do not publish (OCPI 2003)."""


class PartnerStatus(StrEnum):
    INVITED = "INVITED"  # token A handed out, no handshake yet
    REGISTERED = "REGISTERED"
    UNREGISTERED = "UNREGISTERED"


class PartyRole(StrEnum):
    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class InterfaceRole(StrEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One module endpoint a partner offers (OCPI Endpoint)."""

    identifier: str
    role: InterfaceRole
    url: str


@dataclass(frozen=True, slots=True)
class PartyAddress:
    """The country code and party id naming one OCPI party, as in the routing headers
    (OCPI-to-/OCPI-from-country-code and -party-id); compared case-insensitively (CiString)."""

    country_code: str
    party_id: str

    def same(self, other: PartyAddress) -> bool:
        return (self.country_code.upper(), self.party_id.upper()) == (
            other.country_code.upper(),
            other.party_id.upper(),
        )


@dataclass(frozen=True, slots=True)
class PartnerRole:
    """One party the partner's platform acts as (OCPI CredentialsRole)."""

    role: PartyRole
    country_code: str
    party_id: str
    business_details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Partner:
    """A platform we roam with, in one direction of trust each way."""

    id: str
    status: PartnerStatus
    created_at: datetime
    updated_at: datetime
    our_token_digest: str | None  # SHA-256 of the token they call us with (A, then C)
    their_token: str | None = None  # the token we call them with
    versions_url: str | None = None
    version: str | None = None
    roles: tuple[PartnerRole, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()

    @property
    def registered(self) -> bool:
        return self.status is PartnerStatus.REGISTERED

    def endpoint(self, identifier: str, role: InterfaceRole) -> str | None:
        """The URL of their module ``identifier`` in interface role ``role``, if offered."""
        found = (e.url for e in self.endpoints if e.identifier == identifier and e.role is role)
        return next(found, None)

    def acts_as(self, role: PartyRole) -> bool:
        return any(r.role is role for r in self.roles)

    def party(self, role: PartyRole) -> PartyAddress | None:
        """Their first party in ``role``: whom a request to that role's modules is to."""
        found = (PartyAddress(r.country_code, r.party_id) for r in self.roles if r.role is role)
        return next(found, None)

    def owns(self, address: PartyAddress) -> bool:
        """Whether ``address`` names one of their parties (in any role)."""
        return any(address.same(PartyAddress(r.country_code, r.party_id)) for r in self.roles)

    def register(self, handshake: Handshake, our_token_digest: str, now: datetime) -> None:
        self.status = PartnerStatus.REGISTERED
        self.their_token = handshake.their_token
        self.versions_url = handshake.versions_url
        self.version = OCPI_VERSION
        self.roles = handshake.roles
        self.endpoints = handshake.endpoints
        self.our_token_digest = our_token_digest
        self.updated_at = now

    def unregister(self, now: datetime) -> None:
        self.status = PartnerStatus.UNREGISTERED
        self.our_token_digest = None
        self.their_token = None
        self.updated_at = now


@dataclass(frozen=True, slots=True)
class Handshake:
    """What one credentials exchange taught us about the partner."""

    their_token: str
    versions_url: str
    roles: tuple[PartnerRole, ...]
    endpoints: tuple[Endpoint, ...]


def parse_roles(data: object) -> tuple[PartnerRole, ...]:
    """The ``roles`` of an OCPI Credentials object; raises ``InvalidValue`` when malformed."""
    if not isinstance(data, list) or not data:
        raise InvalidValue("credentials need a non-empty list of roles")
    roles = []
    for item in data:
        if not isinstance(item, dict):
            raise InvalidValue("a credentials role is an object")
        try:
            role = PartyRole(str(item.get("role")))
        except ValueError:
            raise InvalidValue(f"unknown role {item.get('role')!r}") from None
        country, party = str(item.get("country_code", "")), str(item.get("party_id", ""))
        if len(country) != 2 or not 1 <= len(party) <= 3:
            raise InvalidValue("a role needs a 2-letter country_code and a 3-character party_id")
        details = item.get("business_details")
        roles.append(
            PartnerRole(role, country, party, details if isinstance(details, dict) else {})
        )
    return tuple(roles)
