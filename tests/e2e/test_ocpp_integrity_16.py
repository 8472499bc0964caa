"""OCPP 1.6 data integrity: resent and repeated messages are applied once, stops that do not
belong to the station change nothing, and every meter value reported is kept."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from ocpp.v16 import call
from websockets.asyncio.client import ClientConnection

from tests.conftest import RunningServer
from tests.support import (
    OTHER_TAG,
    TAG,
    now_iso,
    open_socket,
    register_station,
    register_token,
    station_16,
    stored_rows,
)

CALLRESULT = 3


async def _send(socket: ClientConnection, message_id: str, action: str, payload: Any) -> str:
    """Send one CALL as raw text; return the raw answer."""
    await socket.send(json.dumps([2, message_id, action, payload]))
    answer = await asyncio.wait_for(socket.recv(), 5)
    assert isinstance(answer, str)
    return answer


async def _transaction(api: httpx.AsyncClient, station_id: str, tx: int) -> dict[str, Any]:
    response = await api.get(f"/api/v1/stations/{station_id}/transactions/{tx}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _register(value: int, context: str = "Sample.Periodic") -> dict[str, Any]:
    return {
        "timestamp": now_iso(),
        "sampledValue": [
            {
                "value": str(value),
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
                "context": context,
            }
        ],
    }


async def _start(cp: Any, meter_start: int = 0, tag: str = TAG, connector_id: int = 1) -> int:
    started = await cp.call(
        call.StartTransaction(
            connector_id=connector_id, id_tag=tag, meter_start=meter_start, timestamp=now_iso()
        ),
        suppress=False,
    )
    tx: int = started.transaction_id
    return tx


async def test_a_call_repeated_with_the_same_message_id_is_answered_the_same_and_applied_once(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-REP-1")
    await register_token(api, TAG)
    async with open_socket(server.ocpp_url, "CP-REP-1") as raw:
        start = {"connectorId": 1, "idTag": TAG, "meterStart": 1000, "timestamp": now_iso()}
        first = await _send(raw, "start-1", "StartTransaction", start)
        # The station missed our answer and resends; its clock moved on meanwhile.
        resent = await _send(raw, "start-1", "StartTransaction", start | {"timestamp": now_iso()})
        assert resent == first
        tx = json.loads(first)[2]["transactionId"]

        meter = {"connectorId": 1, "transactionId": tx, "meterValue": [_register(1800)]}
        answered = await _send(raw, "meter-1", "MeterValues", meter)
        before = await _transaction(api, "CP-REP-1", tx)
        assert await _send(raw, "meter-1", "MeterValues", meter) == answered
        after = await _transaction(api, "CP-REP-1", tx)

    listed = (await api.get("/api/v1/transactions", params={"station_id": "CP-REP-1"})).json()
    assert [t["id"] for t in listed] == [str(tx)]
    assert after == before
    assert [m["value"] for m in after["meter_values"]] == ["1000", "1800"]
    assert after["energy_wh"] == 800


async def test_a_resent_start_transaction_after_a_reconnect_gets_the_same_transaction_id(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-REP-2")
    await register_token(api, TAG)
    start = call.StartTransaction(connector_id=1, id_tag=TAG, meter_start=7, timestamp=now_iso())
    async with station_16(server.ocpp_url, "CP-REP-2") as cp:
        first = await cp.call(start, suppress=False)
    async with station_16(server.ocpp_url, "CP-REP-2") as cp:
        again = await cp.call(start, suppress=False)
    assert again.transaction_id == first.transaction_id
    assert again.id_tag_info["status"] == "Accepted"  # not ConcurrentTx with itself
    listed = (await api.get("/api/v1/transactions", params={"station_id": "CP-REP-2"})).json()
    assert len(listed) == 1


async def test_a_stop_for_an_unknown_transaction_is_answered_and_recorded(
    server: RunningServer, api: httpx.AsyncClient, database_url: str
) -> None:
    await register_station(api, "CP-UNK-1")
    await register_token(api, TAG)
    async with station_16(server.ocpp_url, "CP-UNK-1") as cp:
        stopped = await cp.call(
            call.StopTransaction(
                meter_stop=4321, timestamp=now_iso(), transaction_id=987654, id_tag=TAG
            ),
            suppress=False,
        )
        assert stopped.id_tag_info["status"] == "Accepted"
        beat = await cp.call(call.Heartbeat(), suppress=False)  # still connected
        assert beat.current_time

    listed = (await api.get("/api/v1/transactions", params={"station_id": "CP-UNK-1"})).json()
    assert listed == []
    reports = await stored_rows(
        database_url,
        "SELECT kind, payload FROM station_reports WHERE station_id = :s",
        s="CP-UNK-1",
    )
    assert [r["kind"] for r in reports] == ["UnknownTransaction"]
    payload = reports[0]["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert (payload["transactionId"], payload["meterStop"]) == (987654, 4321)
    samples = await stored_rows(
        database_url,
        "SELECT value, transaction_pk FROM meter_samples WHERE station_id = :s",
        s="CP-UNK-1",
    )
    assert [(str(r["value"]), r["transaction_pk"]) for r in samples] == [("4321", "")]


async def test_a_station_cannot_stop_another_stations_transaction(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-OWN-A")
    await register_station(api, "CP-OWN-B")
    await register_token(api, TAG)
    async with station_16(server.ocpp_url, "CP-OWN-A") as owner:
        tx = await _start(owner, meter_start=100)
    before = await _transaction(api, "CP-OWN-A", tx)

    async with station_16(server.ocpp_url, "CP-OWN-B") as intruder:
        answer = await intruder.call(
            call.StopTransaction(meter_stop=99999, timestamp=now_iso(), transaction_id=tx),
            suppress=False,
        )
        assert answer.id_tag_info is None

    after = await _transaction(api, "CP-OWN-A", tx)
    assert after == before
    assert after["status"] == "ACTIVE"
    missing = await api.get(f"/api/v1/stations/CP-OWN-B/transactions/{tx}")
    assert missing.status_code == 404


async def test_a_repeated_stop_changes_nothing(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-STOP-1")
    await register_token(api, TAG)
    async with station_16(server.ocpp_url, "CP-STOP-1") as cp:
        tx = await _start(cp, meter_start=500)
        stop = call.StopTransaction(
            meter_stop=2500, timestamp=now_iso(), transaction_id=tx, id_tag=TAG, reason="Local"
        )
        await cp.call(stop, suppress=False)
        once = await _transaction(api, "CP-STOP-1", tx)
        again = await cp.call(stop, suppress=False)  # a new message id, the same stop
        assert again.id_tag_info["status"] == "Accepted"
        twice = await _transaction(api, "CP-STOP-1", tx)

    once.pop("updated_at")
    twice.pop("updated_at")
    assert twice == once
    assert (twice["status"], twice["energy_wh"], twice["stop_reason"]) == (
        "COMPLETED",
        2000,
        "Local",
    )


async def test_the_transaction_data_of_a_stop_is_stored(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-DATA-1")
    await register_token(api, TAG)
    async with station_16(server.ocpp_url, "CP-DATA-1") as cp:
        tx = await _start(cp, meter_start=0)
        data = [
            {
                "timestamp": now_iso(),
                "sampled_value": [
                    {"value": "1200", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "11.5", "measurand": "Power.Active.Import", "unit": "kW"},
                ],
            }
        ]
        await cp.call(
            call.StopTransaction(
                meter_stop=2000, timestamp=now_iso(), transaction_id=tx, transaction_data=data
            ),
            suppress=False,
        )
    detail = await _transaction(api, "CP-DATA-1", tx)
    values = {(m["measurand"], m["value"], m["context"]) for m in detail["meter_values"]}
    assert ("Power.Active.Import", "11.5", "Sample.Periodic") in values
    assert ("Energy.Active.Import.Register", "1200", "Sample.Periodic") in values
    assert ("Energy.Active.Import.Register", "2000", "Transaction.End") in values
    assert (detail["status"], detail["energy_wh"]) == ("COMPLETED", 2000)


async def test_meter_values_outside_a_transaction_are_stored(
    server: RunningServer, api: httpx.AsyncClient, database_url: str
) -> None:
    await register_station(api, "CP-IDLE-1")
    async with station_16(server.ocpp_url, "CP-IDLE-1") as cp:
        sample = {"value": "123456", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
        await cp.call(
            call.MeterValues(
                connector_id=2, meter_value=[{"timestamp": now_iso(), "sampled_value": [sample]}]
            ),
            suppress=False,
        )
    stored = await stored_rows(
        database_url,
        "SELECT evse_id, value, transaction_pk FROM meter_samples WHERE station_id = :s",
        s="CP-IDLE-1",
    )
    assert [(r["evse_id"], str(r["value"]), r["transaction_pk"]) for r in stored] == [
        (2, "123456", "")
    ]


async def test_a_second_token_cannot_take_over_a_running_transaction(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    """The token that started the transaction stays on it, even if another one stops it."""
    await register_station(api, "CP-TOK-1")
    await register_token(api, TAG)
    await register_token(api, OTHER_TAG)
    async with station_16(server.ocpp_url, "CP-TOK-1") as cp:
        tx = await _start(cp, meter_start=0, tag=TAG)
        await cp.call(
            call.StopTransaction(
                meter_stop=300, timestamp=now_iso(), transaction_id=tx, id_tag=OTHER_TAG
            ),
            suppress=False,
        )
    detail = await _transaction(api, "CP-TOK-1", tx)
    assert (detail["id_token"], detail["status"], detail["energy_wh"]) == (TAG, "COMPLETED", 300)
