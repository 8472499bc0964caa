"""Roaming (OCPI 2.2.1): invite a partner, register at one, list partners; as eMSP, pull a
partner CPO's objects, list its locations, start and stop charging there for our drivers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from kilowatt.api.schemas.roaming import (
    CancelReservation,
    CommandPublic,
    InvitationPublic,
    PartnerLocationPublic,
    PartnerPublic,
    PartnerRegister,
    ReserveNow,
    StartSession,
    StopSession,
    SyncPublic,
    SyncRequest,
    UnlockConnector,
)
from kilowatt.domain.roaming_objects import ReceivedModule
from kilowatt.services import roaming, roaming_received, roaming_sync
from kilowatt.services import roaming_sent_commands as sent

router = APIRouter(tags=["roaming"])


def _roaming(request: Request) -> roaming.Roaming:
    found: roaming.Roaming = request.app.state.roaming
    return found


RoamingDep = Annotated[roaming.Roaming, Depends(_roaming)]


def _sender(request: Request) -> sent.CommandSender:
    found: sent.CommandSender = request.app.state.roaming_sender
    return found


SenderDep = Annotated[sent.CommandSender, Depends(_sender)]


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


@router.post("/ocpi/partners/{partner_id}/sync")
async def sync_partner(
    partner_id: str, body: SyncRequest, sender: SenderDep
) -> dict[str, SyncPublic]:
    """Pull the partner CPO's locations, tariffs, sessions and CDRs (all pages)."""
    modules = tuple(ReceivedModule(m) for m in body.modules)
    counts = await roaming_sync.synchronise(
        sender.roaming, sender.received, partner_id, modules, body.date_from
    )
    return {module.value: SyncPublic.of(count) for module, count in counts.items()}


@router.get("/ocpi/partner-locations")
async def list_partner_locations(
    sender: SenderDep,
    partner_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PartnerLocationPublic]:
    """Partner CPOs' published locations (pushed or pulled), as their OCPI objects."""
    found = await roaming_received.partner_locations(
        sender.received, limit=limit, offset=offset, partner_id=partner_id
    )
    return [PartnerLocationPublic(partner_id=p, location=body) for p, body in found]


@router.post("/ocpi/commands/start-session", status_code=status.HTTP_202_ACCEPTED)
async def start_session(body: StartSession, sender: SenderDep) -> CommandPublic:
    """START_SESSION at a partner CPO's location with one of our drivers' tokens; the
    CommandResult arrives later (GET the command)."""
    request = sent.StartRequest(
        body.partner_id, body.location_id, body.token_uid, body.evse_uid, body.connector_id
    )
    return CommandPublic.of(await sent.start_session(sender, request))


@router.post("/ocpi/commands/stop-session", status_code=status.HTTP_202_ACCEPTED)
async def stop_session(body: StopSession, sender: SenderDep) -> CommandPublic:
    return CommandPublic.of(await sent.stop_session(sender, body.partner_id, body.session_id))


@router.post("/ocpi/commands/reserve-now", status_code=status.HTTP_202_ACCEPTED)
async def reserve_now(body: ReserveNow, sender: SenderDep) -> CommandPublic:
    """RESERVE_NOW at a partner CPO's location (one EVSE, or any) for one of our drivers'
    tokens; the CommandResult arrives later (GET the command)."""
    request = sent.ReserveRequest(
        body.partner_id,
        body.location_id,
        body.token_uid,
        body.reservation_id,
        body.expiry_date,
        body.evse_uid,
    )
    return CommandPublic.of(await sent.reserve_now(sender, request))


@router.post("/ocpi/commands/cancel-reservation", status_code=status.HTTP_202_ACCEPTED)
async def cancel_reservation(body: CancelReservation, sender: SenderDep) -> CommandPublic:
    found = await sent.cancel_reservation(sender, body.partner_id, body.reservation_id)
    return CommandPublic.of(found)


@router.post("/ocpi/commands/unlock-connector", status_code=status.HTTP_202_ACCEPTED)
async def unlock_connector(body: UnlockConnector, sender: SenderDep) -> CommandPublic:
    request = sent.UnlockRequest(
        body.partner_id, body.location_id, body.evse_uid, body.connector_id
    )
    return CommandPublic.of(await sent.unlock_connector(sender, request))


@router.get("/ocpi/commands/{command_id}")
async def get_command(command_id: str, sender: SenderDep) -> CommandPublic:
    return CommandPublic.of(await sent.command(sender, command_id))
