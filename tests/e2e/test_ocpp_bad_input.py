"""Frames a station should not send: every one gets a CALLERROR (OCPP-J message type 4) for
that message only, the connection stays up, and nothing received before or after is lost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from tests.conftest import RunningServer
from tests.support import TAG, now_iso, open_socket, register_station, register_token

CALLRESULT, CALLERROR = 3, 4
FORMAT_VIOLATION = "FormationViolation"  # OCPP-J 1.6 keeps this spelling (errata 5.2)
MISSING_FIELD = {"ProtocolError", "OccurrenceConstraintViolation", "OccurenceConstraintViolation"}


async def _exchange(socket: ClientConnection, frame: str) -> list[Any]:
    """Send one raw text frame and return the server's answer, decoded."""
    await socket.send(frame)
    answer: list[Any] = json.loads(await asyncio.wait_for(socket.recv(), 5))
    return answer


async def _still_answers(socket: ClientConnection) -> None:
    """The connection is up: a valid Heartbeat gets its CALLRESULT."""
    answer = await _exchange(socket, json.dumps([2, "alive", "Heartbeat", {}]))
    assert answer[:2] == [CALLRESULT, "alive"]
    assert "currentTime" in answer[2]


@pytest.fixture
async def socket(server: RunningServer, api: httpx.AsyncClient) -> AsyncIterator[ClientConnection]:
    await register_station(api, "CP-BAD-1")
    async with open_socket(server.ocpp_url, "CP-BAD-1") as opened:
        yield opened


async def test_broken_json_is_a_format_violation_with_message_id_minus_one(
    socket: ClientConnection,
) -> None:
    answer = await _exchange(socket, '[2, "m1", "Heartbeat", {')
    assert answer[0] == CALLERROR
    assert answer[1] == "m1"  # still readable from the broken text
    assert answer[2] == FORMAT_VIOLATION

    answer = await _exchange(socket, "this is not json at all")
    assert answer[0] == CALLERROR
    assert answer[1] == "-1"  # OCPP-J: the message id could not be read
    assert answer[2] == FORMAT_VIOLATION
    await _still_answers(socket)


async def test_json_nested_too_deeply_is_a_format_violation(socket: ClientConnection) -> None:
    answer = await _exchange(socket, "[" * 100_000)
    assert answer[:2] == [CALLERROR, "-1"]
    assert answer[2] == FORMAT_VIOLATION
    await _still_answers(socket)


@pytest.mark.parametrize(
    ("frame", "message_id", "codes"),
    [
        ('{"not": "an array"}', "-1", {"ProtocolError"}),
        ("[]", "-1", {"ProtocolError"}),
        ('[2, "m2", "Heartbeat"]', "m2", {"ProtocolError"}),  # a CALL has four elements
        ('[2, 42, "Heartbeat", {}]', "-1", {"ProtocolError"}),  # the message id is a string
        ('[2, "m3", "Heartbeat", []]', "m3", {"ProtocolError"}),  # the payload is an object
        ('[7, "m4", "Heartbeat", {}]', "m4", {"PropertyConstraintViolation", "ProtocolError"}),
    ],
)
async def test_a_malformed_frame_is_a_protocol_error(
    socket: ClientConnection, frame: str, message_id: str, codes: set[str]
) -> None:
    answer = await _exchange(socket, frame)
    assert answer[0] == CALLERROR
    assert answer[1] == message_id
    assert answer[2] in codes
    assert isinstance(answer[3], str) and isinstance(answer[4], dict)
    await _still_answers(socket)


async def test_an_unknown_action_is_not_implemented(socket: ClientConnection) -> None:
    answer = await _exchange(socket, json.dumps([2, "m5", "FooBar", {}]))
    assert answer[:3] == [CALLERROR, "m5", "NotImplemented"]
    await _still_answers(socket)


async def test_an_action_the_central_system_does_not_handle_is_not_supported(
    socket: ClientConnection,
) -> None:
    # GetConfiguration is an OCPP 1.6 action, but one the central system sends, not receives.
    answer = await _exchange(socket, json.dumps([2, "m6", "GetConfiguration", {}]))
    assert answer[:3] == [CALLERROR, "m6", "NotSupported"]
    await _still_answers(socket)


async def test_a_missing_required_field_is_an_occurrence_violation(
    socket: ClientConnection,
) -> None:
    start = {"connectorId": 1, "meterStart": 0, "timestamp": now_iso()}  # no idTag
    answer = await _exchange(socket, json.dumps([2, "m7", "StartTransaction", start]))
    assert answer[:2] == [CALLERROR, "m7"]
    assert answer[2] in MISSING_FIELD
    assert "idTag" in answer[3]
    await _still_answers(socket)


async def test_a_field_of_the_wrong_type_is_a_type_constraint_violation(
    socket: ClientConnection,
) -> None:
    start = {"connectorId": "one", "idTag": TAG, "meterStart": 0, "timestamp": now_iso()}
    answer = await _exchange(socket, json.dumps([2, "m8", "StartTransaction", start]))
    assert answer[:3] == [CALLERROR, "m8", "TypeConstraintViolation"]
    assert "connectorId" in answer[3]
    await _still_answers(socket)


async def test_a_value_outside_its_enumeration_is_answered_with_an_error(
    socket: ClientConnection,
) -> None:
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Exploded"}
    answer = await _exchange(socket, json.dumps([2, "m9", "StatusNotification", status]))
    assert answer[:2] == [CALLERROR, "m9"]
    assert answer[2] in {FORMAT_VIOLATION, "PropertyConstraintViolation"}
    await _still_answers(socket)


async def test_nothing_sent_before_or_after_a_bad_frame_is_lost(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-BAD-2")
    await register_token(api, TAG)

    def start(connector_id: int) -> dict[str, Any]:
        return {"connectorId": connector_id, "idTag": TAG, "meterStart": 0, "timestamp": now_iso()}

    async with open_socket(server.ocpp_url, "CP-BAD-2") as raw:
        first = await _exchange(raw, json.dumps([2, "s1", "StartTransaction", start(1)]))
        assert first[:2] == [CALLRESULT, "s1"]
        broken = await _exchange(raw, '[2, "s2", "StartTransaction", {"connectorId": 2,')
        assert broken[:2] == [CALLERROR, "s2"]
        second = await _exchange(raw, json.dumps([2, "s3", "StartTransaction", start(2)]))
        assert second[:2] == [CALLRESULT, "s3"]

    ids = {first[2]["transactionId"], second[2]["transactionId"]}
    assert len(ids) == 2
    listed = (await api.get("/api/v1/transactions", params={"station_id": "CP-BAD-2"})).json()
    assert {t["id"] for t in listed} == {str(i) for i in ids}
    assert {t["evse_id"] for t in listed} == {1, 2}
