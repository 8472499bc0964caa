"""OCPI Commands, CPO as Receiver: START_SESSION, STOP_SESSION and UNLOCK_CONNECTOR carried out
over OCPP (services/remote_control.py), RESERVE_NOW and CANCEL_RESERVATION as OCPP reservations
(services/roaming_reservations.py). The eMSP gets a CommandResponse at once and the
CommandResult later, POSTed to its ``response_url`` through the push outbox (so retried)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from kilowatt.domain.errors import InvalidValue, StationTimeout, StationUnavailable
from kilowatt.domain.roaming import Partner, PartyRole, UnknownLocation
from kilowatt.ports import OcpiPush, RoamingReads, RoamingReservations, StationGateway
from kilowatt.services import remote_control, remote_starts, roaming_reservations
from kilowatt.services.context import ServiceContext
from kilowatt.services.roaming_push import Pusher
from kilowatt.services.roaming_tokens import TokenKey, put_token

__all__ = ["CommandTarget", "Commands"]

log = logging.getLogger(__name__)

_OK_ANSWERS = {"Accepted", "Unlocked"}


@dataclass(frozen=True, slots=True)
class CommandTarget:
    station_id: str
    evse_id: int | None
    connector_id: int | None = None


class Commands:
    """Receives commands; owns the tasks that carry them out (a TaskGroup while running)."""

    def __init__(
        self,
        ctx: ServiceContext,
        reads: RoamingReads,
        gateway: StationGateway,
        pusher: Pusher,
        timeout_s: float,
        reservations: RoamingReservations,
    ) -> None:
        self._ctx, self._reads, self._gateway = ctx, reads, gateway
        self._pusher, self._timeout_s = pusher, timeout_s
        self._reservations = reservations
        self._tasks: asyncio.TaskGroup | None = None

    async def receive(
        self, command: str, body: Mapping[str, Any], partner: Partner
    ) -> dict[str, Any]:
        """The CommandResponse; the command itself runs in the background."""
        response_url = body.get("response_url")
        if not isinstance(response_url, str):
            raise InvalidValue("a command needs a response_url")
        if command in ("RESERVE_NOW", "CANCEL_RESERVATION"):
            work = await self._reservation(command, body, partner)
        else:
            reference = roaming_reservations.authorization_reference(body)  # before the token
            request = await self._request(command, body, partner)
            if request is None:
                return {"result": "UNKNOWN_SESSION", "timeout": 0}
            work = functools.partial(self._send, *request, reference)
        self._start(self._report(work, response_url, partner))
        return {"result": "ACCEPTED", "timeout": 2 * int(self._timeout_s) + 1}

    async def _reservation(
        self, command: str, body: Mapping[str, Any], partner: Partner
    ) -> Callable[[], Awaitable[str]]:
        """The work of a reservation command, once its body is found sound."""
        book, ctx, gateway = self._reservations, self._ctx, self._gateway
        if command == "CANCEL_RESERVATION":
            their_id = roaming_reservations.reservation_id(body)
            return functools.partial(
                roaming_reservations.cancel, partner, their_id, book, ctx, gateway, self._timeout_s
            )
        target = await self._target(body, need_connector=False)
        order = roaming_reservations.reserve_request(body, target.station_id, target.evse_id)
        await self._accept_token(body.get("token"), partner)  # the body is sound: keep it
        return functools.partial(
            roaming_reservations.reserve_now, order, partner, book, ctx, gateway, self._timeout_s
        )

    async def _request(
        self, command: str, body: Mapping[str, Any], partner: Partner
    ) -> tuple[str, remote_control.Request] | None:
        if command == "START_SESSION":
            target = await self._target(body, need_connector=False)
            uid = await self._accept_token(body.get("token"), partner)
            return target.station_id, remote_control.RemoteStart(uid, target.evse_id)
        if command == "STOP_SESSION":
            async with self._ctx.uow() as uow:
                found = await uow.transactions.by_pk(str(body.get("session_id")))
            if found is None or not found.is_active:
                return None
            return found.station_id, remote_control.RemoteStop(found.transaction_id)
        if command == "UNLOCK_CONNECTOR":
            target = await self._target(body, need_connector=True)
            assert target.evse_id is not None and target.connector_id is not None
            return target.station_id, remote_control.Unlock(target.evse_id, target.connector_id)
        raise InvalidValue(f"unknown command {command}")

    async def _target(self, body: Mapping[str, Any], *, need_connector: bool) -> CommandTarget:
        location_id, evse_uid = body.get("location_id"), body.get("evse_uid")
        stations = await self._reads.location_stations(str(location_id))
        if not stations:
            raise UnknownLocation(f"unknown location {location_id}")
        if evse_uid is None and not need_connector:
            return CommandTarget(stations[0].id, None)
        for station in stations:
            for evse in station.evses:
                if evse.uid == evse_uid:
                    return CommandTarget(station.id, evse.evse_id, _connector(body, evse))
        raise UnknownLocation(f"no EVSE {evse_uid} at location {location_id}")

    async def _accept_token(self, token: object, partner: Partner) -> str:
        """The eMSP vouches for the token of a START_SESSION: it is stored as theirs, so the
        station's StartTransaction is accepted and the CDR names the eMSP's token."""
        if not isinstance(token, dict) or not isinstance(token.get("uid"), str):
            raise InvalidValue("START_SESSION needs a token with a uid")
        key = TokenKey(str(token.get("country_code")), str(token.get("party_id")), token["uid"])
        await put_token(key, token, partner, self._ctx.uow, self._ctx.clock.now())
        return key.uid

    async def _report(
        self, work: Callable[[], Awaitable[str]], response_url: str, partner: Partner
    ) -> None:
        result = await work()
        body = json.dumps({"result": result}, separators=(",", ":"))
        key = f"command:{uuid.uuid4()}"
        now = self._ctx.clock.now()
        push = OcpiPush(partner.id, key, "POST", response_url, body, now)
        await self._pusher.enqueue(push.addressed(partner.party(PartyRole.EMSP)))

    async def _send(
        self, station_id: str, request: remote_control.Request, reference: str | None
    ) -> str:
        try:
            answer = await self._sent(station_id, request, reference)
        except StationTimeout:
            return "TIMEOUT"
        except (StationUnavailable, InvalidValue) as failure:
            log.warning("OCPI command at %s failed: %s", station_id, failure)
            return "FAILED"
        return "ACCEPTED" if answer.get("status") in _OK_ANSWERS else "REJECTED"

    async def _sent(
        self, station_id: str, request: remote_control.Request, reference: str | None
    ) -> dict[str, Any]:
        """The station's answer. A remote start is recorded, so the transaction it starts is
        linked to it and carries the START_SESSION's authorization_reference."""
        ctx, gateway, timeout_s = self._ctx, self._gateway, self._timeout_s
        if isinstance(request, remote_control.RemoteStart):
            answer, _ = await remote_starts.start(
                station_id,
                request,
                ctx,
                gateway,
                timeout_s=timeout_s,
                authorization_reference=reference,
            )
            return answer
        return await remote_control.send(station_id, request, ctx, gateway, timeout_s=timeout_s)

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        if self._tasks is None:
            work.close()
            raise StationUnavailable("commands are carried out only while the server runs")
        self._tasks.create_task(_logged(work))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with asyncio.TaskGroup() as tasks:
            self._tasks = tasks
            try:
                yield
            finally:
                self._tasks = None


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    """A failing command must not take the other commands (and the task group) down."""
    try:
        await work
    except Exception:
        log.exception("carrying out an OCPI command failed")


def _connector(body: Mapping[str, Any], evse: Any) -> int | None:
    raw = body.get("connector_id")
    if raw is None:
        return None
    if not str(raw).isdecimal() or all(c.connector_id != int(raw) for c in evse.connectors):
        raise UnknownLocation(f"no connector {raw} at EVSE {evse.uid}")
    return int(raw)
