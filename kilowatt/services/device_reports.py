"""OCPP 2.0.1 GetReport: the device model values a station holds for some components.

The ``componentVariable`` criteria are split as the station advertises (DeviceDataCtrlr
ItemsPerMessage / BytesPerMessage, instance GetReport): each part is its own GetReport with its
own ``requestId``, and the answers are merged. The NotifyReport pages of every request id are
recorded and stored as they arrive (``device_model.record_report_page``)::

    done = await device_reports.report("CP-1", [ReportCriterion("EVSE")], ctx, gateway,
                                       timeout_s=30)
    # done.status "Accepted"; done.parts: one (request id, status, criteria) per GetReport
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from kilowatt.domain.batches import split
from kilowatt.domain.device_model import ReportCriterion
from kilowatt.domain.errors import Conflict, StationOffline, UnknownStation
from kilowatt.domain.locations import OcppVersion
from kilowatt.ports import StationGateway
from kilowatt.services.context import ServiceContext
from kilowatt.services.device_model import message_limits, next_request_id

__all__ = ["ReportPart", "ReportRequest", "report"]

#: The largest requestId, so that the size of an empty message is never underestimated.
_WIDEST_REQUEST_ID: Final = 2**31 - 1


@dataclass(frozen=True, slots=True)
class ReportPart:
    """One GetReport sent: its request id, the station's status and how many criteria."""

    request_id: int
    status: str
    criteria: int


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """The merged answer: Accepted when any part was, else the first part's status."""

    parts: tuple[ReportPart, ...]

    @property
    def status(self) -> str:
        statuses = [part.status for part in self.parts]
        return "Accepted" if "Accepted" in statuses else statuses[0]

    @property
    def request_ids(self) -> list[int]:
        return [part.request_id for part in self.parts]


async def report(
    station_id: str,
    criteria: Sequence[ReportCriterion],
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
    component_criteria: Sequence[str] = (),
) -> ReportRequest:
    """GetReport for ``criteria`` (none: everything), split as the station advertises.

    Raises Conflict on an OCPP 1.6 station (it has no GetReport), and what
    ``StationGateway.call`` raises.
    """
    await _require_v201(station_id, ctx)
    async with ctx.uow() as uow:
        known = {v.ref.key: v for v in await uow.device_model.variables(station_id)}
    extra: dict[str, Any] = {"componentCriteria": list(component_criteria)}
    extra = {name: value for name, value in extra.items() if value}
    empty = {"requestId": _WIDEST_REQUEST_ID, "componentVariable": []} | extra
    limits = message_limits(known, "GetReport", empty)
    items = [criterion.to_wire() for criterion in criteria]
    parts: list[ReportPart] = []
    for part in split(items, limits, _json_bytes) or [[]]:
        request_id = await next_request_id(ctx)
        payload = {"requestId": request_id} | extra
        if part:
            payload["componentVariable"] = part
        answer = await gateway.call(station_id, "GetReport", payload, timeout_s)
        parts.append(ReportPart(request_id, str(answer.get("status")), len(part)))
    return ReportRequest(tuple(parts))


async def _require_v201(station_id: str, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
    if station is None:
        raise UnknownStation(f"no station {station_id}")
    if station.ocpp_version is None:
        raise StationOffline(f"station {station_id} has never connected")
    if station.ocpp_version is not OcppVersion.V201:
        raise Conflict("GetReport is an OCPP 2.0.1 action; a 1.6 station has configuration keys")


def _json_bytes(item: Any) -> int:
    return len(json.dumps(item, separators=(",", ":")))
