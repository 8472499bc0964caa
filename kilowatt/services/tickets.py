"""Maintenance tickets: opened on a station (often from an alert), assigned, commented on,
resolved."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kilowatt.domain.errors import NotFound, UnknownStation
from kilowatt.domain.tickets import Comment, Ticket, TicketState
from kilowatt.ports import UnitOfWork
from kilowatt.services.context import ServiceContext

__all__ = ["TicketChange", "TicketDraft", "add_comment", "change_ticket", "open_ticket"]


@dataclass(frozen=True, slots=True)
class TicketDraft:
    station_id: str
    title: str
    alert_id: str | None = None
    assignee: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class TicketChange:
    """What a PATCH changes; ``assign`` False leaves the assignee as it is."""

    state: TicketState | None = None
    assign: bool = False
    assignee: str | None = None


async def open_ticket(draft: TicketDraft, who: str, ctx: ServiceContext) -> Ticket:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        if await uow.stations.get(draft.station_id) is None:
            raise UnknownStation(f"no station {draft.station_id}")
        if draft.alert_id is not None and await uow.alerts.get(draft.alert_id) is None:
            raise NotFound(f"no alert {draft.alert_id}")
        ticket = Ticket(
            str(uuid.uuid4()),
            draft.station_id,
            draft.title,
            who,
            now,
            now,
            alert_id=draft.alert_id,
            assignee=draft.assignee,
        )
        if draft.comment:
            ticket.comment(Comment(str(uuid.uuid4()), who, draft.comment, now))
        uow.tickets.add(ticket)
        await uow.commit()
    return ticket


async def change_ticket(
    ticket_id: str, change: TicketChange, who: str, ctx: ServiceContext
) -> Ticket:
    """Reassign and/or move the ticket; the assignment goes first, so reopening a resolved
    ticket and assigning it at once is refused (reopen, then assign)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        ticket = await _ticket(uow, ticket_id)
        if change.assign:
            ticket.assign(change.assignee, now)
        if change.state is not None:
            ticket.move_to(change.state, who, now)
        uow.tickets.save(ticket)
        await uow.commit()
    return ticket


async def add_comment(ticket_id: str, body: str, who: str, ctx: ServiceContext) -> Ticket:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        ticket = await _ticket(uow, ticket_id)
        ticket.comment(Comment(str(uuid.uuid4()), who, body, now))
        uow.tickets.save(ticket)
        await uow.commit()
    return ticket


async def _ticket(uow: UnitOfWork, ticket_id: str) -> Ticket:
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}")
    return ticket
