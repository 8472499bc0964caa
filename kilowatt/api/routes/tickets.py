"""Maintenance tickets: open (on a station, from an alert), assign, comment, resolve."""

from __future__ import annotations

from fastapi import APIRouter, status

from kilowatt.api.deps import BackendDep, Limit, Offset, Principal
from kilowatt.api.schemas import CommentCreate, TicketCreate, TicketPublic, TicketUpdate
from kilowatt.domain.errors import NotFound
from kilowatt.domain.tickets import TicketState
from kilowatt.services import tickets

router = APIRouter(tags=["tickets"])


@router.post("/tickets", status_code=status.HTTP_201_CREATED)
async def open_ticket(
    body: TicketCreate, backend: BackendDep, principal: Principal
) -> TicketPublic:
    draft = tickets.TicketDraft(**body.model_dump())
    return TicketPublic.of(await tickets.open_ticket(draft, principal.name, backend.ctx))


@router.get("/tickets")
async def list_tickets(
    backend: BackendDep,
    state: TicketState | None = None,
    station_id: str | None = None,
    assignee: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[TicketPublic]:
    """Newest first, without comments."""
    found = await backend.queries.tickets(
        state=state, station_id=station_id, assignee=assignee, limit=limit, offset=offset
    )
    return [TicketPublic.of(ticket) for ticket in found]


@router.get("/tickets/{ticket_id}")
async def get_ticket(ticket_id: str, backend: BackendDep) -> TicketPublic:
    async with backend.ctx.uow() as uow:
        ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}")
    return TicketPublic.of(ticket)


@router.patch("/tickets/{ticket_id}")
async def update_ticket(
    ticket_id: str, body: TicketUpdate, backend: BackendDep, principal: Principal
) -> TicketPublic:
    change = tickets.TicketChange(
        state=body.state, assign="assignee" in body.model_fields_set, assignee=body.assignee
    )
    ticket = await tickets.change_ticket(ticket_id, change, principal.name, backend.ctx)
    return TicketPublic.of(ticket)


@router.post("/tickets/{ticket_id}/comments", status_code=status.HTTP_201_CREATED)
async def comment_ticket(
    ticket_id: str, body: CommentCreate, backend: BackendDep, principal: Principal
) -> TicketPublic:
    ticket = await tickets.add_comment(ticket_id, body.body, principal.name, backend.ctx)
    return TicketPublic.of(ticket)
