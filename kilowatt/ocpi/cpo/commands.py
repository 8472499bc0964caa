"""CPO Receiver: Commands (answered at once; the CommandResult follows to response_url)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from kilowatt.ocpi.deps import OcpiBackendDep, RegisteredDep
from kilowatt.ocpi.envelope import ok

__all__ = ["router"]

router = APIRouter()

CommandType = Literal[
    "CANCEL_RESERVATION", "RESERVE_NOW", "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR"
]


@router.post("/commands/{command}")
async def receive_command(
    command: CommandType,
    body: Annotated[dict[str, Any], Body(description="The command's request object")],
    caller: RegisteredDep,
    backend: OcpiBackendDep,
) -> JSONResponse:
    return ok(await backend.commands.receive(command, body, caller))
