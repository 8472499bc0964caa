"""OCPP 1.6J end to end: a real ChargePoint client charges through the central system and the
API shows the result."""

from __future__ import annotations

import httpx
from ocpp.v16 import call

from tests.conftest import RunningServer
from tests.support import OTHER_TAG, TAG, now_iso, register_station, register_token, station_16


async def test_a_station_boots_charges_and_the_api_shows_the_transaction(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP16-1")
    await register_token(api, TAG)
    async with station_16(server.ocpp_url, "CP16-1") as cp:
        boot = await cp.call(
            call.BootNotification(charge_point_vendor="ACME", charge_point_model="AC22"),
            suppress=False,
        )
        assert boot.status == "Accepted"
        assert boot.interval == server.settings.heartbeat_interval_s
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"),
            suppress=False,
        )
        authorized = await cp.call(call.Authorize(id_tag=TAG), suppress=False)
        assert authorized.id_tag_info["status"] == "Accepted"
        started = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=TAG, meter_start=1000, timestamp=now_iso()
            ),
            suppress=False,
        )
        assert started.id_tag_info["status"] == "Accepted"
        tx = started.transaction_id
        sample = {"value": "1500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=tx,
                meter_value=[{"timestamp": now_iso(), "sampled_value": [sample]}],
            ),
            suppress=False,
        )
        live = (await api.get("/api/v1/transactions", params={"station_id": "CP16-1"})).json()
        assert [(t["id"], t["status"], t["energy_wh"]) for t in live] == [(str(tx), "ACTIVE", 500)]
        stopped = await cp.call(
            call.StopTransaction(
                meter_stop=3500, timestamp=now_iso(), transaction_id=tx, id_tag=TAG
            ),
            suppress=False,
        )
        assert stopped.id_tag_info["status"] == "Accepted"

    listed = (await api.get("/api/v1/transactions", params={"station_id": "CP16-1"})).json()
    assert len(listed) == 1
    done = listed[0]
    assert done["id"] == str(tx)
    assert done["id_token"] == TAG
    assert done["status"] == "COMPLETED"
    assert (done["meter_start_wh"], done["meter_stop_wh"], done["energy_wh"]) == (1000, 3500, 2500)
    assert done["started_at"] is not None and done["stopped_at"] is not None
    detail = (await api.get(f"/api/v1/stations/CP16-1/transactions/{tx}")).json()
    assert [m["value"] for m in detail["meter_values"]] == ["1000", "1500", "3500"]


async def test_a_resent_start_transaction_gets_the_same_transaction_id(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP16-2")
    await register_token(api, TAG)
    async with station_16(server.ocpp_url, "CP16-2") as cp:
        start = call.StartTransaction(
            connector_id=1, id_tag=TAG, meter_start=0, timestamp=now_iso()
        )
        first = await cp.call(start, suppress=False)
        again = await cp.call(start, suppress=False)
    assert first.transaction_id == again.transaction_id
    listed = (await api.get("/api/v1/transactions", params={"station_id": "CP16-2"})).json()
    assert len(listed) == 1


async def test_a_token_charging_elsewhere_is_concurrent_tx(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP16-3")
    await register_token(api, TAG)
    await register_token(api, OTHER_TAG, status="BLOCKED")
    async with station_16(server.ocpp_url, "CP16-3") as cp:
        start = call.StartTransaction(
            connector_id=1, id_tag=TAG, meter_start=0, timestamp=now_iso()
        )
        await cp.call(start, suppress=False)
        again = await cp.call(call.Authorize(id_tag=TAG), suppress=False)
        blocked = await cp.call(call.Authorize(id_tag=OTHER_TAG), suppress=False)
        unknown = await cp.call(call.Authorize(id_tag="NOSUCHTAG"), suppress=False)
    assert again.id_tag_info["status"] == "ConcurrentTx"
    assert blocked.id_tag_info["status"] == "Blocked"
    assert unknown.id_tag_info["status"] == "Invalid"
