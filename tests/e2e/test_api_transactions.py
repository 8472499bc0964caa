"""Transactions over the API: lists filtered by station and status, details with meter values."""

from __future__ import annotations

import httpx
from ocpp.v16 import ChargePoint, call

from tests.conftest import RunningServer
from tests.support import OTHER_TAG, TAG, now_iso, register_station, register_token, station_16


async def _start(cp: ChargePoint, tag: str, meter_start_wh: int) -> int:
    started = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag=tag, meter_start=meter_start_wh, timestamp=now_iso()
        ),
        suppress=False,
    )
    transaction_id: int = started.transaction_id
    return transaction_id


async def test_transactions_are_listed_by_station_and_status(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    for station_id in ("CP-T1", "CP-T2"):
        await register_station(api, station_id)
    await register_token(api, TAG)
    await register_token(api, OTHER_TAG)
    async with station_16(server.ocpp_url, "CP-T1") as cp:
        done = await _start(cp, TAG, 100)
        stop = call.StopTransaction(meter_stop=1100, timestamp=now_iso(), transaction_id=done)
        await cp.call(stop, suppress=False)
    async with station_16(server.ocpp_url, "CP-T2") as cp:
        active = await _start(cp, OTHER_TAG, 0)

    async def listed(**params: str) -> list[tuple[str, str, str]]:
        found = (await api.get("/api/v1/transactions", params=params)).json()
        return sorted((t["id"], t["station_id"], t["status"]) for t in found)

    assert await listed() == sorted(
        [(str(done), "CP-T1", "COMPLETED"), (str(active), "CP-T2", "ACTIVE")]
    )
    assert await listed(station_id="CP-T1") == [(str(done), "CP-T1", "COMPLETED")]
    assert await listed(status="ACTIVE") == [(str(active), "CP-T2", "ACTIVE")]
    assert await listed(station_id="CP-T1", status="ACTIVE") == []
    assert await listed(id_token=OTHER_TAG) == [(str(active), "CP-T2", "ACTIVE")]
    assert len(await listed(limit="1")) == 1

    detail = (await api.get(f"/api/v1/stations/CP-T1/transactions/{done}")).json()
    assert (detail["id_token"], detail["meter_start_wh"], detail["meter_stop_wh"]) == (
        TAG,
        100,
        1100,
    )
    assert detail["energy_wh"] == 1000
    assert detail["stopped_at"] is not None
    assert [m["value"] for m in detail["meter_values"]] == ["100", "1100"]


async def test_an_unknown_transaction_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/stations/CP-T1/transactions/42")
    assert response.status_code == 404
    assert response.json()["detail"] == "station CP-T1 has no transaction 42"


async def test_an_unknown_status_filter_is_422(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/transactions", params={"status": "PAUSED"})
    assert response.status_code == 422
    assert "Input should be 'ACTIVE' or 'COMPLETED'" in str(response.json()["detail"])


async def test_a_transaction_whose_stop_never_came_is_force_ended(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-F1")
    await register_token(api, TAG)
    async with station_16(server.ocpp_url, "CP-F1") as cp:
        lost = await _start(cp, TAG, 100)
        # the card counts as busy as long as the lost transaction runs
        busy = await cp.call(call.Authorize(id_tag=TAG), suppress=False)
        assert busy.id_tag_info["status"] == "ConcurrentTx"

        path = f"/api/v1/stations/CP-F1/transactions/{lost}/force-end"
        ended = await api.post(path, json={"reason": "station replaced"})
        assert ended.status_code == 200, ended.text
        body = ended.json()
        assert (body["status"], body["stop_reason"]) == (
            "COMPLETED",
            "ForceEnded: station replaced",
        )
        assert body["stopped_at"] == body["started_at"]  # no reading after the start
        freed = await cp.call(call.Authorize(id_tag=TAG), suppress=False)
        assert freed.id_tag_info["status"] == "Accepted"
    cdrs = (await api.get("/api/v1/cdrs", params={"station_id": "CP-F1"})).json()
    assert [c["session_id"] for c in cdrs] == [body["session_id"]]
    assert (await api.post(path, json={"reason": "again"})).status_code == 409
    missing = "/api/v1/stations/CP-F1/transactions/999/force-end"
    assert (await api.post(missing, json={"reason": "x"})).status_code == 404
    assert (await api.post(path, json={})).status_code == 422
