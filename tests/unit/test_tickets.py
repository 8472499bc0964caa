"""Maintenance tickets (kilowatt.domain.tickets): states, assignment, comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.errors import Conflict, InvalidValue
from kilowatt.domain.tickets import Comment, Ticket, TicketState

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def _ticket() -> Ticket:
    return Ticket("t1", "CP-1", "Cable damaged", "alice", NOW, NOW, alert_id="a1")


def test_a_ticket_is_worked_on_and_resolved_by_someone() -> None:
    ticket = _ticket()
    ticket.assign("bob", NOW)
    ticket.move_to(TicketState.IN_PROGRESS, "bob", NOW)
    ticket.move_to(TicketState.RESOLVED, "bob", LATER)
    assert (ticket.state, ticket.resolved_by, ticket.resolved_at) == (
        TicketState.RESOLVED,
        "bob",
        LATER,
    )
    assert ticket.updated_at == LATER


def test_reopening_forgets_who_resolved() -> None:
    ticket = _ticket()
    ticket.move_to(TicketState.RESOLVED, "bob", NOW)
    ticket.move_to(TicketState.OPEN, "alice", LATER)
    assert (ticket.state, ticket.resolved_by, ticket.resolved_at) == (TicketState.OPEN, None, None)


def test_a_resolved_ticket_is_neither_assigned_nor_worked_on() -> None:
    ticket = _ticket()
    ticket.move_to(TicketState.RESOLVED, "bob", NOW)
    with pytest.raises(Conflict):
        ticket.assign("carol", LATER)
    with pytest.raises(Conflict):
        ticket.move_to(TicketState.IN_PROGRESS, "carol", LATER)


def test_comments_keep_their_order_and_need_a_body() -> None:
    ticket = _ticket()
    ticket.comment(Comment("c1", "bob", "on my way", NOW))
    ticket.comment(Comment("c2", "bob", "replaced", LATER))
    assert [c.body for c in ticket.comments] == ["on my way", "replaced"]
    assert ticket.updated_at == LATER
    with pytest.raises(InvalidValue):
        ticket.comment(Comment("c3", "bob", " ", LATER))


def test_a_ticket_needs_a_title() -> None:
    with pytest.raises(InvalidValue):
        Ticket("t2", "CP-1", "", "alice", NOW, NOW)
