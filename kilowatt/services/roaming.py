"""OCPI roaming use cases (issue 6): invitations and the credentials handshake both ways.

Registration, seen from either side (OCPI 2.2.1 credentials module):
1. The receiving side hands out token A (``invite``) and its versions URL.
2. The initiator fetches versions and details with A, makes token B, POSTs its credentials
   (B and its versions URL) with A (``register_at``).
3. The receiver fetches the initiator's versions and details with B, makes token C and answers
   with its credentials (``accept_registration``). A is dead from then on.
Tokens we hand out are stored as SHA-256 digests only.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kilowatt.domain.errors import Conflict, InvalidValue
from kilowatt.domain.roaming import (
    OCPI_VERSION,
    Handshake,
    Partner,
    PartnerFailed,
    PartnerRegistered,
    PartnerStatus,
    PartyRole,
    parse_roles,
)
from kilowatt.ports import Clock, EventPublisher, PartnerRegistry, RoamingPeer

__all__ = [
    "Invitation",
    "OurParty",
    "Registration",
    "Roaming",
    "accept_registration",
    "authenticate",
    "end_registration",
    "invite",
    "our_credentials",
    "partners",
    "register_at",
    "token_digest",
    "update_registration",
]

log = logging.getLogger(__name__)


class Registration(Conflict):
    """The credentials call does not fit the registration state (OCPI: HTTP 405)."""


@dataclass(frozen=True, slots=True)
class OurParty:
    """Who we are in OCPI: one party (CPO and eMSP), and where our versions list is."""

    country_code: str
    party_id: str
    name: str
    versions_url: str


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Roaming:
    """What the roaming use cases work with, wired once by bootstrap."""

    partners: PartnerRegistry
    peer: RoamingPeer
    clock: Clock
    us: OurParty
    new_token: Callable[[], str] = field(default=_new_token)
    events: EventPublisher | None = None  # told of PartnerRegistered


@dataclass(frozen=True, slots=True)
class Invitation:
    partner_id: str
    token: str  # token A: give it to the partner with ``versions_url``
    versions_url: str


def token_digest(token: str) -> str:
    """Our tokens are 256 random bits: a plain SHA-256 digest is a safe way to keep them."""
    return hashlib.sha256(token.encode()).hexdigest()


async def invite(roaming: Roaming) -> Invitation:
    """A fresh token A, good for one registration at our credentials module."""
    token, now = roaming.new_token(), roaming.clock.now()
    partner = Partner(str(uuid.uuid4()), PartnerStatus.INVITED, now, now, token_digest(token))
    await roaming.partners.save(partner)
    return Invitation(partner.id, token, roaming.us.versions_url)


async def authenticate(roaming: Roaming, candidates: Sequence[str]) -> Partner | None:
    """The partner one of the candidate tokens (decoded from base64, or raw) belongs to."""
    for token in candidates:
        partner = await roaming.partners.by_token(token_digest(token))
        if partner is not None and partner.status is not PartnerStatus.UNREGISTERED:
            return partner
    return None


async def partners(roaming: Roaming) -> Sequence[Partner]:
    return await roaming.partners.all()


def our_credentials(roaming: Roaming, token: str) -> dict[str, Any]:
    """Our OCPI Credentials object carrying ``token`` (the one they will call us with): one
    platform in both roles, CPO and eMSP, under the same party."""
    us = roaming.us
    party = {"country_code": us.country_code, "party_id": us.party_id}
    details = {"business_details": {"name": us.name}}
    roles = [{"role": role.value} | party | details for role in (PartyRole.CPO, PartyRole.EMSP)]
    return {"token": token, "url": us.versions_url, "roles": roles}


async def accept_registration(
    roaming: Roaming, partner: Partner, body: Mapping[str, Any]
) -> dict[str, Any]:
    """POST /credentials: they registered with token A; our credentials carry token C."""
    if partner.status is not PartnerStatus.INVITED:
        raise Registration("already registered: use PUT to update the credentials")
    return await _complete(roaming, partner, body)


async def update_registration(
    roaming: Roaming, partner: Partner, body: Mapping[str, Any]
) -> dict[str, Any]:
    """PUT /credentials: new token B and versions URL from them, a new token C from us."""
    if not partner.registered:
        raise Registration("not registered: use POST to register")
    return await _complete(roaming, partner, body)


async def end_registration(roaming: Roaming, partner: Partner) -> None:
    """DELETE /credentials: neither side's token works afterwards."""
    if not partner.registered:
        raise Registration("not registered")
    partner.unregister(roaming.clock.now())
    await roaming.partners.save(partner)


async def _complete(roaming: Roaming, partner: Partner, body: Mapping[str, Any]) -> dict[str, Any]:
    token, url = body.get("token"), body.get("url")
    if not isinstance(token, str) or not token or not isinstance(url, str) or not url:
        raise InvalidValue("credentials need a token and a url")
    handshake = await _handshake(roaming, token, url, parse_roles(body.get("roles")))
    ours = roaming.new_token()
    partner.register(handshake, token_digest(ours), roaming.clock.now())
    await roaming.partners.save(partner)
    log.info("OCPI partner %s registered (%s)", partner.id, url)
    await _announce(roaming, partner)
    return our_credentials(roaming, ours)


async def _announce(roaming: Roaming, partner: Partner) -> None:
    if roaming.events is not None:
        await roaming.events.publish([PartnerRegistered(partner.id)])


async def _handshake(roaming: Roaming, token: str, versions_url: str, roles: Any) -> Handshake:
    versions = await roaming.peer.versions(versions_url, token)
    chosen = next((v for v in versions if v.get("version") == OCPI_VERSION), None)
    if chosen is None or not isinstance(chosen.get("url"), str):
        raise PartnerFailed(f"{versions_url} offers no OCPI {OCPI_VERSION}", 3002)
    endpoints = tuple(await roaming.peer.endpoints(chosen["url"], token))
    if not any(e.identifier == "credentials" for e in endpoints):
        raise PartnerFailed(f"OCPI {OCPI_VERSION} at {versions_url} has no credentials", 3003)
    return Handshake(token, versions_url, roles, endpoints)


async def register_at(roaming: Roaming, versions_url: str, token_a: str) -> Partner:
    """Register at a partner that gave us ``versions_url`` and token A (we are the initiator)."""
    probe = await _handshake(roaming, token_a, versions_url, ())
    credentials_url = next(e.url for e in probe.endpoints if e.identifier == "credentials")
    token_b, now = roaming.new_token(), roaming.clock.now()
    # saved before the POST: while handling it they fetch our versions with token B
    partner = Partner(str(uuid.uuid4()), PartnerStatus.INVITED, now, now, token_digest(token_b))
    await roaming.partners.save(partner)
    answer = await roaming.peer.post_credentials(
        credentials_url, token_a, our_credentials(roaming, token_b)
    )
    token_c, their_url = answer.get("token"), answer.get("url")
    if not isinstance(token_c, str) or not isinstance(their_url, str):
        raise PartnerFailed(f"{credentials_url} answered without a token and url")
    handshake = Handshake(token_c, their_url, parse_roles(answer.get("roles")), probe.endpoints)
    partner.register(handshake, token_digest(token_b), roaming.clock.now())
    await roaming.partners.save(partner)
    await _announce(roaming, partner)
    return partner
