"""OCPP 2.0.1 end to end: a transaction told through TransactionEvents (in order, repeated,
or queued offline and delivered out of order), Authorize, and the station's other reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ocpp.v201 import ChargePoint, call

from tests.conftest import RunningServer
from tests.support import (
    OTHER_TAG,
    TAG,
    now_iso,
    register_station,
    register_token,
    station_201,
    stored_rows,
)

RFID = {"id_token": TAG, "type": "ISO14443"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _register(wh: int, at: str, context: str = "Sample.Periodic") -> list[dict[str, Any]]:
    return [
        {
            "timestamp": at,
            "sampled_value": [
                {
                    "value": wh,
                    "measurand": "Energy.Active.Import.Register",
                    "context": context,
                    "unit_of_measure": {"unit": "Wh"},
                }
            ],
        }
    ]


def _event(
    event_type: str,
    tx: str,
    seq_no: int,
    trigger: str,
    *,
    at: str | None = None,
    wh: int | None = None,
    state: str | None = None,
    **fields: Any,
) -> Any:
    at = at or now_iso()
    info: dict[str, Any] = {"transaction_id": tx}
    if state is not None:
        info["charging_state"] = state
    if event_type == "Ended":
        info["stopped_reason"] = "EVDisconnected"
    if wh is not None:
        context = {"Started": "Transaction.Begin", "Ended": "Transaction.End"}
        fields["meter_value"] = _register(wh, at, context.get(event_type, "Sample.Periodic"))
    return call.TransactionEvent(
        event_type=event_type,
        timestamp=at,
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info=info,
        **fields,
    )


async def _send(cp: ChargePoint, payload: Any) -> Any:
    return await cp.call(payload, suppress=False)


async def _transaction(api: httpx.AsyncClient, station_id: str, tx: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/stations/{station_id}/transactions/{tx}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_transaction_from_cable_plugged_in_to_ended(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP201-1")
    await register_token(api, TAG)
    evse = {"id": 1, "connector_id": 1}
    async with station_201(server.ocpp_url, "CP201-1") as cp:
        started = await _send(
            cp, _event("Started", "TX-201-A", 0, "CablePluggedIn", wh=10000, evse=evse)
        )
        assert started.id_token_info is None  # no token yet, nothing to authorize
        live = await _transaction(api, "CP201-1", "TX-201-A")
        assert (live["status"], live["id_token"], live["evse_id"]) == ("ACTIVE", None, 1)

        authorized = await _send(
            cp, _event("Updated", "TX-201-A", 1, "Authorized", id_token=RFID, state="Charging")
        )
        assert authorized.id_token_info["status"] == "Accepted"
        await _send(cp, _event("Updated", "TX-201-A", 2, "MeterValuePeriodic", wh=12500))
        live = await _transaction(api, "CP201-1", "TX-201-A")
        assert (live["energy_wh"], live["charging_state"]) == (2500, "Charging")

        ended = await _send(
            cp, _event("Ended", "TX-201-A", 3, "EVCommunicationLost", wh=15000, state="Idle")
        )
        assert ended.id_token_info is None

    done = await _transaction(api, "CP201-1", "TX-201-A")
    assert done["id"] == "TX-201-A"
    assert done["id_token"] == TAG
    assert done["status"] == "COMPLETED"
    assert (done["meter_start_wh"], done["meter_stop_wh"], done["energy_wh"]) == (
        10000,
        15000,
        5000,
    )
    assert done["stop_reason"] == "EVDisconnected"
    assert done["stopped_at"] is not None
    assert [m["value"] for m in done["meter_values"]] == ["10000", "12500", "15000"]
    listed = (await api.get("/api/v1/transactions", params={"id_token": TAG})).json()
    assert [t["id"] for t in listed] == ["TX-201-A"]


async def test_a_repeated_seq_no_changes_nothing(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP201-2")
    await register_token(api, TAG)
    async with station_201(server.ocpp_url, "CP201-2") as cp:
        await _send(
            cp,
            _event("Started", "TX-201-B", 0, "Authorized", wh=0, id_token=RFID, evse={"id": 1}),
        )
        await _send(cp, _event("Updated", "TX-201-B", 1, "MeterValuePeriodic", wh=700))
        before = await _transaction(api, "CP201-2", "TX-201-B")
        repeated = await _send(
            cp, _event("Updated", "TX-201-B", 1, "MeterValuePeriodic", wh=99999, state="Idle")
        )
        assert repeated.id_token_info is None
        ended_again = _event("Ended", "TX-201-B", 0, "StopAuthorized", wh=88888)
        await _send(cp, ended_again)  # seqNo 0 was the Started event
        after = await _transaction(api, "CP201-2", "TX-201-B")
    assert after == before
    assert (after["status"], after["energy_wh"]) == ("ACTIVE", 700)


async def _tell(cp: ChargePoint, tx: str, order: list[str], base: datetime) -> None:
    """Deliver a transaction's three events queued offline, in the given order."""
    events = {
        "Started": _event(
            "Started",
            tx,
            0,
            "CablePluggedIn",
            at=_iso(base),
            wh=1000,
            evse={"id": 2, "connector_id": 1},
            offline=True,
        ),
        "Updated": _event(
            "Updated",
            tx,
            1,
            "Authorized",
            at=_iso(base + timedelta(minutes=1)),
            wh=1200,
            state="Charging",
            id_token=RFID,
            offline=True,
        ),
        "Ended": _event(
            "Ended",
            tx,
            2,
            "StopAuthorized",
            at=_iso(base + timedelta(minutes=30)),
            wh=9000,
            state="Idle",
            id_token={"id_token": OTHER_TAG, "type": "ISO14443"},
            offline=True,
        ),
    }
    for kind in order:
        await _send(cp, events[kind])


_OUTCOME = [
    "status",
    "started_at",
    "stopped_at",
    "stop_reason",
    "meter_start_wh",
    "meter_stop_wh",
    "energy_wh",
    "id_token",
    "evse_id",
    "connector_id",
    "charging_state",
    "offline_events",
]


@pytest.mark.parametrize(
    "order",
    [
        ["Ended", "Updated", "Started"],
        ["Updated", "Ended", "Started"],
        ["Started", "Ended", "Updated"],
    ],
)
async def test_offline_events_out_of_order_end_as_if_in_order(
    server: RunningServer, api: httpx.AsyncClient, order: list[str]
) -> None:
    await register_station(api, "CP201-3")
    await register_token(api, TAG)
    await register_token(api, OTHER_TAG)
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    async with station_201(server.ocpp_url, "CP201-3") as cp:
        await _tell(cp, "TX-IN-ORDER", ["Started", "Updated", "Ended"], base)
        await _tell(cp, "TX-SHUFFLED", order, base)
    in_order = await _transaction(api, "CP201-3", "TX-IN-ORDER")
    shuffled = await _transaction(api, "CP201-3", "TX-SHUFFLED")

    assert {k: shuffled[k] for k in _OUTCOME} == {k: in_order[k] for k in _OUTCOME}
    assert in_order["status"] == "COMPLETED"
    assert _moment(in_order["started_at"]) == base
    assert _moment(in_order["stopped_at"]) == base + timedelta(minutes=30)
    assert (in_order["meter_start_wh"], in_order["meter_stop_wh"]) == (1000, 9000)
    assert in_order["energy_wh"] == 8000
    assert in_order["id_token"] == TAG  # the token that authorized, not the one that stopped
    assert in_order["offline_events"] == 3
    assert [m["value"] for m in shuffled["meter_values"]] == ["1000", "1200", "9000"]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


async def test_authorize_answers_for_unknown_blocked_and_expired_tokens(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP201-4")
    await register_token(api, TAG)
    await register_token(api, OTHER_TAG, status="BLOCKED")
    expired = _iso(datetime.now(UTC) - timedelta(days=1))
    await register_token(api, "04EXPIRED0001", expires_at=expired)

    async def status(uid: str) -> str:
        answer = await _send(cp, call.Authorize(id_token={"id_token": uid, "type": "ISO14443"}))
        result: str = answer.id_token_info["status"]
        return result

    async with station_201(server.ocpp_url, "CP201-4") as cp:
        assert await status(TAG) == "Accepted"
        assert await status("04NOSUCHTOKEN") in {"Unknown", "Invalid"}
        assert await status(OTHER_TAG) == "Blocked"
        assert await status("04EXPIRED0001") == "Expired"


async def test_the_stations_reports_are_answered_and_kept(
    server: RunningServer, api: httpx.AsyncClient, database_url: str
) -> None:
    await register_station(api, "CP201-5")
    component = {"name": "EVSE", "evse": {"id": 1}}
    async with station_201(server.ocpp_url, "CP201-5") as cp:
        await _send(
            cp,
            call.NotifyEvent(
                generated_at=now_iso(),
                seq_no=0,
                event_data=[
                    {
                        "event_id": 1,
                        "timestamp": now_iso(),
                        "trigger": "Delta",
                        "actual_value": "Faulted",
                        "event_notification_type": "HardWiredNotification",
                        "component": component,
                        "variable": {"name": "Problem"},
                    }
                ],
            ),
        )
        await _send(
            cp,
            call.NotifyReport(
                request_id=7,
                generated_at=now_iso(),
                seq_no=0,
                report_data=[
                    {
                        "component": component,
                        "variable": {"name": "Power"},
                        "variable_attribute": [{"type": "Actual", "value": "22000"}],
                    }
                ],
            ),
        )
        await _send(
            cp,
            call.SecurityEventNotification(
                type="FirmwareUpdated", timestamp=now_iso(), tech_info="1.2.3"
            ),
        )
        await _send(cp, call.FirmwareStatusNotification(status="Installed", request_id=3))
        await _send(cp, call.LogStatusNotification(status="Uploaded", request_id=4))
        monitor = {
            "component": component,
            "variable": {"name": "Power"},
            "variable_monitoring": [
                {"id": 1, "transaction": False, "value": 0, "type": "Delta", "severity": 5}
            ],
        }
        await _send(
            cp,
            call.NotifyMonitoringReport(
                request_id=8, seq_no=0, generated_at=now_iso(), monitor=[monitor]
            ),
        )
        await _send(
            cp,
            call.NotifyCustomerInformation(
                data="card 04A1 used 3 times", seq_no=0, generated_at=now_iso(), request_id=9
            ),
        )
        await _send(cp, call.NotifyDisplayMessages(request_id=10))
        transfer = await _send(
            cp, call.DataTransfer(vendor_id="com.acme", message_id="hello", data="x")
        )
        assert transfer.status == "UnknownVendorId"
        await _send(cp, call.MeterValues(evse_id=1, meter_value=_register(4242, now_iso())))

    reports = await stored_rows(
        database_url,
        "SELECT kind, payload FROM station_reports WHERE station_id = :s ORDER BY id",
        s="CP201-5",
    )
    kinds = [r["kind"] for r in reports]
    assert kinds == [
        "NotifyEvent",
        "NotifyReport",
        "SecurityEventNotification",
        "FirmwareStatusNotification",
        "LogStatusNotification",
        "NotifyMonitoringReport",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "DataTransfer",
    ]
    payloads = {r["kind"]: _json(r["payload"]) for r in reports}
    assert payloads["NotifyEvent"]["eventData"][0]["actualValue"] == "Faulted"
    assert payloads["NotifyReport"]["requestId"] == 7
    assert payloads["SecurityEventNotification"]["type"] == "FirmwareUpdated"
    assert payloads["LogStatusNotification"] == {"status": "Uploaded", "requestId": 4}
    assert payloads["DataTransfer"]["vendorId"] == "com.acme"
    assert payloads["NotifyMonitoringReport"]["monitor"][0]["variableMonitoring"][0]["id"] == 1
    assert payloads["NotifyCustomerInformation"]["data"] == "card 04A1 used 3 times"
    assert payloads["NotifyDisplayMessages"] == {"requestId": 10}
    station = (await api.get("/api/v1/stations/CP201-5")).json()
    assert station["firmware_status"] == "Installed"

    samples = await stored_rows(
        database_url,
        "SELECT evse_id, value, transaction_pk FROM meter_samples WHERE station_id = :s",
        s="CP201-5",
    )
    assert [(r["evse_id"], str(r["value"]), r["transaction_pk"]) for r in samples] == [
        (1, "4242", "")
    ]


def _json(value: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return decoded
