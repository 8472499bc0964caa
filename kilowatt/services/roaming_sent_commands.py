"""Commands to partner CPOs for our drivers (OCPI Commands, eMSP as Sender): START_SESSION on
a partner's location, STOP_SESSION of a session it sent us, RESERVE_NOW and CANCEL_RESERVATION
of an EVSE (or any EVSE of a location), UNLOCK_CONNECTOR. The command is kept before it is
sent (its CommandResult may come back before the CommandResponse), then the partner's
CommandResponse, then the asynchronous CommandResult POSTed to our ``response_url``."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kilowatt.domain.errors import InvalidValue, NotFound, UnknownToken
from kilowatt.domain.events import CommandResultReceived
from kilowatt.domain.roaming import (
    OCPI_VERSION,
    InterfaceRole,
    Partner,
    PartnerFailed,
    PartyAddress,
    PartyRole,
)
from kilowatt.domain.roaming_objects import ObjectKey, ReceivedModule, SentCommand
from kilowatt.domain.tariff_json import timestamp_to_ocpi
from kilowatt.ports import ReceivedObjects, RoamingReads, SentCommands
from kilowatt.services import driver_tokens
from kilowatt.services.context import ServiceContext
from kilowatt.services.roaming import Roaming
from kilowatt.services.roaming_driver_tokens import ocpi_token

__all__ = [
    "CommandSender",
    "ReserveRequest",
    "StartRequest",
    "UnknownCommand",
    "UnlockRequest",
    "cancel_reservation",
    "command",
    "driver_start_session",
    "driver_stop_session",
    "receive_result",
    "reserve_now",
    "start_session",
    "stop_session",
    "unlock_connector",
]

log = logging.getLogger(__name__)

_RESULTS = {
    "ACCEPTED",
    "CANCELED_RESERVATION",
    "EVSE_OCCUPIED",
    "EVSE_INOPERATIVE",
    "FAILED",
    "NOT_SUPPORTED",
    "REJECTED",
    "TIMEOUT",
    "UNKNOWN_RESERVATION",
}


class UnknownCommand(NotFound):
    """A CommandResult for a command we did not send to that partner."""


@dataclass(frozen=True, slots=True)
class CommandSender:
    """What sending commands needs, wired once by bootstrap."""

    roaming: Roaming
    commands: SentCommands
    reads: RoamingReads
    received: ReceivedObjects


@dataclass(frozen=True, slots=True)
class StartRequest:
    """Start charging with our driver's token ``token_uid`` at a partner's location."""

    partner_id: str
    location_id: str
    token_uid: str
    evse_uid: str | None = None
    connector_id: str | None = None
    authorization_reference: str | None = None  # ours: the CPO puts it on the Session and CDR


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    """Reserve an EVSE (or any EVSE of the location) for our driver's token until
    ``expiry_date``; ``reservation_id`` is ours to choose, the same one again replaces it."""

    partner_id: str
    location_id: str
    token_uid: str
    reservation_id: str
    expiry_date: datetime
    evse_uid: str | None = None


@dataclass(frozen=True, slots=True)
class UnlockRequest:
    partner_id: str
    location_id: str
    evse_uid: str
    connector_id: str


async def start_session(sender: CommandSender, request: StartRequest) -> SentCommand:
    partner = await _cpo(sender, request.partner_id)
    token = await _our_token(sender, request.token_uid)
    body: dict[str, Any] = {"token": token, "location_id": request.location_id}
    if request.evse_uid is not None:
        body["evse_uid"] = request.evse_uid
    if request.connector_id is not None:
        body["connector_id"] = request.connector_id
    if request.authorization_reference is not None:
        body["authorization_reference"] = request.authorization_reference
    to = await _owner(sender, partner, ReceivedModule.LOCATIONS, request.location_id)
    return await _send(sender, partner, "START_SESSION", body, to)


async def stop_session(sender: CommandSender, partner_id: str, session_id: str) -> SentCommand:
    """Stop a session the partner told us about (its Sessions push or our pull)."""
    partner = await _cpo(sender, partner_id)
    to = await _owner(sender, partner, ReceivedModule.SESSIONS, session_id)
    if to is None:
        raise NotFound(f"no session {session_id} from partner {partner_id}")
    return await _send(sender, partner, "STOP_SESSION", {"session_id": session_id}, to)


async def reserve_now(sender: CommandSender, request: ReserveRequest) -> SentCommand:
    partner = await _cpo(sender, request.partner_id)
    body: dict[str, Any] = {
        "token": await _our_token(sender, request.token_uid),
        "expiry_date": timestamp_to_ocpi(request.expiry_date),
        "reservation_id": request.reservation_id,
        "location_id": request.location_id,
    }
    if request.evse_uid is not None:
        body["evse_uid"] = request.evse_uid
    to = await _owner(sender, partner, ReceivedModule.LOCATIONS, request.location_id)
    return await _send(sender, partner, "RESERVE_NOW", body, to)


async def cancel_reservation(
    sender: CommandSender, partner_id: str, reservation_id: str
) -> SentCommand:
    """Cancel a reservation we made there (the CPO answers UNKNOWN_RESERVATION otherwise)."""
    partner = await _cpo(sender, partner_id)
    body = {"reservation_id": reservation_id}
    return await _send(sender, partner, "CANCEL_RESERVATION", body, None)


async def unlock_connector(sender: CommandSender, request: UnlockRequest) -> SentCommand:
    partner = await _cpo(sender, request.partner_id)
    body = {
        "location_id": request.location_id,
        "evse_uid": request.evse_uid,
        "connector_id": request.connector_id,
    }
    to = await _owner(sender, partner, ReceivedModule.LOCATIONS, request.location_id)
    return await _send(sender, partner, "UNLOCK_CONNECTOR", body, to)


async def driver_start_session(
    sender: CommandSender, ctx: ServiceContext, driver_id: str, where: StartRequest
) -> SentCommand:
    """For the driver app: START_SESSION with the driver's app token (``where.token_uid``
    is ignored)."""
    token = await driver_tokens.app_token(driver_id, ctx)
    return await start_session(sender, dataclasses.replace(where, token_uid=token.uid))


async def driver_stop_session(
    sender: CommandSender, ctx: ServiceContext, driver_id: str, partner_id: str, session_id: str
) -> SentCommand:
    """For the driver app: STOP_SESSION of one of the driver's own sessions at a partner;
    anyone else's is "not found"."""
    mine = {token.uid for token in await driver_tokens.tokens_of(driver_id, ctx)}
    partner = await _cpo(sender, partner_id)
    for role in partner.roles:
        key = ObjectKey(role.country_code, role.party_id, session_id)
        found = await sender.received.get(ReceivedModule.SESSIONS, key)
        if found is not None and str(found.body["cdr_token"].get("uid")) in mine:
            return await stop_session(sender, partner_id, session_id)
    raise NotFound(f"no session {session_id}")


async def command(sender: CommandSender, command_id: str) -> SentCommand:
    """The command as it stands; TIMEOUT once the CPO's timeout passed without a result."""
    found = await sender.commands.get(command_id)
    if found is None:
        raise UnknownCommand(f"no command {command_id}")
    if found.expire(sender.roaming.clock.now()):
        await sender.commands.save(found)
    return found


async def receive_result(
    sender: CommandSender, partner: Partner, command_id: str, body: Mapping[str, Any]
) -> None:
    """The CPO's CommandResult at our response_url; a repeated result replaces the first."""
    result, message = body.get("result"), body.get("message")
    if result not in _RESULTS:
        raise InvalidValue(f"unknown CommandResult {result!r}")
    found = await sender.commands.get(command_id)
    if found is None or found.partner_id != partner.id:
        raise UnknownCommand(f"no command {command_id} of this partner")
    found.result, found.message = str(result), _text(message)
    found.updated_at = sender.roaming.clock.now()
    await sender.commands.save(found)
    if sender.roaming.events is not None:  # after the save, which is durable on return
        answered = CommandResultReceived(partner.id, command_id, found.command, found.result)
        await sender.roaming.events.publish([answered])


async def _cpo(sender: CommandSender, partner_id: str) -> Partner:
    partner = await sender.roaming.partners.get(partner_id)
    if partner is None or not partner.registered:
        raise NotFound(f"no registered partner {partner_id}")
    if not partner.acts_as(PartyRole.CPO):
        raise InvalidValue(f"partner {partner_id} is not a CPO")
    return partner


async def _our_token(sender: CommandSender, uid: str) -> dict[str, Any]:
    """One of our drivers' tokens as an OCPI Token object."""
    token = await sender.reads.driver_token(uid)
    if token is None:
        raise UnknownToken(f"no token {uid} of ours")
    return ocpi_token(token)


async def _owner(
    sender: CommandSender, partner: Partner, module: ReceivedModule, object_id: str
) -> PartyAddress | None:
    """Which of the partner's parties sent us the location or session ``object_id``."""
    for role in partner.roles:
        key = ObjectKey(role.country_code, role.party_id, object_id)
        found = await sender.received.get(module, key)
        if found is not None and found.partner_id == partner.id:
            return PartyAddress(role.country_code, role.party_id)
    return None


async def _send(
    sender: CommandSender,
    partner: Partner,
    name: str,
    body: dict[str, Any],
    to: PartyAddress | None,
) -> SentCommand:
    """``to``: the partner's party the command is about (routing headers); their CPO
    party when we know no better."""
    url = partner.endpoint("commands", InterfaceRole.RECEIVER)
    if url is None or partner.their_token is None:
        raise PartnerFailed(f"partner {partner.id} has no commands module", 3003)
    now, command_id = sender.roaming.clock.now(), str(uuid.uuid4())
    base = sender.roaming.us.versions_url.removesuffix("/versions")
    body = {"response_url": f"{base}/emsp/{OCPI_VERSION}/commands/{name}/{command_id}"} | body
    sent = SentCommand(command_id, partner.id, name, body, now, now)
    await sender.commands.save(sent)
    try:
        answer = await sender.roaming.peer.command(
            f"{url.rstrip('/')}/{name}",
            partner.their_token,
            body,
            to or partner.party(PartyRole.CPO),
        )
    except PartnerFailed as failure:
        await _answered(sender, command_id, {"result": "FAILED", "message": str(failure)})
        raise
    return await _answered(sender, command_id, answer)


async def _answered(
    sender: CommandSender, command_id: str, answer: Mapping[str, Any]
) -> SentCommand:
    """Record the CommandResponse on the stored command (its result may be there already)."""
    found = await command(sender, command_id)
    now = sender.roaming.clock.now()
    found.response = str(answer.get("result"))[:24]
    found.message = found.message or _text(answer.get("message"))
    timeout = answer.get("timeout")
    if found.response == "ACCEPTED" and isinstance(timeout, int | float) and timeout > 0:
        found.result_due_at = now + timedelta(seconds=float(timeout))
    found.updated_at = now
    await sender.commands.save(found)
    return found


def _text(message: object) -> str | None:
    """An OCPI DisplayText list (or a plain string) as one line of text."""
    if isinstance(message, list):
        texts = [str(m.get("text")) for m in message if isinstance(m, dict)]
        return "; ".join(texts)[:255] or None
    return None if message is None else str(message)[:255]
