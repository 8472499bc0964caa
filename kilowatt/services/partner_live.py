"""A driver's charging at a partner CPO as the app's live pages follow it (eMSP role): the
session the partner last sent us (energy, power, times, cost so far, status, its CDR once
posted), and a START_SESSION from its result until the session it started exists.

The views are plain dicts for the page; another driver's session or command is "not found".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kilowatt.domain.errors import InvalidValue, NotFound
from kilowatt.domain.roaming_objects import (
    ObjectKey,
    ReceivedModule,
    ReceivedObject,
    SentCommand,
    last_updated,
)
from kilowatt.ports import ReceivedObjects, SentCommands
from kilowatt.services import driver_roaming, driver_tokens
from kilowatt.services.context import ServiceContext

__all__ = [
    "ENDED_STATUSES",
    "PartnerReads",
    "WatchedCommand",
    "WatchedPartnerSession",
    "command_settled",
    "command_snapshot",
    "session_ended",
    "session_snapshot",
    "session_view",
    "watch_command",
    "watch_session",
]

ENDED_STATUSES = frozenset({"COMPLETED", "INVALID"})
_RECENT_CDRS = 20  # a CDR for a session followed live is among the driver's latest
# Reports closer than a minute give no sensible average: the partner's meter reading and its
# last_updated need not be taken at the same moment.
_SHORTEST_AVERAGE_H = 1 / 60


@dataclass(frozen=True, slots=True)
class PartnerReads:
    """What following partner sessions reads: the partners' objects and our commands."""

    ctx: ServiceContext
    received: ReceivedObjects
    commands: SentCommands


@dataclass(frozen=True, slots=True)
class WatchedPartnerSession:
    key: ObjectKey
    token_uids: tuple[str, ...]  # the driver's (its CDR is found among theirs)


async def watch_session(
    driver_id: str, session_id: str, reads: PartnerReads
) -> WatchedPartnerSession:
    """The driver's partner session ``session_id``; ``NotFound`` for anyone else's."""
    found = await driver_roaming.session_in(reads.received, reads.ctx, driver_id, session_id)
    return WatchedPartnerSession(found.key, await _token_uids(driver_id, reads.ctx))


async def session_snapshot(
    watched: WatchedPartnerSession, reads: PartnerReads, previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The session now (see ``session_view``); ``previous``: the view last sent."""
    found = await reads.received.get(ReceivedModule.SESSIONS, watched.key)
    if found is None:
        raise NotFound(f"no session {watched.key.id}")
    return session_view(found, await _cdr_of(watched, reads.received), previous)


def session_view(
    session: ReceivedObject, cdr: Mapping[str, Any] | None, previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What the partner session page shows: the partner's figures as it reports them,
    ``power_w``: the average of the latest charging period's POWER dimension (kW), else
    the average since the previous report (None when neither is known), and ``ended``.
    Once the CDR came, the session is COMPLETED with the CDR's figures."""
    body = session.body
    view = {
        "id": session.key.id,
        "operator": f"{session.key.country_code}*{session.key.party_id}",
        "status": body.get("status"),
        "kwh": _number(body.get("kwh")) or Decimal(0),
        "start_date_time": body.get("start_date_time"),
        "end_date_time": body.get("end_date_time"),
        "last_updated": body.get("last_updated"),
        "total_cost": body.get("total_cost"),
        "currency": body.get("currency"),
        "cdr": None if cdr is None else _cdr_view(cdr),
    }
    if cdr is not None and view["status"] not in ENDED_STATUSES:
        view |= _final(cdr)
    view["power_w"] = _power_w(body, view, previous)
    view["kwh"] = str(view["kwh"])
    view["ended"] = session_ended(view)
    return view


def _final(cdr: Mapping[str, Any]) -> dict[str, Any]:
    """A CDR is issued only for a finished session (OCPI), and it may come before the
    session's own last update: its figures are the final ones."""
    return {
        "status": "COMPLETED",
        "kwh": _number(cdr.get("total_energy")) or Decimal(0),
        "end_date_time": cdr.get("end_date_time"),
        "total_cost": cdr.get("total_cost"),
    }


def session_ended(view: Mapping[str, Any]) -> bool:
    """Nothing more will change: the session completed or was invalid, or its CDR came."""
    return view["status"] in ENDED_STATUSES or view["cdr"] is not None


def _power_w(
    body: Mapping[str, Any], view: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> float | None:
    if view["status"] != "ACTIVE":
        return None
    periods = body.get("charging_periods") or []
    for dimension in (periods[-1].get("dimensions") or []) if periods else []:
        if dimension.get("type") == "POWER" and _number(dimension.get("volume")) is not None:
            return float(_number(dimension.get("volume")) or 0) * 1000
    if previous is None:
        return None
    average = None
    if previous.get("last_updated") != view["last_updated"]:
        average = _average_w(previous, view)
    return previous.get("power_w") if average is None else average


def _average_w(before: Mapping[str, Any], after: Mapping[str, Any]) -> float | None:
    """Energy over time between two reports of the partner (its own ``last_updated``)."""
    try:
        hours = (last_updated(after) - last_updated(before)).total_seconds() / 3600
    except InvalidValue:
        return None
    added_kwh = Decimal(after["kwh"]) - Decimal(before["kwh"])
    if hours < _SHORTEST_AVERAGE_H or added_kwh < 0:
        return None
    return round(float(added_kwh) * 1000 / hours, 1)


def _number(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _cdr_view(cdr: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": cdr.get("id"),
        "total_energy": cdr.get("total_energy"),
        "total_cost": cdr.get("total_cost"),
        "currency": cdr.get("currency"),
    }


async def _cdr_of(
    watched: WatchedPartnerSession, received: ReceivedObjects
) -> Mapping[str, Any] | None:
    page = await received.of_tokens(
        ReceivedModule.CDRS, watched.token_uids, limit=_RECENT_CDRS, offset=0
    )
    for item in page.items:
        same_party = (item.key.country_code, item.key.party_id) == (
            watched.key.country_code,
            watched.key.party_id,
        )
        if same_party and item.body.get("session_id") == watched.key.id:
            return item.body
    return None


@dataclass(frozen=True, slots=True)
class WatchedCommand:
    command_id: str
    token_uids: tuple[str, ...]  # the driver's: a session they start wakes the stream


async def watch_command(driver_id: str, command_id: str, reads: PartnerReads) -> WatchedCommand:
    """A command sent for the driver; ``NotFound`` for anyone else's."""
    await _command(driver_id, command_id, reads)
    return WatchedCommand(command_id, await _token_uids(driver_id, reads.ctx))


async def command_snapshot(
    driver_id: str, watched: WatchedCommand, reads: PartnerReads
) -> dict[str, Any]:
    """The command's answers so far and, for an accepted START_SESSION, the id of the
    driver's active session at that EVSE once the partner sent it (``session_id``)."""
    found = await _command(driver_id, watched.command_id, reads)
    view: dict[str, Any] = {
        "id": found.id,
        "command": found.command,
        "response": found.response,
        "result": found.result,
        "message": found.message,
        "session_id": None,
    }
    if found.command == "START_SESSION":
        view["session_id"] = await _started_session(found, watched, reads.received)
    view["settled"] = command_settled(view)
    return view


def command_settled(view: Mapping[str, Any]) -> bool:
    """Nothing more to wait for: a START_SESSION's session exists or it failed; any other
    command has its result."""
    if view["command"] == "START_SESSION" and view["session_id"] is not None:
        return True
    failed = view["response"] not in (None, "ACCEPTED") or view["result"] not in (None, "ACCEPTED")
    return failed or (view["command"] != "START_SESSION" and view["result"] is not None)


async def _command(driver_id: str, command_id: str, reads: PartnerReads) -> SentCommand:
    found = await reads.commands.get(command_id)
    if found is None:
        raise NotFound(f"no command {command_id}")
    if found.expire(reads.ctx.clock.now()):  # TIMEOUT once the partner's own timeout passed
        await reads.commands.save(found)
    return await driver_roaming.owned_command(found, reads.received, reads.ctx, driver_id)


async def _started_session(
    found: SentCommand, watched: WatchedCommand, received: ReceivedObjects
) -> str | None:
    """The driver's active session at the EVSE (or location) the START_SESSION named."""
    page = await received.of_tokens(ReceivedModule.SESSIONS, watched.token_uids, limit=10, offset=0)
    where = found.request
    for item in page.items:
        body = item.body
        at_location = body.get("location_id") == where.get("location_id")
        at_evse = where.get("evse_uid") in (None, body.get("evse_uid"))
        if body.get("status") == "ACTIVE" and at_location and at_evse:
            return item.key.id
    return None


async def _token_uids(driver_id: str, ctx: ServiceContext) -> tuple[str, ...]:
    return tuple(token.uid for token in await driver_tokens.tokens_of(driver_id, ctx))
