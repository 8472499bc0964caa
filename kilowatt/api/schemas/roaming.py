"""Bodies of the roaming (OCPI) endpoints of the operator API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kilowatt.domain.roaming import Partner

__all__ = ["InvitationPublic", "PartnerPublic", "PartnerRegister"]


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
