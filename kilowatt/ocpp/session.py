"""One station's connection: OCPP-J framing on top of the ``ocpp`` library's ChargePoint.

The library routes each CALL to the ``@on`` handler of its action. This base replaces its
message loop where the library is lenient or slow:

* a frame that cannot be parsed gets a CALLERROR (the library only logs it), and the
  connection stays up;
* payloads are checked against the library's own JSON schemas, compiled once
  (``kilowatt.ocpp.schemas``) instead of interpreted in a thread on every call;
* a CALL whose message id was answered before gets the same answer again without being
  handled twice (a station resends when it missed our answer);
* any failure in a handler becomes a CALLERROR for that message only;
* every exchange, both directions, goes to the per-station message log.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, cast

from ocpp.charge_point import remove_nones, serialize_as_dict
from ocpp.exceptions import (
    FormationViolationError,
    InternalError,
    NotImplementedError,
    NotSupportedError,
    OCPPError,
    PropertyConstraintViolationError,
)
from ocpp.messages import Call, CallError, CallResult
from ocpp.routing import on

from kilowatt.domain.errors import (
    DomainError,
    InvalidValue,
    StationOffline,
    StationRefused,
    StationTimeout,
)
from kilowatt.ocpp.schemas import (
    PayloadValidator,
    camel_keys,
    frame_unique_id,
    parse_frame,
    snake_keys,
)
from kilowatt.ports import MessageLog, OcppExchange
from kilowatt.services.context import ServiceContext

__all__ = ["Connection", "Session", "handles"]

log = logging.getLogger(__name__)

_REPLAY_MEMORY = 64
_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def handles(action: str) -> Callable[[_Handler], _Handler]:
    """Route an action to the decorated handler; payloads are validated by ``Session``."""
    return cast(Callable[[_Handler], _Handler], on(action, skip_schema_validation=True))


class Connection(Protocol):
    async def recv(self) -> str: ...
    async def send(self, message: str) -> None: ...
    async def close(self) -> None: ...


class Session:
    """Mixed into ``ocpp.v16.ChargePoint`` / ``ocpp.v201.ChargePoint`` by the version modules."""

    id: str
    route_map: dict[str, dict[str, Any]]
    _ocpp_version: str
    _connection: Connection
    _response_queue: asyncio.Queue[CallResult | CallError]
    _call_lock: asyncio.Lock
    known_actions: frozenset[str]
    #: Error codes as this version spells them (OCPP-J 1.6 keeps its typos, per its errata).
    error_names: dict[str, str] = {}

    def attach(self, ctx: ServiceContext, message_log: MessageLog) -> None:
        self.ctx = ctx
        self.message_log = message_log
        self.validator = PayloadValidator.for_version(self._ocpp_version)  # type: ignore[arg-type]
        self._answers: OrderedDict[str, str] = OrderedDict()
        self.closed = False

    async def close_connection(self) -> None:
        self.closed = True
        await self._connection.close()

    async def start(self) -> None:
        while True:
            await self.route_message(await self._connection.recv())

    async def route_message(self, raw_msg: str) -> None:
        try:
            frame = parse_frame(raw_msg)
        except OCPPError as error:
            unique_id = frame_unique_id(raw_msg) or "-1"
            await self._send_error(unique_id, "?", raw_msg, error, time.perf_counter())
            return
        if isinstance(frame, Call):
            await self._answer(frame)
        else:
            self._response_queue.put_nowait(frame)

    async def _answer(self, call: Call) -> None:
        started = time.perf_counter()
        replay = self._answers.get(call.unique_id)
        if replay is not None:
            await self._connection.send(replay)
            return
        try:
            payload = await self._dispatch(call)
        except OCPPError as error:
            await self._send_error(call.unique_id, call.action, call.payload, error, started)
            return
        text = CallResult(call.unique_id, payload).to_json()
        await self._connection.send(text)
        self._remember(call.unique_id, text)
        self._log("in", call, payload, None, started)

    async def _dispatch(self, call: Call) -> dict[str, Any]:
        handlers = self.route_map.get(call.action)
        if call.action not in self.known_actions:
            raise NotImplementedError(f"{call.action} is not an OCPP {self._ocpp_version} action")
        if handlers is None or "_on_action" not in handlers:
            raise NotSupportedError(f"{call.action} is not supported by this central system")
        self.validator.validate_request(call.action, call.payload)
        try:
            result = handlers["_on_action"](**snake_keys(call.payload))
            if inspect.isawaitable(result):
                result = await result
        except OCPPError:
            raise
        except InvalidValue as error:
            raise PropertyConstraintViolationError(str(error)) from error
        except DomainError as error:
            raise FormationViolationError(str(error)) from error
        except Exception as error:
            log.exception("%s: %s failed on %r", self.id, call.action, call.payload)
            raise InternalError(f"{type(error).__name__} while handling {call.action}") from error
        payload: dict[str, Any] = camel_keys(remove_nones(serialize_as_dict(result)))
        self.validator.validate_response(call.action, payload)
        return payload

    async def _send_error(
        self, unique_id: str, action: str, request: Any, error: OCPPError, started: float
    ) -> None:
        code = self.error_names.get(error.code, error.code)
        text = CallError(unique_id, code, error.description, error.details or {}).to_json()
        await self._connection.send(text)
        if action != "?":
            self._remember(unique_id, text)
        self._log("in", Call(unique_id, action, request), None, code, started)

    def _remember(self, unique_id: str, text: str) -> None:
        self._answers[unique_id] = text
        if len(self._answers) > _REPLAY_MEMORY:
            self._answers.popitem(last=False)

    def _log(
        self, direction: str, call: Call, response: Any, error_code: str | None, started: float
    ) -> None:
        """One exchange for the message log: ``call`` is our CALL ("out") or the station's."""
        request = call.payload
        self.message_log.record(
            OcppExchange(
                station_id=self.id,
                message_id=call.unique_id,
                direction=direction,
                action=call.action,
                request=request if isinstance(request, dict | list) else {"raw": str(request)},
                response=response,
                error_code=error_code,
                received_at=self.ctx.clock.now(),
                duration_us=int((time.perf_counter() - started) * 1e6),
            )
        )

    async def call_raw(
        self, action: str, payload: Mapping[str, Any], unique_id: str, timeout_s: float
    ) -> dict[str, Any]:
        """Send a CALL (camelCase payload, as on the wire) and return the station's answer."""
        if self.closed:
            raise StationOffline(f"station {self.id} is not connected")
        try:
            self.validator.validate_request(action, dict(payload))
        except OCPPError as error:  # the caller's request is wrong, not the station
            raise InvalidValue(
                f"{action} (OCPP {self._ocpp_version}): {error.description}"
            ) from None
        started = time.perf_counter()
        call = Call(unique_id, action, dict(payload))
        async with self._call_lock:
            await self._connection.send(call.to_json())
            try:
                response = await self._await_response(unique_id, timeout_s)
            except TimeoutError:
                self._log("out", call, None, "Timeout", started)
                raise StationTimeout(f"{self.id} did not answer {action} in {timeout_s}s") from None
        if isinstance(response, CallError):
            self._log("out", call, response.error_details, response.error_code, started)
            raise StationRefused(response.error_code, response.error_description)
        self._log("out", call, response.payload, None, started)
        return dict(response.payload)

    async def _await_response(self, unique_id: str, timeout_s: float) -> CallResult | CallError:
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            response = await asyncio.wait_for(self._response_queue.get(), remaining)
            if response.unique_id == unique_id:
                return response
            log.warning("%s: answer to an unknown message id %s", self.id, response.unique_id)
