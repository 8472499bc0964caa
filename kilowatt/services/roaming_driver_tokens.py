"""Our drivers' tokens towards partner CPOs (OCPI Tokens, eMSP as Sender): the paged list a
CPO pulls, real-time authorization answered from our own accounts, and the token PUT a CPO
receives when a card is registered or blocked (staged by ``Pusher``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kilowatt.domain.errors import InvalidValue, UnknownToken
from kilowatt.domain.tokens import IdToken, TokenStatus
from kilowatt.ports import OcpiPage, RoamingReads, UpdatedWindow
from kilowatt.services.roaming_tokens import token_object

__all__ = ["all_driver_tokens", "authorization_info", "driver_token_page", "ocpi_token"]

_TYPES = {"AD_HOC_USER", "APP_USER", "OTHER", "RFID"}


def ocpi_token(token: IdToken) -> dict[str, Any]:
    """A driver's token as an OCPI Token (its eMA id as contract_id)."""
    return token_object(token)


async def driver_token_page(
    reads: RoamingReads, window: UpdatedWindow, *, limit: int, offset: int
) -> OcpiPage[dict[str, Any]]:
    page = await reads.driver_token_page(window, limit=limit, offset=offset)
    return OcpiPage([ocpi_token(token) for token in page.items], page.total)


async def all_driver_tokens(reads: RoamingReads) -> list[IdToken]:
    """Every token of our drivers, a page at a time."""
    tokens: list[IdToken] = []
    while True:
        page = await reads.driver_token_page(UpdatedWindow(), limit=500, offset=len(tokens))
        tokens += page.items
        if not page.items or len(tokens) >= page.total:
            return tokens


async def authorization_info(
    uid: str,
    token_type: str | None,
    body: Mapping[str, Any] | None,
    reads: RoamingReads,
    now: datetime,
) -> dict[str, Any]:
    """POST /tokens/{uid}/authorize: ALLOWED, BLOCKED or EXPIRED from our accounts. A CPO that
    names a location gets it back: our drivers may charge at any EVSE of it."""
    if token_type is not None and token_type not in _TYPES:
        raise InvalidValue(f"unknown token type {token_type!r}")
    # a uid names one token of ours whatever its type, and an OCPP 1.6 station cannot tell
    # the CPO the type (it asks for RFID): the type is checked, not used to look up
    token = await reads.driver_token(uid)
    if token is None:
        raise UnknownToken(f"no token {uid}")
    info: dict[str, Any] = {
        "allowed": _allowed(token, now),
        "token": ocpi_token(token),
        "authorization_reference": uuid.uuid4().hex,
    }
    location = _location(body)
    return info if location is None else info | {"location": location}


def _allowed(token: IdToken, now: datetime) -> str:
    if token.status is TokenStatus.BLOCKED:
        return "BLOCKED"
    if token.expires_at is not None and token.expires_at <= now:
        return "EXPIRED"
    return "ALLOWED"


def _location(body: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The LocationReferences of the request, checked; None when there were none."""
    if not body:
        return None
    location_id, evse_uids = body.get("location_id"), body.get("evse_uids", [])
    if not isinstance(location_id, str) or not isinstance(evse_uids, list):
        raise InvalidValue("LocationReferences need a location_id and a list of evse_uids")
    if not all(isinstance(uid, str) for uid in evse_uids):
        raise InvalidValue("evse_uids are strings")
    return {"location_id": location_id, "evse_uids": evse_uids}
