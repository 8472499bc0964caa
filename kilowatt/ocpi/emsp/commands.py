"""eMSP Sender: Commands (the CPO POSTs the CommandResult of a command we sent to the
response_url we gave it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import ok
from kilowatt.services import roaming_sent_commands as sent

__all__ = ["router"]

router = APIRouter()


@router.post("/commands/{command}/{command_id}")
async def receive_result(
    command: str,
    command_id: str,
    body: Annotated[dict[str, Any], Body(description="A CommandResult")],
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    del command  # part of the URL for readability; the id says which command
    await sent.receive_result(backend.sender, caller, command_id, body)
    return ok()
