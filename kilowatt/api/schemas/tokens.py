"""ID tokens."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from kilowatt.api.schemas.base import Input, Patch
from kilowatt.domain.tokens import IdToken, TokenStatus, TokenType, WhitelistType

__all__ = ["TokenCreate", "TokenPublic", "TokenUpdate"]


class TokenCreate(Input):
    uid: str = Field(min_length=1, max_length=36, examples=["04A1B2C3D4E501"])
    type: TokenType = TokenType.RFID
    contract_id: str | None = Field(default=None, max_length=36, examples=["NL-KWT-C12345678-X"])
    visual_number: str | None = Field(default=None, max_length=64)
    issuer: str | None = Field(default=None, max_length=64)
    group_id: str | None = Field(default=None, max_length=36)
    status: TokenStatus = TokenStatus.ACTIVE
    expires_at: datetime | None = None
    whitelist: WhitelistType = WhitelistType.ALLOWED
    language: str | None = Field(default=None, min_length=2, max_length=2)
    country_code: str | None = Field(default=None, min_length=2, max_length=2)
    party_id: str | None = Field(default=None, min_length=3, max_length=3)


class TokenUpdate(Patch):
    required: ClassVar[frozenset[str]] = frozenset({"status", "whitelist"})

    contract_id: str | None = Field(default=None, max_length=36)
    visual_number: str | None = Field(default=None, max_length=64)
    issuer: str | None = Field(default=None, max_length=64)
    group_id: str | None = Field(default=None, max_length=36)
    status: TokenStatus | None = None
    expires_at: datetime | None = None
    whitelist: WhitelistType | None = None
    language: str | None = Field(default=None, min_length=2, max_length=2)


class TokenPublic(TokenCreate):
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, token: IdToken) -> TokenPublic:
        return cls(**{name: getattr(token, name) for name in cls.model_fields})
