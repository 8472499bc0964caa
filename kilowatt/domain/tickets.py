"""Maintenance tickets: work on a station, often started from an alert.

    open ──start──▶ in_progress ──resolve──▶ resolved ──reopen──▶ open
      └──────────────resolve────────────────────▲

Anyone may comment on a ticket in any state; assigning is refused once it is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kilowatt.domain.errors import Conflict, InvalidValue

__all__ = ["Comment", "Ticket", "TicketState"]


class TicketState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    author: str
    body: str
    created_at: datetime


@dataclass(slots=True)
class Ticket:
    id: str
    station_id: str
    title: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    alert_id: str | None = None
    state: TicketState = TicketState.OPEN
    assignee: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    comments: list[Comment] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise InvalidValue("a ticket needs a title")

    def assign(self, assignee: str | None, at: datetime) -> None:
        """Give the ticket to someone (None: to no one)."""
        if self.state is TicketState.RESOLVED:
            raise Conflict(f"ticket {self.id} is resolved; reopen it first")
        self.assignee, self.updated_at = assignee, at

    def move_to(self, state: TicketState, who: str, at: datetime) -> None:
        """Start work, resolve, or reopen; moving to the current state changes nothing."""
        if state is self.state:
            return
        if self.state is TicketState.RESOLVED and state is TicketState.IN_PROGRESS:
            raise Conflict(f"ticket {self.id} is resolved; reopen it first")
        resolving = state is TicketState.RESOLVED
        self.resolved_by, self.resolved_at = (who, at) if resolving else (None, None)
        self.state, self.updated_at = state, at

    def comment(self, comment: Comment) -> None:
        if not comment.body.strip():
            raise InvalidValue("a comment needs a body")
        self.comments.append(comment)
        self.updated_at = comment.created_at
