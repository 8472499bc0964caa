"""The central system restarts while stations are charging: the stations reconnect, carry on
with the same transaction, and nothing reported before the restart is lost."""

from __future__ import annotations

from typing import Any

import httpx
from ocpp.v16 import call
from ocpp.v201 import call as call201

from tests.conftest import RunningServer
from tests.support import TAG, now_iso, register_station, register_token, station_16, station_201


def _register_16(wh: int) -> list[dict[str, Any]]:
    sample = {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    return [{"timestamp": now_iso(), "sampled_value": [sample]}]


def _register_201(wh: int, at: str) -> list[dict[str, Any]]:
    sample = {
        "value": wh,
        "measurand": "Energy.Active.Import.Register",
        "unit_of_measure": {"unit": "Wh"},
    }
    return [{"timestamp": at, "sampled_value": [sample]}]


async def _transaction(server: RunningServer, station_id: str, tx: str) -> dict[str, Any]:
    async with server.client() as api:
        response = await api.get(f"/api/v1/stations/{station_id}/transactions/{tx}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_16_transaction_survives_a_restart_of_the_central_system(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-RST-16")
    await register_token(api, TAG)
    start = call.StartTransaction(connector_id=1, id_tag=TAG, meter_start=2000, timestamp=now_iso())
    async with station_16(server.ocpp_url, "CP-RST-16") as cp:
        started = await cp.call(start, suppress=False)
        tx = started.transaction_id
        await cp.call(
            call.MeterValues(connector_id=1, transaction_id=tx, meter_value=_register_16(2600)),
            suppress=False,
        )
        await server.restart()  # the connection drops mid-transaction

    before = await _transaction(server, "CP-RST-16", str(tx))
    assert (before["status"], before["energy_wh"]) == ("ACTIVE", 600)

    async with station_16(server.ocpp_url, "CP-RST-16") as cp:
        boot = await cp.call(
            call.BootNotification(charge_point_vendor="ACME", charge_point_model="AC22"),
            suppress=False,
        )
        assert boot.status == "Accepted"
        # The station never got our answer before the restart and sends its start again.
        resent = await cp.call(start, suppress=False)
        assert resent.transaction_id == tx
        await cp.call(
            call.MeterValues(connector_id=1, transaction_id=tx, meter_value=_register_16(3100)),
            suppress=False,
        )
        stopped = await cp.call(
            call.StopTransaction(
                meter_stop=3500, timestamp=now_iso(), transaction_id=tx, id_tag=TAG
            ),
            suppress=False,
        )
        assert stopped.id_tag_info["status"] == "Accepted"
        # A new transaction after the restart gets a new id, never one handed out before.
        following = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=TAG, meter_start=3500, timestamp=now_iso()
            ),
            suppress=False,
        )
        assert following.transaction_id != tx

    done = await _transaction(server, "CP-RST-16", str(tx))
    assert done["status"] == "COMPLETED"
    assert (done["meter_start_wh"], done["meter_stop_wh"], done["energy_wh"]) == (2000, 3500, 1500)
    assert done["id_token"] == TAG
    assert [m["value"] for m in done["meter_values"]] == ["2000", "2600", "3100", "3500"]


async def test_a_201_transaction_survives_a_restart_of_the_central_system(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-RST-201")
    await register_token(api, TAG)

    def event(event_type: str, seq_no: int, trigger: str, wh: int, **fields: Any) -> Any:
        at = now_iso()
        info = {"transaction_id": "TX-RST-1"}
        if event_type == "Ended":
            info["stopped_reason"] = "Local"
        return call201.TransactionEvent(
            event_type=event_type,
            timestamp=at,
            trigger_reason=trigger,
            seq_no=seq_no,
            transaction_info=info,
            meter_value=_register_201(wh, at),
            **fields,
        )

    async with station_201(server.ocpp_url, "CP-RST-201") as cp:
        token = {"id_token": TAG, "type": "ISO14443"}
        await cp.call(
            event("Started", 0, "Authorized", 500, id_token=token, evse={"id": 1}), suppress=False
        )
        await cp.call(event("Updated", 1, "MeterValuePeriodic", 900), suppress=False)
        await server.restart()

    async with station_201(server.ocpp_url, "CP-RST-201") as cp:
        await cp.call(event("Updated", 1, "MeterValuePeriodic", 900), suppress=False)  # resent
        await cp.call(event("Updated", 2, "MeterValuePeriodic", 1700), suppress=False)
        ended = await cp.call(event("Ended", 3, "StopAuthorized", 2100), suppress=False)
        assert ended.id_token_info is None

    done = await _transaction(server, "CP-RST-201", "TX-RST-1")
    assert done["status"] == "COMPLETED"
    assert (done["meter_start_wh"], done["meter_stop_wh"], done["energy_wh"]) == (500, 2100, 1600)
    assert (done["id_token"], done["evse_id"], done["stop_reason"]) == (TAG, 1, "Local")
    assert [m["value"] for m in done["meter_values"]] == ["500", "900", "1700", "2100"]
