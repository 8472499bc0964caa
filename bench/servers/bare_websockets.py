"""The floor: a bare `websockets` server answering canned OCPP 1.6 CALLRESULTs.

It reads only the message type, unique id and action of each CALL (a split
on the first quotes, orjson as fallback) and answers with a prebuilt payload:
no schema validation, no state beyond a transaction counter.

    python -m bench.servers.bare_websockets --port 9000
"""

from __future__ import annotations

import itertools
import time

import orjson
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from bench.servers._runner import main

_transaction_ids = itertools.count(1)
_now_second = -1
_now = b""


def _current_time() -> bytes:
    global _now_second, _now
    sec = int(time.time())
    if sec != _now_second:
        _now_second = sec
        _now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec)).encode()
    return _now


def _payload(action: bytes) -> bytes | None:
    if action == b"Heartbeat":
        return b'{"currentTime":"%b"}' % _current_time()
    if action in (b"StatusNotification", b"MeterValues"):
        return b"{}"
    if action == b"BootNotification":
        return b'{"currentTime":"%b","interval":300,"status":"Accepted"}' % _current_time()
    if action == b"StartTransaction":
        return b'{"transactionId":%d,"idTagInfo":{"status":"Accepted"}}' % next(_transaction_ids)
    if action in (b"Authorize", b"StopTransaction"):
        return b'{"idTagInfo":{"status":"Accepted"}}'
    if action in (b"DataTransfer",):
        return b'{"status":"Accepted"}'
    if action in (b"FirmwareStatusNotification", b"DiagnosticsStatusNotification"):
        return b"{}"
    return None


def _parse(raw: bytes) -> tuple[bytes, bytes] | None:
    """(unique id, action) of a CALL, or None for anything else."""
    parts = raw.split(b'"', 4)
    if len(parts) == 5 and parts[0].replace(b" ", b"") == b"[2," and b"\\" not in parts[1]:
        return parts[1], parts[3]
    try:
        msg = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if isinstance(msg, list) and len(msg) >= 3 and msg[0] == 2:
        return orjson.dumps(msg[1])[1:-1], str(msg[2]).encode()
    return None


async def handler(ws: ServerConnection) -> None:
    try:
        while True:
            raw = await ws.recv(decode=False)
            call = _parse(raw)
            if call is None:
                continue  # CALLRESULT/CALLERROR from the station or garbage: ignore
            uid, action = call
            payload = _payload(action)
            if payload is None:
                reply = b'[4,"%b","NotImplemented","",{}]' % uid
            else:
                reply = b'[3,"%b",%b]' % (uid, payload)
            await ws.send(reply, text=True)
    except ConnectionClosed:
        pass


if __name__ == "__main__":
    main(handler, __doc__ or "")
