"""Request dependencies of the OCPI API: the backend and the calling partner (by its token)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from kilowatt.domain.roaming import Partner
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


async def _registered(caller: CallerDep) -> Partner:
    if not caller.registered:
        raise OcpiError(401, 2000, "this token only serves to register (credentials POST)")
    return caller


RegisteredDep = Annotated[Partner, Depends(_registered)]
