"""Roaming (OCPI 2.2.1): invite a partner, register at one, list partners."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from kilowatt.api.schemas.roaming import InvitationPublic, PartnerPublic, PartnerRegister
from kilowatt.services import roaming

router = APIRouter(tags=["roaming"])


def _roaming(request: Request) -> roaming.Roaming:
    found: roaming.Roaming = request.app.state.roaming
    return found


RoamingDep = Annotated[roaming.Roaming, Depends(_roaming)]


@router.post("/ocpi/invitations", status_code=status.HTTP_201_CREATED)
async def create_invitation(backend: RoamingDep) -> InvitationPublic:
    """A fresh token A and our versions URL, for a partner to register with us."""
    invitation = await roaming.invite(backend)
    return InvitationPublic(
        partner_id=invitation.partner_id,
        token=invitation.token,
        versions_url=invitation.versions_url,
    )


@router.post("/ocpi/partners/register", status_code=status.HTTP_201_CREATED)
async def register_at_partner(body: PartnerRegister, backend: RoamingDep) -> PartnerPublic:
    """Register at a partner with the versions URL and token A it gave us."""
    partner = await roaming.register_at(backend, body.versions_url, body.token)
    return PartnerPublic.of(partner)


@router.get("/ocpi/partners")
async def list_partners(backend: RoamingDep) -> list[PartnerPublic]:
    return [PartnerPublic.of(p) for p in await roaming.partners(backend)]
