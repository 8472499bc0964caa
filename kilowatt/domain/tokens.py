"""ID tokens (RFID cards, app and roaming tokens) and the pure rules that authorize them.

Shaped after OCPI 2.2.1 Tokens so they can be exchanged with roaming partners as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilowatt.domain.errors import InvalidValue

__all__ = [
    "Authorization",
    "AuthorizationRequest",
    "AuthorizationStatus",
    "IdToken",
    "TokenStatus",
    "TokenType",
    "WhitelistType",
    "decide",
]


class TokenType(StrEnum):
    """OCPI TokenType."""

    RFID = "RFID"
    APP_USER = "APP_USER"
    AD_HOC_USER = "AD_HOC_USER"
    OTHER = "OTHER"


class TokenStatus(StrEnum):
    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"


class WhitelistType(StrEnum):
    """OCPI WhitelistType: may the station authorize the token without asking us."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AuthorizationStatus(StrEnum):
    """The answer to "may this token charge?" (OCPP 1.6 names; 2.0.1 adds Unknown etc.)."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"


@dataclass(slots=True)
class IdToken:
    """A token a driver identifies with: an RFID card uid, an app token, a roaming token.

    ``country_code`` and ``party_id`` name the issuing eMSP (ourselves for local tokens,
    a partner for roaming tokens).
    """

    uid: str
    type: TokenType
    created_at: datetime
    updated_at: datetime
    contract_id: str | None = None
    visual_number: str | None = None
    issuer: str | None = None
    group_id: str | None = None
    status: TokenStatus = TokenStatus.ACTIVE
    expires_at: datetime | None = None
    whitelist: WhitelistType = WhitelistType.ALLOWED
    language: str | None = None
    country_code: str | None = None
    party_id: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.uid) <= 36:
            raise InvalidValue("a token uid has 1 to 36 characters")


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A station asks whether a token may charge (Authorize, StartTransaction...)."""

    uid: str
    station_id: str
    token_type: str | None = None  # the OCPP 2.0.1 IdTokenType, if given
    evse_id: int | None = None


@dataclass(frozen=True, slots=True)
class Authorization:
    """The decision, with what a station may cache (expiry, group)."""

    status: AuthorizationStatus
    expires_at: datetime | None = None
    group_id: str | None = None
    authorization_reference: str | None = None  # an eMSP's, from OCPI real-time authorization
    real_time: bool = False  # given by an eMSP asked now (OCPI auth_method AUTH_REQUEST)


def decide(token: IdToken | None, now: datetime) -> Authorization:
    """Authorize a token against its own record: unknown, blocked or expired tokens fail."""
    if token is None:
        return Authorization(AuthorizationStatus.INVALID)
    if token.status is TokenStatus.BLOCKED:
        return Authorization(AuthorizationStatus.BLOCKED, group_id=token.group_id)
    if token.expires_at is not None and token.expires_at <= now:
        return Authorization(AuthorizationStatus.EXPIRED, group_id=token.group_id)
    return Authorization(
        AuthorizationStatus.ACCEPTED, expires_at=token.expires_at, group_id=token.group_id
    )
