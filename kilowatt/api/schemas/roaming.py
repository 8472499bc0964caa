"""Bodies of the roaming (OCPI) endpoints of the operator API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.domain.roaming import Partner
from kilowatt.domain.roaming_objects import ReceivedObject, SentCommand
from kilowatt.services.roaming_sync import SyncCount

__all__ = [
    "CommandPublic",
    "InvitationPublic",
    "PartnerLocationPublic",
    "PartnerPublic",
    "PartnerRegister",
    "StartSession",
    "StopSession",
    "SyncPublic",
    "SyncRequest",
]


class InvitationPublic(BaseModel):
    partner_id: str
    token: str = Field(description="Token A: give it to the partner with the versions URL")
    versions_url: str


class PartnerRegister(BaseModel):
    versions_url: str = Field(max_length=255, description="The partner's /versions URL")
    token: str = Field(min_length=1, max_length=255, description="Token A the partner gave us")


class PartnerPublic(BaseModel):
    """A partner; tokens are never shown."""

    id: str
    status: str
    country_code: str | None
    party_id: str | None
    role: str | None
    name: str | None
    versions_url: str | None
    version: str | None
    endpoints: list[dict[str, str]]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, partner: Partner) -> PartnerPublic:
        first = partner.roles[0] if partner.roles else None
        return cls(
            id=partner.id,
            status=partner.status.value,
            country_code=first.country_code if first else None,
            party_id=first.party_id if first else None,
            role=first.role.value if first else None,
            name=str(first.business_details.get("name")) if first else None,
            versions_url=partner.versions_url,
            version=partner.version,
            endpoints=[
                {"identifier": e.identifier, "role": e.role.value, "url": e.url}
                for e in partner.endpoints
            ],
            created_at=partner.created_at,
            updated_at=partner.updated_at,
        )


class SyncRequest(BaseModel):
    modules: list[Literal["locations", "tariffs", "sessions", "cdrs"]] = Field(
        default=["locations", "tariffs", "sessions", "cdrs"], min_length=1
    )
    date_from: datetime | None = Field(default=None, description="Only what changed since")


class SyncPublic(BaseModel):
    """Per module: objects stored (new or changed), unchanged, refused (first errors)."""

    stored: int
    unchanged: int
    refused: int
    errors: list[str]

    @classmethod
    def of(cls, count: SyncCount) -> SyncPublic:
        return cls(
            stored=count.stored,
            unchanged=count.unchanged,
            refused=count.refused,
            errors=count.errors,
        )


class StartSession(BaseModel):
    partner_id: str
    location_id: str = Field(max_length=36)
    token_uid: str = Field(max_length=36, description="One of our drivers' tokens")
    evse_uid: str | None = Field(default=None, max_length=36)
    connector_id: str | None = Field(default=None, max_length=36)


class StopSession(BaseModel):
    partner_id: str
    session_id: str = Field(max_length=36, description="A session the partner sent us")


class ReserveNow(BaseModel):
    partner_id: str
    location_id: str = Field(max_length=36)
    token_uid: str = Field(max_length=36, description="One of our drivers' tokens")
    expiry_date: AwareDatetime = Field(description="Until when the reservation holds")
    reservation_id: str = Field(
        default_factory=lambda: str(uuid.uuid4()),
        max_length=36,
        description="Ours to choose (made up when left out); the same one again replaces it",
    )
    evse_uid: str | None = Field(
        default=None, max_length=36, description="Left out: any EVSE of the location"
    )


class CancelReservation(BaseModel):
    partner_id: str
    reservation_id: str = Field(max_length=36)


class UnlockConnector(BaseModel):
    partner_id: str
    location_id: str = Field(max_length=36)
    evse_uid: str = Field(max_length=36)
    connector_id: str = Field(max_length=36)


class DriverRoamingStart(Input):
    """Start charging at a partner CPO's location with your app token."""

    partner_id: str
    location_id: str = Field(max_length=36)
    evse_uid: str | None = Field(default=None, max_length=36)
    connector_id: str | None = Field(default=None, max_length=36)


class ReceivedPublic(BaseModel):
    """A session or CDR a partner CPO sent us, as its OCPI object."""

    partner_id: str
    country_code: str
    party_id: str
    object: dict[str, Any] = Field(description="The OCPI Session or CDR as the CPO sent it")
    stopped_reason: str | None = Field(
        default=None,
        description="A session we stopped because its top-up was refused: why, for the driver",
    )

    @classmethod
    def of(cls, item: ReceivedObject) -> ReceivedPublic:
        key = item.key
        return cls(
            partner_id=item.partner_id,
            country_code=key.country_code,
            party_id=key.party_id,
            object=item.body,
        )


class CommandPublic(BaseModel):
    """A command sent to a partner CPO: its CommandResponse, then its CommandResult."""

    id: str
    partner_id: str
    command: str
    request: dict[str, Any]
    response: str | None
    result: str | None
    message: str | None
    created_at: datetime
    updated_at: datetime
    result_due_at: datetime | None = Field(
        description="After this, without a CommandResult, the result is TIMEOUT"
    )

    @classmethod
    def of(cls, command: SentCommand) -> CommandPublic:
        names = cls.model_fields
        return cls(**{name: getattr(command, name) for name in names})


class PartnerLocationPublic(BaseModel):
    """A partner CPO's location, as the OCPI Location object it sent."""

    partner_id: str
    location: dict[str, Any]
