"""Remote starts linked to the transactions they started (see ``domain.remote_starts``).

``start`` sends the request with a remoteStartId from the stored sequence and records it
before the station can answer (a 1.6 StartTransaction may come right after the answer);
``Linker`` links a started 1.6 transaction to the remote start it matches.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kilowatt.domain import events
from kilowatt.domain.cdrs import AuthMethod
from kilowatt.domain.remote_starts import RemoteStartRecord
from kilowatt.ports import StationGateway
from kilowatt.services import remote_control
from kilowatt.services.context import ServiceContext
from kilowatt.services.remote_control import RemoteStart

__all__ = ["Linker", "link", "start"]


async def start(
    station_id: str,
    request: RemoteStart,
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
    authorization_reference: str | None = None,
) -> tuple[dict[str, Any], RemoteStartRecord]:
    """RemoteStartTransaction / RequestStartTransaction; the station's answer and the record.
    ``authorization_reference`` (an OCPI START_SESSION's) goes to the transaction it starts."""
    async with ctx.uow() as uow:
        start_id = request.remote_start_id
        if start_id is None:
            start_id = await uow.remote_starts.next_id()
        record = RemoteStartRecord(
            start_id, station_id, request.evse_id, request.id_token, ctx.clock.now(), "Requested"
        )
        record.authorization_reference = authorization_reference
        uow.remote_starts.save(record)
        await uow.commit()
    try:
        request = dataclasses.replace(request, remote_start_id=start_id)
        answer = await remote_control.send(station_id, request, ctx, gateway, timeout_s=timeout_s)
    except Exception:
        await _answered(record, "NoAnswer", ctx)
        raise
    return answer, await _answered(record, str(answer.get("status")), ctx)


async def _answered(
    record: RemoteStartRecord, status: str, ctx: ServiceContext
) -> RemoteStartRecord:
    async with ctx.uow() as uow:
        stored = await uow.remote_starts.get(record.station_id, record.id) or record
        stored.station_status = status  # it may have been linked meanwhile: keep that
        uow.remote_starts.save(stored)
        await uow.commit()
    return stored


async def link(station_id: str, transaction_id: str, ctx: ServiceContext) -> None:
    """A transaction started: link the remote start it echoes (2.0.1 remoteStartId) or, for
    1.6, the earliest unlinked one with its token and connector in the window. The transaction
    was started by a command (COMMAND) and takes the remote start's authorization_reference,
    unless one was given after it."""
    async with ctx.uow() as uow:
        transaction = await uow.transactions.get(station_id, transaction_id)
        if transaction is None:
            return
        if transaction.remote_start_id is not None:
            record = await uow.remote_starts.get(station_id, transaction.remote_start_id)
        else:
            candidates = await uow.remote_starts.unlinked(station_id)
            record = next(
                (
                    r
                    for r in candidates
                    if r.may_have_started(
                        transaction.id_token, transaction.evse_id, transaction.started_at
                    )
                ),
                None,
            )
        if record is None or record.transaction_id is not None:
            return
        record.transaction_id = transaction_id
        uow.remote_starts.save(record)
        # A command started it (OCPI auth_method); remote_start_id stays what the station
        # echoed (2.0.1 only), as payments link holds by it.
        transaction.authorized_by(AuthMethod.COMMAND)
        reference = record.authorization_reference
        if reference is not None:
            transaction.refer_to(reference, record.requested_at)
        transaction.updated_at = max(transaction.updated_at, ctx.clock.now())
        uow.transactions.save(transaction)
        await uow.commit()


class Linker:
    """The subscriber that links transactions as they start (database work only)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.TransactionStarted):
            await link(event.station_id, event.transaction_id, self._ctx)
