"""A driver's charging at partner CPOs (roaming, eMSP role): start with the app token, stop,
follow the command, and the sessions and CDRs partner CPOs sent for the driver's tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from kilowatt.api.deps import BackendDep, Limit, Offset
from kilowatt.api.driver_deps import SignedInDriver
from kilowatt.api.invoice_deps import MaybeInvoices
from kilowatt.api.payment_deps import MaybePayments
from kilowatt.api.schemas.roaming import CommandPublic, DriverRoamingStart, ReceivedPublic
from kilowatt.services import driver_roaming, session_stops
from kilowatt.services import roaming_sent_commands as sent

router = APIRouter(prefix="/driver/roaming", tags=["driver roaming"])


def _sender(request: Request) -> sent.CommandSender:
    found: sent.CommandSender = request.app.state.roaming_sender
    return found


SenderDep = Annotated[sent.CommandSender, Depends(_sender)]


@router.post("/sessions", status_code=status.HTTP_202_ACCEPTED)
async def start_session(
    body: DriverRoamingStart,
    driver: SignedInDriver,
    backend: BackendDep,
    sender: SenderDep,
    pctx: MaybePayments,
    ictx: MaybeInvoices,
) -> CommandPublic:
    """START_SESSION at the partner's location with your app token; follow the command at
    ``GET /driver/roaming/commands/{id}``, the session shows once the CPO sends it. With
    payments on, your default card is held first (402 with the reason if it is declined;
    not when you are postpaid) and the partner's CDR total is captured from the hold."""
    where = sent.StartRequest(
        body.partner_id, body.location_id, "", body.evse_uid, body.connector_id
    )
    found = await driver_roaming.start_session(
        sender, backend.ctx, driver.id, where, payments=pctx, invoicing=ictx
    )
    return CommandPublic.of(found)


@router.get("/sessions")
async def list_sessions(
    driver: SignedInDriver,
    backend: BackendDep,
    sender: SenderDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[ReceivedPublic]:
    found = await driver_roaming.sessions_of(
        sender, backend.ctx, driver.id, limit=limit, offset=offset
    )
    return [ReceivedPublic.of(item) for item in found]


@router.get("/sessions/{session_id}")
async def get_session(
    session_id: str,
    driver: SignedInDriver,
    backend: BackendDep,
    sender: SenderDep,
    pctx: MaybePayments,
) -> ReceivedPublic:
    found = await driver_roaming.session_of(sender, backend.ctx, driver.id, session_id)
    reason = await session_stops.partner_stop_reason(found.key, pctx)
    return ReceivedPublic.of(found).model_copy(update={"stopped_reason": reason})


@router.post("/sessions/{session_id}/stop", status_code=status.HTTP_202_ACCEPTED)
async def stop_session(
    session_id: str, driver: SignedInDriver, backend: BackendDep, sender: SenderDep
) -> CommandPublic:
    found = await driver_roaming.stop_session(sender, backend.ctx, driver.id, session_id)
    return CommandPublic.of(found)


@router.get("/commands/{command_id}")
async def get_command(
    command_id: str, driver: SignedInDriver, backend: BackendDep, sender: SenderDep
) -> CommandPublic:
    found = await driver_roaming.command_of(sender, backend.ctx, driver.id, command_id)
    return CommandPublic.of(found)


@router.get("/cdrs")
async def list_cdrs(
    driver: SignedInDriver,
    backend: BackendDep,
    sender: SenderDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[ReceivedPublic]:
    found = await driver_roaming.cdrs_of(sender, backend.ctx, driver.id, limit=limit, offset=offset)
    return [ReceivedPublic.of(item) for item in found]


@router.get("/cdrs/{cdr_id}")
async def get_cdr(
    cdr_id: str, driver: SignedInDriver, backend: BackendDep, sender: SenderDep
) -> ReceivedPublic:
    """One CDR a partner CPO sent for one of your tokens (its receipt is in the app at
    ``/app/partner-receipts/{cdr_id}``); 404 for any other."""
    found = await driver_roaming.cdr_of(sender.received, backend.ctx, driver.id, cdr_id)
    return ReceivedPublic.of(found)
