"""Sessions and CDRs end to end: stations charge over OCPP, the API shows the running
session with its cost so far, a CDR is issued when the transaction ends, corrections are
credit CDRs, and a CDR lost to a crash is issued on the next start."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as call_result201
from ocpp.v201.enums import Action

from tests.conftest import RunningServer, settings_for
from tests.e2e.test_api_tariffs import priced_site
from tests.support import (
    OTHER_TAG,
    PASSWORD,
    TAG,
    eventually,
    open_socket,
    station_16,
    station_201,
    stored_rows,
)

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)


def at(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def register(wh: int, minutes: float) -> list[dict[str, Any]]:
    sampled = {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    return [{"timestamp": at(minutes), "sampled_value": [sampled]}]


async def charge_16(cp: ChargePoint16, tag: str, kwh: int) -> int:
    """A 1.6 session: 1 kWh on the meter at start, ``kwh`` more over an hour."""
    started = await cp.call(
        call.StartTransaction(connector_id=1, id_tag=tag, meter_start=1000, timestamp=at(0)),
        suppress=False,
    )
    tx: int = started.transaction_id
    half = 1000 + kwh * 500
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=register(half, 30)),
        suppress=False,
    )
    stop = call.StopTransaction(meter_stop=1000 + kwh * 1000, timestamp=at(60), transaction_id=tx)
    await cp.call(stop, suppress=False)
    return tx


async def cdrs_of(api: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/cdrs", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_a_finished_session_gets_its_cdr(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-C1")
    async with station_16(server.ocpp_url, "CP-C1") as cp:
        tx = await charge_16(cp, TAG, 10)

    (cdr,) = await cdrs_of(api, station_id="CP-C1")
    assert cdr["total_cost"] == {"excl_vat": 3.5, "incl_vat": 4.24}  # 10 kWh x 0.30 + 0.50
    assert cdr["total_energy_cost"] == {"excl_vat": 3.0, "incl_vat": 3.63}
    assert cdr["total_fixed_cost"] == {"excl_vat": 0.5, "incl_vat": 0.61}  # 0.605 half up
    assert (cdr["total_energy"], cdr["total_time"]) == (10, 1)
    assert (cdr["country_code"], cdr["party_id"], cdr["currency"]) == ("NL", "KWT", "EUR")
    assert cdr["start_date_time"] == at(0) and cdr["end_date_time"] == at(60)
    assert cdr["cdr_token"] == {
        "country_code": "NL",
        "party_id": "KWT",
        "uid": TAG,
        "type": "RFID",
        "contract_id": "NL-KWT-C00000001-X",
    }
    assert cdr["auth_method"] == "WHITELIST"
    location = cdr["cdr_location"]
    assert (location["id"], location["city"], location["evse_id"]) == (
        "AMS-1",
        "Amsterdam",
        "NL*KWT*E0001*1",
    )
    assert location["connector_id"] == "1"
    assert [t["id"] for t in cdr["tariffs"]] == ["AC-STD"]
    assert cdr["charging_periods"][0]["tariff_id"] == "AC-STD"
    assert (await api.get(f"/api/v1/cdrs/{cdr['id']}")).json() == cdr

    session = await api.get(f"/api/v1/stations/CP-C1/transactions/{tx}/session")
    assert session.status_code == 200, session.text
    body = session.json()
    assert (body["status"], body["kwh"], body["id"]) == ("COMPLETED", 10, cdr["session_id"])
    assert body["total_cost"] == cdr["total_cost"]
    assert (await api.get(f"/api/v1/sessions/{body['id']}")).json() == body
    assert (await api.get("/api/v1/sessions/nope")).status_code == 404

    again = await api.post(f"/api/v1/stations/CP-C1/transactions/{tx}/cdr")
    assert again.json()["id"] == cdr["id"]  # issuing is idempotent
    assert len(await cdrs_of(api)) == 1


async def test_a_subscriber_pays_the_group_tariff(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-C2")
    async with station_16(server.ocpp_url, "CP-C2") as cp:
        await charge_16(cp, OTHER_TAG, 10)
    (cdr,) = await cdrs_of(api, id_token=OTHER_TAG)
    assert [t["id"] for t in cdr["tariffs"]] == ["AC-SUB"]
    assert cdr["total_cost"] == {"excl_vat": 2.5, "incl_vat": 3.03}


async def test_a_running_session_shows_its_cost_so_far(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-C3")
    async with station_16(server.ocpp_url, "CP-C3") as cp:
        started = await cp.call(
            call.StartTransaction(connector_id=1, id_tag=TAG, meter_start=0, timestamp=at(0)),
            suppress=False,
        )
        tx = started.transaction_id
        meter = call.MeterValues(connector_id=1, transaction_id=tx, meter_value=register(4000, 20))
        await cp.call(meter, suppress=False)
        (session,) = (await api.get("/api/v1/sessions", params={"status": "ACTIVE"})).json()
    assert (session["status"], session["kwh"]) == ("ACTIVE", 4)
    assert session["total_cost"] == {"excl_vat": 1.7, "incl_vat": 2.06}  # 4 x 0.30 + 0.50
    assert session["cdr_token"]["uid"] == TAG and session["location_id"] == "AMS-1"
    assert await cdrs_of(api) == []  # no CDR while it runs
    refused = await api.post(f"/api/v1/stations/CP-C3/transactions/{tx}/cdr")
    assert refused.status_code == 409


async def test_a_correction_credits_the_cdr_and_issues_the_next(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-C4")
    async with station_16(server.ocpp_url, "CP-C4") as cp:
        await charge_16(cp, TAG, 10)
    (original,) = await cdrs_of(api)
    response = await api.post(
        f"/api/v1/cdrs/{original['id']}/corrections",
        json={"tariff_id": "AC-SUB", "remark": "subscriber since October"},
    )
    assert response.status_code == 201, response.text
    credit, new = response.json()["credit"], response.json()["cdr"]
    assert credit["id"] == f"{original['id']}-C"
    assert (credit["credit"], credit["credit_reference_id"]) == (True, original["id"])
    assert credit["total_cost"] == {"excl_vat": -3.5, "incl_vat": -4.24}
    assert {k: v for k, v in credit.items() if k not in ("id", "total_cost", "last_updated")} == {
        k: v for k, v in original.items() if k not in ("id", "total_cost", "last_updated")
    } | {"credit": True, "credit_reference_id": original["id"]}
    assert new["id"] == f"{original['id']}-1" and "credit" not in new
    assert new["total_cost"] == {"excl_vat": 2.5, "incl_vat": 3.03}
    assert new["remark"] == "subscriber since October"
    listed = await cdrs_of(api)
    assert [c["id"] for c in listed] == [original["id"], credit["id"], new["id"]]
    assert (await api.get(f"/api/v1/cdrs/{original['id']}")).json() == original  # unchanged

    twice = await api.post(f"/api/v1/cdrs/{original['id']}/corrections", json={})
    assert twice.status_code == 409
    of_credit = await api.post(f"/api/v1/cdrs/{credit['id']}/corrections", json={})
    assert of_credit.status_code == 409
    unknown = await api.post(f"/api/v1/cdrs/{new['id']}/corrections", json={"tariff_id": "X"})
    assert unknown.status_code == 404

    export = await api.get("/api/v1/cdrs.csv", params={"station_id": "CP-C4"})
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["id"], r["credit"], r["total_cost_incl_vat"]) for r in rows] == [
        (original["id"], "false", "4.24"),
        (credit["id"], "true", "-4.24"),
        (new["id"], "false", "3.03"),
    ]
    assert rows[0]["token_uid"] == TAG and rows[0]["evse_id"] == "NL*KWT*E0001*1"


async def test_cdrs_are_filtered_by_time_and_place(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-C5")
    async with station_16(server.ocpp_url, "CP-C5") as cp:
        await charge_16(cp, TAG, 1)
    assert len(await cdrs_of(api, location_id="AMS-1")) == 1
    assert await cdrs_of(api, location_id="ELSEWHERE") == []
    assert len(await cdrs_of(api, date_from=at(60), date_to=at(61))) == 1
    assert await cdrs_of(api, date_from=at(61)) == []
    assert await cdrs_of(api, date_to=at(60)) == []
    assert (await api.get("/api/v1/cdrs/NOPE")).status_code == 404


def _event201(kind: str, seq: int, minutes: float, wh: int, **fields: Any) -> Any:
    sampled = {"value": wh, "measurand": "Energy.Active.Import.Register"}
    info = {"transaction_id": "T-201", "charging_state": "Charging"} | fields
    return call201.TransactionEvent(
        event_type=kind,
        timestamp=at(minutes),
        trigger_reason="Authorized" if kind == "Started" else "MeterValuePeriodic",
        seq_no=seq,
        transaction_info=info,
        evse={"id": 1, "connector_id": 1},
        id_token={"id_token": TAG, "type": "ISO14443"} if kind == "Started" else None,
        meter_value=[{"timestamp": at(minutes), "sampled_value": [sampled]}],
    )


async def test_a_201_station_is_told_the_final_cost(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-C6")
    async with station_201(server.ocpp_url, "CP-C6") as cp:
        started = await cp.call(_event201("Started", 0, 0, 0), suppress=False)
        assert started.total_cost is None  # only sent when charging has ended
        ended = await cp.call(
            _event201("Ended", 1, 60, 10000, stopped_reason="EVDisconnected"), suppress=False
        )
    assert ended.total_cost == 4.24
    (cdr,) = await cdrs_of(api, station_id="CP-C6")
    assert cdr["total_cost"]["incl_vat"] == 4.24


async def test_a_cdr_lost_to_a_crash_is_issued_on_the_next_start(
    server: RunningServer, api: httpx.AsyncClient, database_url: str
) -> None:
    await priced_site(api, "CP-C7")
    async with station_16(server.ocpp_url, "CP-C7") as cp:
        await charge_16(cp, TAG, 10)
    (issued,) = await cdrs_of(api)
    await server.stop()
    # as if the process had died between committing the stop and issuing the CDR
    await stored_rows(database_url, "DELETE FROM cdrs RETURNING id")
    await server.start()
    async with server.client() as client:
        found = await eventually(lambda: cdrs_of(client), lambda listed: len(listed) == 1)
    assert [c["id"] for c in found] == [issued["id"]]
    assert found[0]["total_cost"] == issued["total_cost"]


class CostDisplay201(ChargePoint201):  # type: ignore[misc]
    """A 2.0.1 station with a display: it keeps every CostUpdated it is sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.costs: asyncio.Queue[tuple[str, float]] = asyncio.Queue()

    @on(Action.cost_updated)  # type: ignore[untyped-decorator]
    async def on_cost_updated(self, total_cost: float, transaction_id: str) -> Any:
        await self.costs.put((transaction_id, total_cost))
        return call_result201.CostUpdated()


async def test_a_201_station_is_told_the_running_cost(database_url: str) -> None:
    server = RunningServer(settings_for(database_url, running_cost_interval_s=0.01))
    await server.start()
    try:
        async with server.client() as api:
            await priced_site(api, "CP-C8")
            async with open_socket(server.ocpp_url, "CP-C8", PASSWORD, "2.0.1") as socket:
                cp = CostDisplay201("CP-C8", socket, response_timeout=10)
                loop = asyncio.create_task(cp.start())
                try:
                    await cp.call(_event201("Started", 0, 0, 0), suppress=False)
                    first = await asyncio.wait_for(cp.costs.get(), 5)
                    await cp.call(_event201("Updated", 1, 20, 4000), suppress=False)
                    second = await asyncio.wait_for(cp.costs.get(), 5)
                finally:
                    loop.cancel()
    finally:
        await server.stop()
    assert first == ("T-201", 0.61)  # the flat 0.50 + 21 % VAT, before any energy
    assert second == ("T-201", 2.06)  # 4 kWh x 0.30 + 0.50, + VAT


async def test_parking_after_the_car_is_full_is_billed_from_the_connector_status(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    """1.6 reports no charging state on transactions: SuspendedEV on the connector is parking."""
    await priced_site(api, "CP-C9")
    parking = {
        "country_code": "NL",
        "party_id": "KWT",
        "id": "AC-PARK",
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.30, "vat": 21.0, "step_size": 1},
                    {"type": "PARKING_TIME", "price": 6.00, "vat": 21.0, "step_size": 60},
                ]
            }
        ],
    }
    assert (await api.put("/api/v1/tariffs/AC-PARK", json=parking)).status_code == 201
    connector = {"connector_id": 1, "tariff_ids": ["AC-PARK"]}
    evse = {"evse_code": "NL*KWT*E0009*1", "connectors": [connector]}
    assert (await api.put("/api/v1/stations/CP-C9/evses/1", json=evse)).status_code == 200

    def status(state: str, minutes: float) -> Any:
        return call.StatusNotification(
            connector_id=1, error_code="NoError", status=state, timestamp=at(minutes)
        )

    async with station_16(server.ocpp_url, "CP-C9") as cp:
        started = await cp.call(
            call.StartTransaction(connector_id=1, id_tag=TAG, meter_start=0, timestamp=at(0)),
            suppress=False,
        )
        await cp.call(status("Charging", 0), suppress=False)
        tx = started.transaction_id
        full = call.MeterValues(connector_id=1, transaction_id=tx, meter_value=register(10000, 40))
        await cp.call(full, suppress=False)
        await cp.call(status("SuspendedEV", 40), suppress=False)
        stop = call.StopTransaction(meter_stop=10000, timestamp=at(70), transaction_id=tx)
        await cp.call(stop, suppress=False)
    (cdr,) = await cdrs_of(api, station_id="CP-C9")
    assert cdr["total_parking_time"] == 0.5
    assert cdr["total_parking_cost"] == {"excl_vat": 3.0, "incl_vat": 3.63}
    assert cdr["total_cost"] == {"excl_vat": 6.0, "incl_vat": 7.26}  # 3.00 energy + 3.00
    kinds = [[d["type"] for d in p["dimensions"]][:2] for p in cdr["charging_periods"]]
    assert kinds == [["ENERGY", "TIME"], ["ENERGY", "PARKING_TIME"]]


async def test_signed_meter_values_travel_into_the_cdr(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-C10")
    ocmf = 'OCMF|{"FV":"1.0","RD":[{"RV":1.0,"RU":"kWh"}]}|{"SD":"3045022100AB"}'

    def signed(minutes: float, wh: int, context: str) -> list[dict[str, Any]]:
        value = {
            "value": wh,
            "context": context,
            "measurand": "Energy.Active.Import.Register",
            "signed_meter_value": {
                "signed_meter_data": ocmf,
                "signing_method": "ECDSA-secp256r1-SHA256",
                "encoding_method": "OCMF",
                "public_key": "",
            },
        }
        return [{"timestamp": at(minutes), "sampled_value": [value]}]

    async with station_201(server.ocpp_url, "CP-C10") as cp:
        started = _event201("Started", 0, 0, 0)
        started.meter_value = signed(0, 0, "Transaction.Begin")
        await cp.call(started, suppress=False)
        ended = _event201("Ended", 1, 60, 1000, stopped_reason="Local")
        ended.meter_value = signed(60, 1000, "Transaction.End")
        await cp.call(ended, suppress=False)
    (cdr,) = await cdrs_of(api, station_id="CP-C10")
    data = cdr["signed_data"]
    assert data["encoding_method"] == "OCMF"
    assert [v["nature"] for v in data["signed_values"]] == ["Start", "End"]
    assert data["signed_values"][0]["signed_data"] == ocmf
    assert data["signed_values"][0]["plain_data"] == '{"FV":"1.0","RD":[{"RV":1.0,"RU":"kWh"}]}'
