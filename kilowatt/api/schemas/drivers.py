"""Driver accounts, their cards and app sessions (the driver API, ``/api/v1/driver``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.domain.drivers import Driver
from kilowatt.domain.tokens import IdToken, TokenStatus, TokenType

__all__ = [
    "CardCreate",
    "CardReplace",
    "DriverPublic",
    "DriverSessionStart",
    "DriverTokenPublic",
    "DriverUpdate",
    "PasswordReset",
    "PasswordResetRequest",
    "SignIn",
    "SignUpForm",
    "SignedIn",
    "VerifyEmail",
]


class SignUpForm(Input):
    email: str = Field(max_length=254, examples=["ada@example.com"])
    password: str = Field(min_length=10, max_length=256)
    name: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, min_length=2, max_length=2)


class SignIn(Input):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class SignedIn(BaseModel):
    token: str = Field(description="Send as Authorization: Bearer <token>")
    token_type: str = "bearer"


class VerifyEmail(Input):
    token: str = Field(min_length=1, max_length=128)


class PasswordResetRequest(Input):
    email: str = Field(max_length=254)


class PasswordReset(Input):
    token: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=10, max_length=256)


class DriverUpdate(Input):
    name: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, min_length=2, max_length=2)


class DriverPublic(BaseModel):
    id: str
    email: str
    email_verified: bool
    contract_id: str
    name: str | None
    language: str | None
    created_at: datetime

    @classmethod
    def of(cls, driver: Driver) -> DriverPublic:
        fields = {name: getattr(driver, name) for name in cls.model_fields}
        return cls(**fields)


class DriverTokenPublic(BaseModel):
    uid: str
    type: TokenType
    status: TokenStatus
    contract_id: str | None
    visual_number: str | None
    created_at: datetime

    @classmethod
    def of(cls, token: IdToken) -> DriverTokenPublic:
        return cls(**{name: getattr(token, name) for name in cls.model_fields})


class CardCreate(Input):
    uid: str = Field(min_length=1, max_length=36, examples=["04A1B2C3D4E501"])
    visual_number: str | None = Field(default=None, max_length=64)


class CardReplace(CardCreate):
    """The new card; the one in the path is blocked."""


class DriverSessionStart(Input):
    station_id: str = Field(min_length=1, max_length=48)
    evse_id: int = Field(ge=1)
