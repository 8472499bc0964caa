"""Maintenance tickets (issue 4)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input, Patch
from kilowatt.domain.tickets import Comment, Ticket, TicketState

__all__ = ["CommentCreate", "CommentPublic", "TicketCreate", "TicketPublic", "TicketUpdate"]


class TicketCreate(Input):
    station_id: str = Field(min_length=1, max_length=48)
    title: str = Field(min_length=1, max_length=255)
    alert_id: str | None = Field(default=None, max_length=36)
    assignee: str | None = Field(default=None, max_length=64)
    comment: str | None = Field(default=None, description="A first comment")


class TicketUpdate(Patch):
    """Assign (null: unassign) and/or move to another state."""

    required: ClassVar[frozenset[str]] = frozenset({"state"})

    state: TicketState | None = None
    assignee: str | None = Field(default=None, max_length=64)


class CommentCreate(Input):
    body: str = Field(min_length=1)


class CommentPublic(BaseModel):
    id: str
    author: str
    body: str
    created_at: datetime

    @classmethod
    def of(cls, comment: Comment) -> CommentPublic:
        return cls(
            id=comment.id, author=comment.author, body=comment.body, created_at=comment.created_at
        )


class TicketPublic(BaseModel):
    id: str
    station_id: str
    alert_id: str | None
    title: str
    state: TicketState
    assignee: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    comments: list[CommentPublic] = Field(description="Oldest first; empty in lists")

    @classmethod
    def of(cls, ticket: Ticket) -> TicketPublic:
        fields = {name: getattr(ticket, name) for name in cls.model_fields if name != "comments"}
        return cls(**fields, comments=[CommentPublic.of(c) for c in ticket.comments])
