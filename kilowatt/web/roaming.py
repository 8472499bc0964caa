"""The app's live data of charging at a partner CPO (``/app/api/roaming``), pushed as
Server-Sent Events: a session as the partner reports it, sent whenever the partner's update
(or CDR) arrives and ending once it has ended; a command sent for the driver, sent when its
result comes and, for START_SESSION, once the session it started exists.

Between changes a comment line keeps the connection open every keep-alive interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import StreamingResponse

from kilowatt.services import partner_live, session_stops
from kilowatt.services.partner_live import PartnerReads
from kilowatt.web.deps import Backend, SignedInDriver, WebBackend
from kilowatt.web.live import Key, partner_command_key, partner_session_key, partner_token_key

__all__ = ["router"]

router = APIRouter(prefix="/roaming")

_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}

View = dict[str, Any]


@router.get("/sessions/{session_id}/live")
async def live_partner_session(
    session_id: str, driver: SignedInDriver, backend: Backend
) -> StreamingResponse:
    """The driver's session at a partner: now, then at each update the partner sends."""
    reads = _reads(backend)
    watched = await partner_live.watch_session(driver.id, session_id, reads)

    async def snapshot(previous: View | None) -> View:
        view = await partner_live.session_snapshot(watched, reads, previous)
        reason = await session_stops.partner_stop_reason(watched.key, backend.payments)
        return view if reason is None else view | {"stopped_reason": reason}

    keys = (partner_session_key(watched.key),)
    follow = _Follow(keys, snapshot, partner_live.session_ended, "session")
    return _streamed(follow, backend)


@router.get("/commands/{command_id}/live")
async def live_command(
    command_id: str, driver: SignedInDriver, backend: Backend
) -> StreamingResponse:
    """A command sent for the driver, until it is settled (see ``command_settled``)."""
    reads = _reads(backend)
    watched = await partner_live.watch_command(driver.id, command_id, reads)

    async def snapshot(previous: View | None) -> View:
        del previous
        return await partner_live.command_snapshot(driver.id, watched, reads)

    keys = (partner_command_key(command_id), *map(partner_token_key, watched.token_uids))
    follow = _Follow(keys, snapshot, partner_live.command_settled, "command")
    return _streamed(follow, backend)


def _reads(backend: WebBackend) -> PartnerReads:
    if backend.received is None or backend.sent_commands is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "roaming is not offered here")
    return PartnerReads(backend.drivers.ctx, backend.received, backend.sent_commands)


@dataclass(frozen=True, slots=True)
class _Follow:
    """One stream: the keys that wake it, how to read what it shows (given what it sent
    last), when it is done, and the name of its events."""

    keys: tuple[Key, ...]
    snapshot: Callable[[View | None], Awaitable[View]]
    done: Callable[[Mapping[str, Any]], bool]
    name: str


def _streamed(follow: _Follow, backend: WebBackend) -> StreamingResponse:
    return StreamingResponse(
        _events(follow, backend), media_type="text/event-stream", headers=_HEADERS
    )


async def _events(follow: _Follow, backend: WebBackend) -> AsyncIterator[str]:
    with backend.live.listening(*follow.keys) as changed:
        previous: View | None = None
        while True:
            changed.clear()
            view = await follow.snapshot(previous)
            if view != previous:
                yield f"event: {follow.name}\ndata: {json.dumps(view)}\n\n"
            else:
                yield ": keep-alive\n\n"
            if follow.done(view):
                return
            previous = view
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), backend.keepalive_s)
