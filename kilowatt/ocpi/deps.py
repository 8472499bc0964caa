"""Request dependencies of the OCPI API: the backend and the calling partner (by its token)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from kilowatt.domain.roaming import Partner, PartyAddress, PartyRole
from kilowatt.ocpi.envelope import OcpiError
from kilowatt.ocpi.mapping import Party
from kilowatt.ports import Queries, ReceivedObjects, RoamingReads, StationGateway
from kilowatt.services import roaming
from kilowatt.services.context import ServiceContext
from kilowatt.services.roaming_commands import Commands
from kilowatt.services.roaming_sent_commands import CommandSender

__all__ = [
    "CallerDep",
    "OcpiBackend",
    "OcpiBackendDep",
    "RegisteredDep",
    "routed_party",
    "token_candidates",
]


@dataclass(frozen=True, slots=True)
class OcpiBackend:
    roaming: roaming.Roaming
    ctx: ServiceContext
    queries: Queries
    reads: RoamingReads
    gateway: StationGateway
    base_url: str  # where /ocpi is served, e.g. http://127.0.0.1:8180/ocpi
    commands: Commands
    received: ReceivedObjects  # eMSP role: partner CPOs' objects
    sender: CommandSender  # eMSP role: commands we send

    @property
    def party(self) -> Party:
        return Party(self.roaming.us.country_code, self.roaming.us.party_id)


def _backend(request: Request) -> OcpiBackend:
    backend: OcpiBackend = request.app.state.ocpi
    return backend


OcpiBackendDep = Annotated[OcpiBackend, Depends(_backend)]


def token_candidates(header: str | None) -> list[str]:
    """The tokens an ``Authorization: Token ...`` header may carry: base64-decoded (OCPI
    2.2.1) first, then as sent (2.1.1 style). A raw token only ever matches its own digest,
    so accepting both lets no one in who does not hold a token."""
    if header is None or not header.startswith("Token "):
        return []
    raw = header.removeprefix("Token ").strip()
    candidates = []
    try:
        decoded = base64.b64decode(raw, validate=True).decode()
        if decoded.isprintable() and decoded:
            candidates.append(decoded)
    except (binascii.Error, UnicodeDecodeError):
        pass
    return [*candidates, raw] if raw else candidates


async def _caller(request: Request, backend: OcpiBackendDep) -> Partner:
    candidates = token_candidates(request.headers.get("Authorization"))
    partner = await roaming.authenticate(backend.roaming, candidates)
    if partner is None:
        raise OcpiError(401, 2000, "missing or unknown token: Authorization: Token <base64>")
    return partner


CallerDep = Annotated[Partner, Depends(_caller)]
"""Any partner with a valid token: token A of an invitation, or a registered partner's."""


async def _registered(request: Request, caller: CallerDep, backend: OcpiBackendDep) -> Partner:
    if not caller.registered:
        raise OcpiError(401, 2000, "this token only serves to register (credentials POST)")
    _check_route(request, caller, backend)
    return caller


def routed_party(request: Request, side: str) -> PartyAddress | None:
    """The party in the OCPI-``side``-country-code/-party-id headers (side: from, to), None
    when both are absent (peer to peer); one without the other is a 2001."""
    country = request.headers.get(f"OCPI-{side}-country-code")
    party_id = request.headers.get(f"OCPI-{side}-party-id")
    if country is None and party_id is None:
        return None
    if not country or not party_id:
        message = f"OCPI-{side}-country-code and OCPI-{side}-party-id go together"
        raise OcpiError(400, 2001, message)
    return PartyAddress(country.strip(), party_id.strip())


def _check_route(request: Request, caller: Partner, backend: OcpiBackend) -> None:
    """Message routing (transport_and_format): a request that names its parties must come
    from one of the caller's parties (any party when the caller is a hub, which forwards
    others' requests) and be to us; without the headers it is peer to peer."""
    sender, to = routed_party(request, "from"), routed_party(request, "to")
    hub = caller.acts_as(PartyRole.HUB)
    if sender is not None and not hub and not caller.owns(sender):
        message = f"OCPI-from {sender.country_code}/{sender.party_id} is not a party of yours"
        raise OcpiError(400, 2001, message)
    us = PartyAddress(backend.party.country_code, backend.party.party_id)
    if to is not None and not to.same(us):
        raise OcpiError(400, 2001, f"OCPI-to {to.country_code}/{to.party_id} is not us")


RegisteredDep = Annotated[Partner, Depends(_registered)]
