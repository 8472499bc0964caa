"""Simulated OCPP 1.6-J charging stations for the load generators.

Runs inside the client worker processes. Built for a low cost per call: raw
`websockets` connections, frames rendered from byte templates prebuilt with
orjson (only the unique id, timestamps and meter readings change), text frames
sent from bytes without re-encoding and answers parsed with orjson.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import time
from array import array
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.protocol import State

from bench.common import station_token

CALL, CALLRESULT, CALLERROR = 2, 3, 4
ACTIONS = ("Heartbeat", "StatusNotification", "MeterValues")


class SetupError(Exception):
    """A station could not connect or finish its boot sequence."""


class CallError(Exception):
    """The server answered a CALL with a CALLERROR."""


# --------------------------------------------------------------------------
# Frame templates
# --------------------------------------------------------------------------


class Template:
    """A JSON frame serialized once by orjson, with "@name@" string placeholders
    turned into %b slots; render() fills them with bytes. Placeholders named
    in `raw` lose their quotes (for numbers)."""

    def __init__(self, obj: Any, fields: list[str], raw: tuple[str, ...] = ()) -> None:
        raw_json = orjson.dumps(obj)
        marks = {f: (f'"@{f}@"' if f in raw else f"@{f}@").encode() for f in fields}
        self.order = [f for _, f in sorted((raw_json.index(m), f) for f, m in marks.items())]
        fmt = raw_json.replace(b"%", b"%%")
        for m in marks.values():
            fmt = fmt.replace(m, b"%b")
        self.fmt = fmt

    def render(self, values: dict[str, bytes]) -> bytes:
        return self.fmt % tuple(values[f] for f in self.order)


def _frame(action: str, payload: dict[str, Any]) -> list[Any]:
    return [CALL, "@uid@", action, payload]


HEARTBEAT = Template(_frame("Heartbeat", {}), ["uid"])
BOOT = Template(
    _frame(
        "BootNotification",
        {
            "chargePointVendor": "Kilowatt",
            "chargePointModel": "BenchSim-22",
            "chargePointSerialNumber": "@serial@",
            "firmwareVersion": "1.0.0-bench",
        },
    ),
    ["uid", "serial"],
)
STATUS = Template(
    _frame(
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "@status@", "timestamp": "@ts@"},
    ),
    ["uid", "status", "ts"],
)
START_TX = Template(
    _frame(
        "StartTransaction",
        {"connectorId": 1, "idTag": "@tag@", "meterStart": 0, "timestamp": "@ts@"},
    ),
    ["uid", "tag", "ts"],
)


def _sampled(value: str, measurand: str, unit: str, **extra: str) -> dict[str, str]:
    return {
        "value": value,
        "context": "Sample.Periodic",
        "format": "Raw",
        "measurand": measurand,
        "unit": unit,
        **extra,
    }


METER_VALUES = Template(
    [
        CALL,
        "@uid@",
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": "@tx@",
            "meterValue": [
                {
                    "timestamp": "@ts@",
                    "sampledValue": [
                        _sampled(
                            "@energy@", "Energy.Active.Import.Register", "Wh", location="Outlet"
                        ),
                        _sampled("@power@", "Power.Active.Import", "W", location="Outlet"),
                        _sampled("@i1@", "Current.Import", "A", phase="L1", location="Outlet"),
                        _sampled("@i2@", "Current.Import", "A", phase="L2", location="Outlet"),
                        _sampled("@i3@", "Current.Import", "A", phase="L3", location="Outlet"),
                        _sampled("@volt@", "Voltage", "V", phase="L1-N", location="Outlet"),
                        _sampled("@soc@", "SoC", "Percent", location="EV"),
                    ],
                }
            ],
        },
    ],
    ["uid", "tx", "ts", "energy", "power", "i1", "i2", "i3", "volt", "soc"],
    raw=("tx",),
)

_ts_second = -1
_ts_prefix = b""


def iso_now() -> bytes:
    """Current UTC time as ISO 8601 with milliseconds, e.g. 2025-01-02T03:04:05.678Z."""
    global _ts_second, _ts_prefix
    now = time.time()
    sec = int(now)
    if sec != _ts_second:
        _ts_second = sec
        _ts_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)).encode()
    return b"%b.%03dZ" % (_ts_prefix, int((now - sec) * 1000))


# Answers to CALLs a central system may send to a freshly booted station.
_SERVER_CALL_REPLIES: dict[str, dict[str, Any]] = {
    "GetConfiguration": {"configurationKey": [], "unknownKey": []},
    "ChangeConfiguration": {"status": "Accepted"},
    "ChangeAvailability": {"status": "Accepted"},
    "ClearCache": {"status": "Accepted"},
    "TriggerMessage": {"status": "Rejected"},
    "RemoteStartTransaction": {"status": "Rejected"},
    "RemoteStopTransaction": {"status": "Rejected"},
    "Reset": {"status": "Rejected"},
    "UnlockConnector": {"status": "NotSupported"},
    "DataTransfer": {"status": "UnknownVendorId"},
    "SetChargingProfile": {"status": "Rejected"},
    "ClearChargingProfile": {"status": "Unknown"},
    "GetLocalListVersion": {"listVersion": 0},
    "SendLocalList": {"status": "NotSupported"},
    "ReserveNow": {"status": "Rejected"},
    "CancelReservation": {"status": "Rejected"},
}


def server_call_reply(msg: list[Any]) -> bytes:
    """CALLRESULT (or CALLERROR NotImplemented) for a CALL sent by the server."""
    uid, action = msg[1], msg[2]
    payload = _SERVER_CALL_REPLIES.get(action)
    if payload is None:
        return orjson.dumps([CALLERROR, uid, "NotImplemented", f"{action} not simulated", {}])
    return orjson.dumps([CALLRESULT, uid, payload])


# --------------------------------------------------------------------------
# One station
# --------------------------------------------------------------------------


class Station:
    def __init__(self, sid: str, password: str, ws_base: str, tag: str) -> None:
        self.sid = sid
        self.url = f"{ws_base}/{sid}"
        token = base64.b64encode(f"{sid}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}
        self.uid_prefix = f"{tag}{sid[5:]}-".encode()  # unique per run and station
        self.seq = 0
        self.ws: ClientConnection | None = None
        self.transaction_id: int | None = None
        self.server_calls = 0
        self.call_errors = 0
        self.timeouts = 0
        self.connect_s = 0.0
        self.boot_s = 0.0
        # Meter model: an 11 kW three-phase session.
        self.tx_started = 0.0
        self.power_w = 11_000 + random.randint(-400, 400)
        self.soc_start = random.uniform(10, 40)
        self.tx_bytes = b"0"
        self._reader: asyncio.Task[None] | None = None

    def next_uid(self) -> bytes:
        self.seq += 1
        return b"%b%d" % (self.uid_prefix, self.seq)

    async def connect(self, open_timeout: float) -> None:
        started = time.monotonic()
        try:
            self.ws = await connect(
                self.url,
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                additional_headers=self.headers,
                compression=None,
                ping_interval=None,
                open_timeout=open_timeout,
                close_timeout=2,
                proxy=None,
                user_agent_header="kilowatt-bench",
            )
        except Exception as exc:
            raise SetupError(f"connect: {type(exc).__name__}: {exc}") from exc
        self.connect_s = time.monotonic() - started
        if self.ws.subprotocol != "ocpp1.6":
            raise SetupError(f"server chose subprotocol {self.ws.subprotocol!r}")

    async def call(self, frame: bytes, uid: bytes, parse: bool = True) -> Any:
        """Send one CALL and wait inline for its answer, answering any CALL
        the server sends meanwhile. Returns the CALLRESULT payload (None with
        parse=False, which skips decoding a well-formed answer)."""
        ws = self.ws
        assert ws is not None
        await ws.send(frame, text=True)
        expected = b'[3,"%b",' % uid
        uid_str = uid.decode()
        while True:
            raw = await ws.recv(decode=False)
            if not parse and raw.startswith(expected):
                return None
            msg = orjson.loads(raw)
            kind = msg[0]
            if kind == CALLRESULT and msg[1] == uid_str:
                return msg[2]
            if kind == CALL:
                self.server_calls += 1
                await ws.send(server_call_reply(msg), text=True)
            elif kind == CALLERROR and msg[1] == uid_str:
                raise CallError(f"{msg[2]}: {msg[3]}")
            # anything else: a stray answer to an older call; ignore it

    async def boot(self, with_transaction: bool) -> None:
        """BootNotification (must be Accepted); for the throughput benchmark
        also StatusNotification Available and StartTransaction."""
        started = time.monotonic()
        try:
            uid = self.next_uid()
            res = await self.call(BOOT.render({"uid": uid, "serial": self.sid.encode()}), uid)
            if res.get("status") != "Accepted":
                raise SetupError(f"BootNotification answered {res!r}")
            self.boot_s = time.monotonic() - started
            if not with_transaction:
                return
            uid = self.next_uid()
            await self.call(
                STATUS.render({"uid": uid, "status": b"Available", "ts": iso_now()}), uid
            )
            uid = self.next_uid()
            res = await self.call(
                START_TX.render(
                    {"uid": uid, "tag": station_token(self.sid).encode(), "ts": iso_now()}
                ),
                uid,
            )
            status = res.get("idTagInfo", {}).get("status")
            if status != "Accepted" or not isinstance(res.get("transactionId"), int):
                raise SetupError(f"StartTransaction answered {res!r}")
            self.prepare_meter(res["transactionId"])
        except (ConnectionClosed, CallError, OSError) as exc:
            raise SetupError(f"boot: {type(exc).__name__}: {exc}") from exc

    def prepare_meter(self, transaction_id: int) -> None:
        self.transaction_id = transaction_id
        self.tx_started = time.monotonic()
        self.tx_bytes = b"%d" % transaction_id

    def frame(self, action_index: int) -> tuple[bytes, bytes]:
        """(uid, frame) for action 0 Heartbeat, 1 StatusNotification Charging,
        2 MeterValues."""
        uid = self.next_uid()
        if action_index == 0:
            return uid, HEARTBEAT.render({"uid": uid})
        if action_index == 1:
            return uid, STATUS.render({"uid": uid, "status": b"Charging", "ts": iso_now()})
        elapsed = time.monotonic() - self.tx_started
        power = self.power_w + random.randint(-50, 50)
        amps = power / (3 * 230.0)
        return uid, METER_VALUES.render(
            {
                "uid": uid,
                "tx": self.tx_bytes,
                "ts": iso_now(),
                "energy": b"%d" % int(self.power_w * elapsed / 3600),
                "power": b"%d" % power,
                "i1": b"%.1f" % amps,
                "i2": b"%.1f" % (amps + 0.1),
                "i3": b"%.1f" % (amps - 0.1),
                "volt": b"%.1f" % (230 + random.uniform(-2, 2)),
                "soc": b"%d" % min(100, int(self.soc_start + elapsed / 60)),
            }
        )

    async def hold(
        self,
        first_at: float,
        interval: float,
        until: float,
        latencies: array[float],
        answer_within: float = 30.0,
    ) -> str:
        """Stay connected until `until` (monotonic), sending a Heartbeat at
        first_at and every `interval` seconds after, while a reader task answers
        any CALL from the server. Heartbeat round trips go to `latencies`.
        Unanswered heartbeats (answer_within) count in self.timeouts, CALLERRORs
        in self.call_errors. Returns "held" or "dropped" (connection lost)."""
        ws = self.ws
        assert ws is not None
        loop = asyncio.get_running_loop()
        pending: dict[str, asyncio.Future[Any]] = {}

        async def reader() -> None:
            try:
                while True:
                    msg = orjson.loads(await ws.recv(decode=False))
                    if msg[0] == CALL:
                        self.server_calls += 1
                        await ws.send(server_call_reply(msg), text=True)
                        continue
                    fut = pending.pop(msg[1], None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
            except (ConnectionClosed, OSError):
                pass
            finally:
                for fut in pending.values():
                    if not fut.done():
                        fut.set_exception(ConnectionClosedError(None, None))

        read_task = self._reader = asyncio.create_task(reader())
        next_at = first_at
        while next_at < until:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if read_task.done():
                return "dropped"
            uid = self.next_uid()
            fut: asyncio.Future[Any] = loop.create_future()
            pending[uid.decode()] = fut
            sent = time.monotonic()
            next_at += interval
            try:
                await ws.send(HEARTBEAT.render({"uid": uid}), text=True)
                answer = await asyncio.wait_for(fut, timeout=answer_within)
            except TimeoutError:
                pending.pop(uid.decode(), None)
                self.timeouts += 1
                continue
            except (ConnectionClosed, OSError):
                return "dropped"
            latencies.append(time.monotonic() - sent)
            if answer[0] == CALLERROR:
                self.call_errors += 1
        await asyncio.sleep(max(0.0, until - time.monotonic()))
        if read_task.done() or ws.state is not State.OPEN:
            return "dropped"
        return "held"

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()

    def abort(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.transport.abort()
        if self._reader is not None:
            self._reader.cancel()


async def setup_stations(
    stations: list[Station],
    concurrency: int,
    open_timeout: float,
    with_transaction: bool,
    deadline: float,
) -> tuple[list[Station], dict[str, int]]:
    """Connect and boot stations, at most `concurrency` at a time, until the
    monotonic deadline. Returns (ready stations, failure reasons -> count)."""
    sem = asyncio.Semaphore(concurrency)
    failures: dict[str, int] = {}
    ready: list[Station] = []

    async def one(st: Station) -> None:
        async with sem:
            try:
                await st.connect(open_timeout)
                await st.boot(with_transaction)
                ready.append(st)
            except SetupError as exc:
                reason = str(exc)[:160]
                failures[reason] = failures.get(reason, 0) + 1
                st.abort()

    tasks = [asyncio.create_task(one(st)) for st in stations]
    remaining = max(0.1, deadline - time.monotonic())
    _, pending = await asyncio.wait(tasks, timeout=remaining)
    for t in pending:
        t.cancel()
    if pending:
        failures["setup deadline passed"] = len(pending)
        await asyncio.gather(*pending, return_exceptions=True)
    return ready, failures


async def close_all(stations: list[Station], wait_s: float = 10.0) -> None:
    """Close connections (closing handshake), aborting whatever is left."""
    tasks = [asyncio.create_task(st.close()) for st in stations]
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=wait_s)
        for t in pending:
            t.cancel()
    for st in stations:
        st.abort()
