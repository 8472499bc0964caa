"""Driver accounts, their cards and app sessions (the driver API, ``/api/v1/driver``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input, Patch
from kilowatt.domain.drivers import Driver
from kilowatt.domain.locations import ConnectorStandard
from kilowatt.domain.tokens import IdToken, TokenStatus, TokenType
from kilowatt.domain.vehicles import Vehicle

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


# --- driver vehicles (issue 7) ---

__all__ += ["VehicleCreate", "VehiclePublic", "VehicleUpdate"]


class VehicleCreate(Input):
    """A vehicle of the signed-in driver. Powers in W, the usable battery in Wh."""

    name: str = Field(min_length=1, max_length=100, examples=["The blue one"])
    make: str = Field(min_length=1, max_length=100, examples=["Renault"])
    model: str = Field(min_length=1, max_length=100, examples=["Zoe R135"])
    licence_plate: str | None = Field(default=None, max_length=20, examples=["AB-123-C"])
    battery_wh: int = Field(description="usable battery capacity in Wh", examples=[52000])
    max_ac_power_w: int = Field(description="the most it takes on AC, in W", examples=[22000])
    max_dc_power_w: int | None = Field(
        default=None, description="the most it takes on DC, in W; null: no DC", examples=[46000]
    )
    connector_standards: list[ConnectorStandard] = Field(
        description="OCPI connector types the car takes", examples=[["IEC_62196_T2"]]
    )
    is_default: bool = Field(default=False, description="the driver's first vehicle is anyway")


class VehicleUpdate(Patch):
    """Fields left out stay as they are."""

    required = frozenset(
        {"name", "make", "model", "battery_wh", "max_ac_power_w", "connector_standards"}
    )

    name: str | None = Field(default=None, min_length=1, max_length=100)
    make: str | None = Field(default=None, min_length=1, max_length=100)
    model: str | None = Field(default=None, min_length=1, max_length=100)
    licence_plate: str | None = Field(default=None, max_length=20)
    battery_wh: int | None = None
    max_ac_power_w: int | None = None
    max_dc_power_w: int | None = None
    connector_standards: list[ConnectorStandard] | None = None


class VehiclePublic(BaseModel):
    id: str
    name: str
    make: str
    model: str
    licence_plate: str | None
    battery_wh: int
    max_ac_power_w: int
    max_dc_power_w: int | None
    connector_standards: list[ConnectorStandard]
    is_default: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, vehicle: Vehicle) -> VehiclePublic:
        d = vehicle.details
        return cls(
            id=vehicle.id,
            name=d.name,
            make=d.make,
            model=d.model,
            licence_plate=d.licence_plate,
            battery_wh=d.battery_wh,
            max_ac_power_w=d.max_ac_power_w,
            max_dc_power_w=d.max_dc_power_w,
            connector_standards=list(d.connector_standards),
            is_default=vehicle.is_default,
            created_at=vehicle.created_at,
            updated_at=vehicle.updated_at,
        )
