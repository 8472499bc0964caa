"""Remote control: any CSMS-initiated OCPP action of the station's version, as on the wire,
and friendlier version-independent endpoints. Each answers with the station's response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from kilowatt.api.deps import Backend, BackendDep
from kilowatt.api.schemas import (
    AvailabilityCommand,
    ResetCommand,
    StartCommand,
    StopCommand,
    UnlockCommand,
)
from kilowatt.services import remote_control, remote_starts
from kilowatt.services.remote_control import OcppCall, Request

router = APIRouter(tags=["commands"])

Answer = dict[str, Any]


async def _send(station_id: str, request: Request, backend: Backend) -> Answer:
    return await remote_control.send(
        station_id, request, backend.ctx, backend.gateway, timeout_s=backend.call_timeout_s
    )


@router.post("/stations/{station_id}/commands/{action}")
async def command(
    station_id: str,
    action: str,
    payload: Annotated[dict[str, Any], Body(description="The OCPP request payload (camelCase)")],
    backend: BackendDep,
) -> Answer:
    """Send an OCPP action (e.g. ``Reset``, ``GetVariables``) the station's version defines.

    409: offline, or no such CSMS-initiated action in its version; 422: the payload breaks the
    action's schema; 502: the station answered with a CALLERROR; 504: no answer in time.
    """
    return await _send(station_id, OcppCall(action, payload), backend)


@router.post("/stations/{station_id}/start")
async def start(station_id: str, body: StartCommand, backend: BackendDep) -> Answer:
    """RemoteStartTransaction (1.6) or RequestStartTransaction (2.0.1): the station's answer
    and ``remoteStartId``, the id the started transaction will be linked to (sent to 2.0.1
    stations; 1.6 starts are matched by token, connector and time)."""
    answer, record = await remote_starts.start(
        station_id,
        body.to_request(),
        backend.ctx,
        backend.gateway,
        timeout_s=backend.call_timeout_s,
    )
    return answer | {"remoteStartId": record.id}


@router.post("/stations/{station_id}/stop")
async def stop(station_id: str, body: StopCommand, backend: BackendDep) -> Answer:
    """RemoteStopTransaction (1.6) or RequestStopTransaction (2.0.1)."""
    return await _send(station_id, body.to_request(), backend)


@router.post("/stations/{station_id}/reset")
async def reset(station_id: str, body: ResetCommand, backend: BackendDep) -> Answer:
    return await _send(station_id, body.to_request(), backend)


@router.post("/stations/{station_id}/unlock")
async def unlock(station_id: str, body: UnlockCommand, backend: BackendDep) -> Answer:
    return await _send(station_id, body.to_request(), backend)


@router.post("/stations/{station_id}/availability")
async def availability(station_id: str, body: AvailabilityCommand, backend: BackendDep) -> Answer:
    return await _send(station_id, body.to_request(), backend)
