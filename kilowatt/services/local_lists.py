"""Local authorization lists kept in step with the tokens in the store.

``sync`` sends a station the full list (SendLocalList Full, split as the station advertises:
the first message Full, the rest Differential with the same version). Once a station holds a
list, every token change is sent to it as a differential update; a station that is offline,
or refused an update, is marked ``pending`` and gets a full update when it boots again.
``LocalListKeeper`` does the following in the background, on ``TokenChanged`` and
``StationBooted`` events.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from kilowatt.domain import events
from kilowatt.domain.batches import MessageLimits, split
from kilowatt.domain.device_model import LEGACY_COMPONENT, DeviceVariable, VariableRef
from kilowatt.domain.errors import (
    DomainError,
    StationOffline,
    StationRefused,
    StationTimeout,
    StationUnavailable,
    UnknownStation,
)
from kilowatt.domain.local_lists import ListEntry, ListUpdate, LocalList, entry_for
from kilowatt.domain.locations import OcppVersion
from kilowatt.ports import StationGateway
from kilowatt.services import device_model
from kilowatt.services.context import ServiceContext

__all__ = ["LocalListKeeper", "push_token", "sync"]

log = logging.getLogger(__name__)

#: Where a station advertises (items per message, bytes per message, entries in all). A 2.0.1
#: station states its capacity as the maxLimit of LocalAuthListCtrlr.Entries (whose value is
#: the current count), known only from a stored NotifyReport: never asked with GetVariables.
_LIMIT_REFS: Final[Mapping[OcppVersion, tuple[VariableRef | None, ...]]] = {
    OcppVersion.V16: (
        VariableRef(LEGACY_COMPONENT, "SendLocalListMaxLength"),
        None,
        VariableRef(LEGACY_COMPONENT, "LocalAuthListMaxLength"),
    ),
    OcppVersion.V201: (
        VariableRef("LocalAuthListCtrlr", "ItemsPerMessage"),
        VariableRef("LocalAuthListCtrlr", "BytesPerMessage"),
        VariableRef("LocalAuthListCtrlr", "Entries"),
    ),
}
_TOKEN_TYPES_201: Final = {"RFID": "ISO14443"}
_UNAVAILABLE: Final[Mapping[type[StationUnavailable], str]] = {
    StationOffline: "Offline",
    StationTimeout: "Timeout",
    StationRefused: "Refused",
}


@dataclass(frozen=True, slots=True)
class _Station:
    id: str
    version: OcppVersion
    gateway: StationGateway
    timeout_s: float


async def sync(
    station_id: str, ctx: ServiceContext, gateway: StationGateway, *, timeout_s: float
) -> LocalList:
    """Send the station the full list made from the store's tokens; returns what it holds."""
    station = _Station(station_id, await _version_of(station_id, ctx), gateway, timeout_s)
    async with ctx.uow() as uow:
        held = await uow.local_lists.get(station_id) or LocalList(station_id)
        tokens = await uow.local_lists.tokens()
    limits, max_entries = await _limits(station, ctx)
    now = ctx.clock.now()
    update = held.full_update([entry_for(t, t.uid, now) for t in tokens], max_entries)
    return await _send(station, held, update, limits, ctx)


async def push_token(
    uid: str, ctx: ServiceContext, gateway: StationGateway, *, timeout_s: float
) -> None:
    """A token changed: every station holding a list gets the change (or is marked pending)."""
    async with ctx.uow() as uow:
        token = await uow.tokens.get(uid)
        station_ids = await uow.local_lists.stations_holding()
    change = entry_for(token, uid, ctx.clock.now())
    for station_id in station_ids:
        try:
            await _push_change(station_id, change, ctx, gateway, timeout_s)
        except DomainError as error:
            log.warning("local list of %s: %s not sent: %s", station_id, uid, error)


async def _push_change(
    station_id: str,
    change: ListEntry,
    ctx: ServiceContext,
    gateway: StationGateway,
    timeout_s: float,
) -> None:
    async with ctx.uow() as uow:
        held = await uow.local_lists.get(station_id)
    if held is None or (not held.pending and held.differential([change]) is None):
        return
    if not gateway.is_connected(station_id):
        await _mark_pending(held, ctx)
        return
    if held.pending:
        await sync(station_id, ctx, gateway, timeout_s=timeout_s)
        return
    station = _Station(station_id, await _version_of(station_id, ctx), gateway, timeout_s)
    update = held.differential([change])
    assert update is not None
    limits, _ = await _limits(station, ctx)
    await _send(station, held, update, limits, ctx)
    if held.pending:  # Failed or VersionMismatch: the spec says send the full list instead
        await sync(station_id, ctx, gateway, timeout_s=timeout_s)


async def catch_up(
    station_id: str, ctx: ServiceContext, gateway: StationGateway, *, timeout_s: float
) -> None:
    """After a boot: a station whose list is behind gets the full list."""
    async with ctx.uow() as uow:
        held = await uow.local_lists.get(station_id)
    if held is not None and held.pending:
        await sync(station_id, ctx, gateway, timeout_s=timeout_s)


async def _send(
    station: _Station,
    held: LocalList,
    update: ListUpdate,
    limits: MessageLimits,
    ctx: ServiceContext,
) -> LocalList:
    """Send ``update`` (split; after the first part every part is Differential) and record
    the outcome: the first status other than Accepted, or Offline when it could not go out."""
    entries = [_wire_entry(station.version, entry) for entry in update.entries]
    status = "Accepted"
    try:
        for number, part in enumerate(split(entries, limits, _json_bytes) or [[]]):
            full = update.full and number == 0
            payload = _payload(station.version, update.version, full, part)
            answer = await station.gateway.call(
                station.id, "SendLocalList", payload, station.timeout_s
            )
            status = str(answer.get("status"))
            if status != "Accepted":
                break
    except StationUnavailable as error:  # it may hold part of the update: a full one next
        held.applied(update, _UNAVAILABLE.get(type(error), "Failed"), ctx.clock.now())
        await _save(held, ctx)
        raise
    held.applied(update, status, ctx.clock.now())
    await _save(held, ctx)
    return held


def _payload(
    version: OcppVersion, list_version: int, full: bool, part: list[dict[str, Any]]
) -> dict[str, Any]:
    kind = "Full" if full else "Differential"
    payload: dict[str, Any] = {"updateType": kind}
    payload["listVersion" if version is OcppVersion.V16 else "versionNumber"] = list_version
    if part:
        payload["localAuthorizationList"] = part
    return payload


def _wire_entry(version: OcppVersion, entry: ListEntry) -> dict[str, Any]:
    expiry = _time(entry.expires_at)
    if version is OcppVersion.V16:
        wire: dict[str, Any] = {"idTag": entry.uid}
        if entry.status is not None:
            wire["idTagInfo"] = _some(status=entry.status, expiryDate=expiry)
        return wire
    token_type = _TOKEN_TYPES_201.get(entry.token_type, "Central")
    wire = {"idToken": {"idToken": entry.uid, "type": token_type}}
    if entry.status is not None:
        wire["idTokenInfo"] = _some(status=entry.status, cacheExpiryDateTime=expiry)
    return wire


async def _limits(station: _Station, ctx: ServiceContext) -> tuple[MessageLimits, int | None]:
    """What one SendLocalList may carry and how many entries the station keeps, from its
    stored device model; read from the station first when none of it is known."""
    refs = _LIMIT_REFS[station.version]
    wanted = [ref for ref in refs if ref is not None]
    known = await _known(station.id, wanted, ctx)
    if not known:
        askable = wanted if station.version is OcppVersion.V16 else wanted[:2]
        try:
            found = await device_model.read(
                station.id, askable, ctx, station.gateway, timeout_s=station.timeout_s
            )
        except DomainError as error:  # a station that cannot say gets unsplit messages
            log.info("local list of %s: limits unknown: %s", station.id, error)
            found = []
        known = {v.ref.key: v for v in found}
    items, size, entries = (known.get(ref.key) if ref else None for ref in refs)
    total = _int(entries) if station.version is OcppVersion.V16 else _max_limit(entries)
    empty = _payload(station.version, 0, True, []) | {"localAuthorizationList": []}
    overhead = _json_bytes([2, "0" * 36, "SendLocalList", empty])
    return MessageLimits(_int(items), _int(size), overhead), total


async def _known(
    station_id: str, refs: Sequence[VariableRef], ctx: ServiceContext
) -> dict[str, DeviceVariable]:
    keys = {ref.key for ref in refs}
    async with ctx.uow() as uow:
        stored = await uow.device_model.variables(station_id)
    return {v.ref.key: v for v in stored if v.ref.key in keys}


def _max_limit(found: DeviceVariable | None) -> int | None:
    """The maxLimit characteristic of a 2.0.1 variable, when reported."""
    limit = (found.characteristics or {}).get("maxLimit") if found is not None else None
    return int(limit) if isinstance(limit, int | float) and limit > 0 else None


def _int(found: DeviceVariable | None) -> int | None:
    if found is None or found.value is None or not found.value.isdecimal():
        return None
    return int(found.value) or None


async def _mark_pending(held: LocalList, ctx: ServiceContext) -> None:
    held.pending = True
    await _save(held, ctx)


async def _save(held: LocalList, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        uow.local_lists.save(held)
        await uow.commit()


async def _version_of(station_id: str, ctx: ServiceContext) -> OcppVersion:
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
    if station is None:
        raise UnknownStation(f"no station {station_id}")
    if station.ocpp_version is None:
        raise StationOffline(f"station {station_id} has never connected")
    return station.ocpp_version


def _json_bytes(item: Any) -> int:
    return len(json.dumps(item, separators=(",", ":")))


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def _some(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


class LocalListKeeper:
    """Follows token changes and boots in the background (an event subscriber must not wait
    for a station: a boot's subscriber runs before the station has its answer). Owns its
    tasks; ``close`` cancels what is still running."""

    def __init__(self, ctx: ServiceContext, gateway: StationGateway, timeout_s: float) -> None:
        self._ctx, self._gateway, self._timeout_s = ctx, gateway, timeout_s
        self._tasks: set[asyncio.Task[None]] = set()
        self.failures = 0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.TokenChanged):
            self._spawn(push_token(event.uid, self._ctx, self._gateway, timeout_s=self._timeout_s))
        elif isinstance(event, events.StationBooted) and event.registration_status == "Accepted":
            self._spawn(
                catch_up(event.station_id, self._ctx, self._gateway, timeout_s=self._timeout_s)
            )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except DomainError as error:
            self.failures += 1
            log.warning("local list update failed: %s", error)

    async def idle(self) -> None:
        """Wait until nothing is running (tests, shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
