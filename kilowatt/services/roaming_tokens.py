"""Partner tokens (OCPI Tokens, CPO as Receiver) and real-time authorization of tokens we do
not know at the eMSPs we roam with."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kilowatt.domain.errors import AccessDenied, InvalidValue, UnknownToken
from kilowatt.domain.roaming import InterfaceRole, Partner, PartnerFailed, PartyRole
from kilowatt.domain.tariff_json import timestamp_to_ocpi
from kilowatt.domain.tokens import (
    Authorization,
    AuthorizationRequest,
    AuthorizationStatus,
    IdToken,
    TokenStatus,
    TokenType,
    WhitelistType,
)
from kilowatt.ports import UnitOfWorkFactory
from kilowatt.services.roaming import Roaming

__all__ = ["RoamingAuthorizer", "TokenKey", "get_token", "patch_token", "put_token", "token_object"]

log = logging.getLogger(__name__)

_ALLOWED = {
    "ALLOWED": AuthorizationStatus.ACCEPTED,
    "BLOCKED": AuthorizationStatus.BLOCKED,
    "EXPIRED": AuthorizationStatus.EXPIRED,
    "NO_CREDIT": AuthorizationStatus.INVALID,
    "NOT_ALLOWED": AuthorizationStatus.INVALID,
}


@dataclasses.dataclass(frozen=True, slots=True)
class TokenKey:
    """Where a partner's token lives in the OCPI URL: /{country_code}/{party_id}/{uid}."""

    country_code: str
    party_id: str
    uid: str


def _owner_check(partner: Partner, key: TokenKey) -> None:
    if not any(
        (r.country_code, r.party_id) == (key.country_code, key.party_id) for r in partner.roles
    ):
        raise AccessDenied(f"{key.country_code}/{key.party_id} is not one of the caller's parties")


async def put_token(
    key: TokenKey, body: Mapping[str, Any], partner: Partner, uow: UnitOfWorkFactory, now: datetime
) -> None:
    """Store (or replace) a token an eMSP issued, under its country code and party id."""
    _owner_check(partner, key)
    async with uow() as work:
        existing = await work.tokens.get(key.uid)
        _not_someone_elses(existing, key)
        token = _from_ocpi(key, body, existing.created_at if existing else now, now)
        work.tokens.save(token) if existing else work.tokens.add(token)
        await work.commit()


async def patch_token(
    key: TokenKey,
    changes: Mapping[str, Any],
    partner: Partner,
    uow: UnitOfWorkFactory,
    now: datetime,
) -> None:
    _owner_check(partner, key)
    async with uow() as work:
        existing = await work.tokens.get(key.uid)
        if existing is None or existing.party_id != key.party_id:
            raise UnknownToken(f"no token {key.uid} of {key.country_code}/{key.party_id}")
        merged = token_object(existing) | dict(changes)
        work.tokens.save(_from_ocpi(key, merged, existing.created_at, now))
        await work.commit()


async def get_token(key: TokenKey, partner: Partner, uow: UnitOfWorkFactory) -> dict[str, Any]:
    _owner_check(partner, key)
    async with uow() as work:
        token = await work.tokens.get(key.uid)
    if token is None or (token.country_code, token.party_id) != (key.country_code, key.party_id):
        raise UnknownToken(f"no token {key.uid} of {key.country_code}/{key.party_id}")
    return token_object(token)


def _not_someone_elses(existing: IdToken | None, key: TokenKey) -> None:
    if existing is not None and (existing.country_code, existing.party_id) != (
        key.country_code,
        key.party_id,
    ):
        raise InvalidValue(f"token {key.uid} belongs to another party")


def _from_ocpi(key: TokenKey, body: Mapping[str, Any], created: datetime, now: datetime) -> IdToken:
    try:
        return IdToken(
            uid=key.uid,
            type=TokenType(body.get("type", "RFID")),
            created_at=created,
            updated_at=now,
            contract_id=body.get("contract_id"),
            visual_number=body.get("visual_number"),
            issuer=body.get("issuer"),
            group_id=body.get("group_id"),
            status=TokenStatus.ACTIVE if body.get("valid", True) else TokenStatus.BLOCKED,
            whitelist=WhitelistType(body.get("whitelist", "ALLOWED")),
            language=body.get("language"),
            country_code=key.country_code,
            party_id=key.party_id,
        )
    except (ValueError, TypeError) as error:
        raise InvalidValue(f"not an OCPI Token: {error}") from None


def token_object(token: IdToken) -> dict[str, Any]:
    """The token as an OCPI Token object."""
    data: dict[str, Any] = {
        "country_code": token.country_code,
        "party_id": token.party_id,
        "uid": token.uid,
        "type": token.type.value,
        "contract_id": token.contract_id or token.uid,
        "issuer": token.issuer or "",
        "valid": token.status is TokenStatus.ACTIVE,
        "whitelist": token.whitelist.value,
        "last_updated": timestamp_to_ocpi(token.updated_at),
    }
    optional = {
        "visual_number": token.visual_number,
        "group_id": token.group_id,
        "language": token.language,
    }
    return data | {k: v for k, v in optional.items() if v is not None}


class RoamingAuthorizer:
    """For a token nobody here knows: ask each registered eMSP's tokens module
    (POST .../tokens/{uid}/authorize); the first that knows it decides."""

    def __init__(self, roaming: Roaming) -> None:
        self._roaming = roaming

    async def authorize(self, request: AuthorizationRequest) -> Authorization | None:
        for partner in await self._roaming.partners.all():
            url = partner.endpoint("tokens", InterfaceRole.SENDER)
            if not partner.registered or not partner.acts_as(PartyRole.EMSP) or url is None:
                continue
            assert partner.their_token is not None
            token_type = _ocpi_type(request.token_type)
            try:
                info = await self._roaming.peer.authorize(
                    f"{url.rstrip('/')}/{request.uid}/authorize",
                    partner.their_token,
                    token_type,
                    partner.party(PartyRole.EMSP),
                )
            except PartnerFailed as failure:
                log.warning("real-time authorization at %s failed: %s", partner.id, failure)
                continue
            if info is not None:
                return _decision(info)
        return None


def _ocpi_type(ocpp_type: str | None) -> str:
    return {"eMAID": "APP_USER", "Central": "OTHER"}.get(ocpp_type or "", "RFID")


def _decision(info: Mapping[str, Any]) -> Authorization:
    status = _ALLOWED.get(str(info.get("allowed")), AuthorizationStatus.INVALID)
    token = info.get("token")
    group = token.get("group_id") if isinstance(token, dict) else None
    reference = info.get("authorization_reference")  # for the Session and CDR of this charge
    if not isinstance(reference, str) or not 1 <= len(reference) <= 36:
        reference = None
    return Authorization(status, group_id=group, authorization_reference=reference, real_time=True)
