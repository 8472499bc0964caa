"""Transactions as the stations reported them, with their meter values."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from kilowatt.api.deps import BackendDep, Limit, Offset
from kilowatt.api.schemas import MeterSamplePublic, TransactionDetail, TransactionPublic
from kilowatt.api.schemas.transactions import ForceEnd
from kilowatt.domain.errors import UnknownTransaction
from kilowatt.services import transactions

router = APIRouter(tags=["transactions"])


@router.get("/transactions")
async def list_transactions(
    backend: BackendDep,
    station_id: str | None = None,
    status: Literal["ACTIVE", "COMPLETED"] | None = None,
    id_token: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[TransactionPublic]:
    found = await backend.queries.transactions(
        station_id=station_id, status=status, id_token=id_token, limit=limit, offset=offset
    )
    return [TransactionPublic.of(transaction) for transaction in found]


@router.get("/stations/{station_id}/transactions/{transaction_id}")
async def get_transaction(
    station_id: str, transaction_id: str, backend: BackendDep
) -> TransactionDetail:
    transaction = await backend.queries.transaction(station_id, transaction_id)
    if transaction is None:
        raise UnknownTransaction(f"station {station_id} has no transaction {transaction_id}")
    samples = await backend.queries.meter_samples(transaction.pk)
    remote = await backend.queries.remote_start(
        station_id, transaction_id, transaction.remote_start_id
    )
    return TransactionDetail(
        **TransactionPublic.of(transaction).model_dump(),
        meter_values=[MeterSamplePublic.of(sample) for sample in samples],
        remote_start_id=remote.id if remote else transaction.remote_start_id,
        started_by="remote" if remote else "station",
    )


@router.post("/stations/{station_id}/transactions/{transaction_id}/force-end")
async def force_end(
    station_id: str, transaction_id: str, body: ForceEnd, backend: BackendDep
) -> TransactionPublic:
    """End a transaction the station never reported ended, at its last meter reading; its
    token may charge again and its CDR is issued."""
    ended = await transactions.force_end(station_id, transaction_id, body.reason, backend.ctx)
    return TransactionPublic.of(ended)
