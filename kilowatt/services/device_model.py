"""The device model of stations: read it, keep it, change it, one station or many at a time.

OCPP 1.6 stations have configuration keys (GetConfiguration / ChangeConfiguration); 2.0.1
stations have components and variables (GetBaseReport → NotifyReport pages, GetVariables,
SetVariables). Both are stored as ``DeviceVariable`` values (see ``domain.device_model``).
Lists are split to respect what the station advertises (``domain.batches``), and the answers
merged::

    await device_model.read(station_id, [VariableRef("OCPPCommCtrlr", "HeartbeatInterval")],
                            ctx, gateway, timeout_s=30)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kilowatt.domain.batches import MessageLimits, split
from kilowatt.domain.device_model import (
    LEGACY_COMPONENT,
    DeviceVariable,
    StationSelector,
    VariableRef,
    from_configuration_keys,
    from_get_variable_results,
    from_report_data,
    ref_from_wire,
)
from kilowatt.domain.errors import (
    DomainError,
    InvalidValue,
    StationOffline,
    StationRefused,
    StationTimeout,
    UnknownStation,
)
from kilowatt.domain.locations import OcppVersion
from kilowatt.ports import StationGateway, StationReport
from kilowatt.services.context import ServiceContext

__all__ = [
    "Refresh",
    "SetOutcome",
    "Setting",
    "StationOutcome",
    "bulk_set",
    "message_limits",
    "next_request_id",
    "read",
    "record_report_page",
    "refresh",
    "set_values",
]

#: Values a station took (the stored value changes with them).
_TAKEN: Final = frozenset({"Accepted", "RebootRequired"})
_BULK_CONCURRENCY: Final = 32


@dataclass(frozen=True, slots=True)
class Setting:
    """A value to set. On an OCPP 1.6 station the variable name is the configuration key."""

    ref: VariableRef
    value: str


@dataclass(frozen=True, slots=True)
class SetOutcome:
    setting: Setting
    status: str  # the station's: Accepted, RebootRequired, Rejected, NotSupported, Unknown...


@dataclass(frozen=True, slots=True)
class Refresh:
    """What a refresh did: 1.6 stores the answer at once (``stored``); 2.0.1 stores the
    NotifyReport pages as they arrive for ``request_id``."""

    status: str
    request_id: int | None = None
    stored: int = 0


@dataclass(frozen=True, slots=True)
class StationOutcome:
    """One station's part of a bulk operation: its answer, or why there is none."""

    station_id: str
    status: str  # the station's status, or Offline / Timeout / Refused / Failed
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class _Call:
    station_id: str
    gateway: StationGateway
    timeout_s: float

    async def __call__(self, action: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return await self.gateway.call(self.station_id, action, payload, self.timeout_s)


async def next_request_id(ctx: ServiceContext) -> int:
    """A fresh ``requestId`` from the store's sequence (never two alike, unlike the clock)."""
    async with ctx.uow() as uow:
        return await uow.request_ids.next()


async def record_report_page(report: StationReport, ctx: ServiceContext) -> None:
    """A NotifyReport page: kept as sent, and its values stored in the device model."""
    found = from_report_data(report.payload.get("reportData") or [], ctx.clock.now())
    async with ctx.uow() as uow:
        uow.stations.record_report(report)
        uow.device_model.save(report.station_id, found)
        await uow.commit()


async def refresh(
    station_id: str, ctx: ServiceContext, gateway: StationGateway, *, timeout_s: float
) -> Refresh:
    """Ask the station for everything: 1.6 GetConfiguration, 2.0.1 GetBaseReport FullInventory."""
    call = _Call(station_id, gateway, timeout_s)
    if await _version_of(station_id, ctx) is OcppVersion.V16:
        answer = await call("GetConfiguration", {})
        found = from_configuration_keys(answer.get("configurationKey") or [], ctx.clock.now())
        await _store(station_id, found, ctx)
        return Refresh("Accepted", stored=len(found))
    request_id = await next_request_id(ctx)
    answer = await call("GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"})
    return Refresh(str(answer.get("status")), request_id=request_id)


async def read(
    station_id: str,
    refs: Sequence[VariableRef],
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
) -> list[DeviceVariable]:
    """Ask the station for these values (split as it advertises), store and return them."""
    call = _Call(station_id, gateway, timeout_s)
    known = {v.ref.key: v for v in await _stored(station_id, ctx)}
    if await _version_of(station_id, ctx) is OcppVersion.V16:
        return await _read_keys(call, [ref.variable for ref in refs], known, ctx)
    items = [ref.to_wire() for ref in refs]
    limits = message_limits(known, "GetVariables", {"getVariableData": []})
    found: list[DeviceVariable] = []
    for part in split(items, limits, _json_bytes):
        answer = await call("GetVariables", {"getVariableData": part})
        results = answer.get("getVariableResult") or []
        found.extend(from_get_variable_results(results, ctx.clock.now(), known))
    await _store(station_id, found, ctx)
    return found


async def _read_keys(
    call: _Call, keys: list[str], known: Mapping[str, DeviceVariable], ctx: ServiceContext
) -> list[DeviceVariable]:
    max_keys = _int_value(known, VariableRef(LEGACY_COMPONENT, "GetConfigurationMaxKeys"))
    found: list[DeviceVariable] = []
    for part in split(keys, MessageLimits(max_items=max_keys)):
        answer = await call("GetConfiguration", {"key": part})
        found.extend(from_configuration_keys(answer.get("configurationKey") or [], ctx.clock.now()))
    await _store(call.station_id, found, ctx)
    return found


async def set_values(
    station_id: str,
    settings: Sequence[Setting],
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
) -> list[SetOutcome]:
    """Set values (1.6: one ChangeConfiguration each; 2.0.1: SetVariables, split as the
    station advertises); the stored value follows when the station takes it."""
    call = _Call(station_id, gateway, timeout_s)
    legacy = await _version_of(station_id, ctx) is OcppVersion.V16
    known = {v.ref.key: v for v in await _stored(station_id, ctx)}
    if legacy:
        outcomes = [await _change_configuration(call, setting) for setting in settings]
    else:
        outcomes = await _set_variables(call, settings, known)
    now = ctx.clock.now()
    source = "ChangeConfiguration" if legacy else "SetVariables"
    taken = []
    for outcome in outcomes:
        if outcome.status in _TAKEN:
            ref = _legacy_ref(outcome.setting.ref) if legacy else outcome.setting.ref
            before = known.get(ref.key)
            mutability = before.mutability if before is not None else None
            taken.append(DeviceVariable(ref, outcome.setting.value, mutability, now, source))
    await _store(station_id, taken, ctx)
    return outcomes


def _legacy_ref(ref: VariableRef) -> VariableRef:
    return VariableRef(LEGACY_COMPONENT, ref.variable)


async def _change_configuration(call: _Call, setting: Setting) -> SetOutcome:
    answer = await call(
        "ChangeConfiguration", {"key": setting.ref.variable, "value": setting.value}
    )
    return SetOutcome(setting, str(answer.get("status")))


async def _set_variables(
    call: _Call, settings: Sequence[Setting], known: Mapping[str, DeviceVariable]
) -> list[SetOutcome]:
    items = [_set_item(setting) for setting in settings]
    limits = message_limits(known, "SetVariables", {"setVariableData": []})
    by_key = {setting.ref.key: setting for setting in settings}
    outcomes: list[SetOutcome] = []
    for part in split(items, limits, _json_bytes):
        answer = await call("SetVariables", {"setVariableData": part})
        for result in answer.get("setVariableResult") or []:
            ref = _result_ref(result)
            setting = by_key.get(ref.key)
            if setting is not None:
                outcomes.append(SetOutcome(setting, str(result.get("attributeStatus"))))
    return outcomes


def _set_item(setting: Setting) -> dict[str, Any]:
    return setting.ref.to_wire() | {"attributeValue": setting.value}


def _result_ref(result: Mapping[str, Any]) -> VariableRef:
    return ref_from_wire(result["component"], result["variable"], result.get("attributeType"))


async def bulk_set(
    selector: StationSelector,
    setting: Setting,
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
) -> list[StationOutcome]:
    """Set one value on every station the selector picks, concurrently; one station's failure
    (offline, silent, refusing) is its own result and stops nobody else."""
    if selector.is_empty:
        raise InvalidValue("a bulk operation needs a location, a model or a vendor")
    async with ctx.uow() as uow:
        station_ids = await uow.device_model.stations_matching(selector)
    slots = asyncio.Semaphore(_BULK_CONCURRENCY)

    async def one(station_id: str) -> StationOutcome:
        async with slots:
            return await _set_one(station_id, setting, ctx, gateway, timeout_s)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(station_id)) for station_id in station_ids]
    return [task.result() for task in tasks]


async def _set_one(
    station_id: str,
    setting: Setting,
    ctx: ServiceContext,
    gateway: StationGateway,
    timeout_s: float,
) -> StationOutcome:
    try:
        outcomes = await set_values(station_id, [setting], ctx, gateway, timeout_s=timeout_s)
    except StationOffline as error:
        return StationOutcome(station_id, "Offline", str(error))
    except StationTimeout as error:
        return StationOutcome(station_id, "Timeout", str(error))
    except StationRefused as error:
        return StationOutcome(station_id, "Refused", str(error))
    except DomainError as error:
        return StationOutcome(station_id, "Failed", str(error))
    status = outcomes[0].status if outcomes else "NoAnswer"
    return StationOutcome(station_id, status)


def message_limits(
    known: Mapping[str, DeviceVariable], action: str, empty: Mapping[str, Any]
) -> MessageLimits:
    """DeviceDataCtrlr ItemsPerMessage / BytesPerMessage of ``action`` (absent: no limit);
    ``empty`` is the payload with an empty list, whose size every message carries."""
    items = _int_value(known, _data_ctrlr("ItemsPerMessage", action))
    size = _int_value(known, _data_ctrlr("BytesPerMessage", action))
    return MessageLimits(items, size, overhead_bytes=_message_bytes(action, empty))


def _data_ctrlr(variable: str, instance: str) -> VariableRef:
    return VariableRef("DeviceDataCtrlr", variable, variable_instance=instance)


def _int_value(known: Mapping[str, DeviceVariable], ref: VariableRef) -> int | None:
    found = known.get(ref.key)
    if found is None or found.value is None:
        return None
    try:
        value = int(found.value)
    except ValueError:
        return None
    return value if value > 0 else None


def _message_bytes(action: str, payload: Mapping[str, Any]) -> int:
    """The size of the OCPP-J CALL frame as sent (compact JSON, 36-character message id)."""
    return len(json.dumps([2, "0" * 36, action, payload], separators=(",", ":")))


def _json_bytes(item: Any) -> int:
    return len(json.dumps(item, separators=(",", ":")))


async def _stored(station_id: str, ctx: ServiceContext) -> Sequence[DeviceVariable]:
    async with ctx.uow() as uow:
        return await uow.device_model.variables(station_id)


async def _store(station_id: str, found: Sequence[DeviceVariable], ctx: ServiceContext) -> None:
    if not found:
        return
    async with ctx.uow() as uow:
        uow.device_model.save(station_id, found)
        await uow.commit()


async def _version_of(station_id: str, ctx: ServiceContext) -> OcppVersion:
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
    if station is None:
        raise UnknownStation(f"no station {station_id}")
    if station.ocpp_version is None:
        raise StationOffline(f"station {station_id} has never connected")
    return station.ocpp_version
