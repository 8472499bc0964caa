"""The device model over the REST API, against simulated stations of both OCPP versions:
1.6 configuration keys and 2.0.1 variables are read, stored, changed (one station or a bulk of
them), and lists are split as the station advertises."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kilowatt.simulator import (
    SimulatedStation,
    SimulatedStationV16,
    SimulatedStationV201,
    StationConfig,
)
from tests.conftest import RunningServer
from tests.support import PASSWORD, eventually, register_station

Json = Any


@contextlib.asynccontextmanager
async def simulated(
    server: RunningServer, station_id: str, version: str, **config: Any
) -> AsyncIterator[SimulatedStation]:
    """A simulated station, connected and booted (accepted)."""
    kind = SimulatedStationV16 if version == "1.6" else SimulatedStationV201
    station = kind(station_id, server.ocpp_url, password=PASSWORD, config=StationConfig(**config))
    async with station:
        assert (await station.boot()).accepted
        yield station


async def configuration(api: httpx.AsyncClient, station_id: str, **params: str) -> list[Json]:
    response = await api.get(f"/api/v1/stations/{station_id}/configuration", params=params)
    assert response.status_code == 200, response.text
    found: list[Json] = response.json()
    return found


async def sent(api: httpx.AsyncClient, station_id: str, action: str) -> list[Json]:
    """The requests of ``action`` the central system sent to the station, oldest first."""

    async def probe() -> list[Json]:
        response = await api.get(
            f"/api/v1/stations/{station_id}/messages", params={"action": action}
        )
        return [m for m in response.json() if m["direction"] == "out"][::-1]

    return await eventually(probe, bool)


def value_of(found: list[Json], component: str, variable: str) -> str | None:
    values = [v["value"] for v in found if (v["component"], v["variable"]) == (component, variable)]
    assert len(values) == 1, f"{component}.{variable}: {values}"
    return values[0]  # type: ignore[no-any-return]


async def test_a_v16_refresh_stores_every_configuration_key_with_its_mutability(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "DM16")
    async with simulated(server, "DM16", "1.6", heartbeat_interval_s=120) as station:
        refreshed = await api.post("/api/v1/stations/DM16/configuration/refresh")

    assert refreshed.status_code == 200, refreshed.text
    keys = station.configuration()  # type: ignore[attr-defined]
    assert refreshed.json() == {"status": "Accepted", "request_id": None, "stored": len(keys)}
    stored = await configuration(api, "DM16")
    assert {v["variable"]: (v["value"], v["mutability"]) for v in stored} == {
        key: (value, "ReadOnly" if readonly else "ReadWrite")
        for key, (value, readonly) in keys.items()
    }
    assert all(v["component"] == "" and v["source"] == "GetConfiguration" for v in stored)
    only = await configuration(api, "DM16", variable="NumberOfConnectors")
    assert [(v["variable"], v["value"]) for v in only] == [("NumberOfConnectors", "2")]


async def test_a_v201_refresh_stores_the_notify_report_pages_as_they_arrive(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "DM201")
    async with simulated(server, "DM201", "2.0.1", items_per_message=4) as station:
        refreshed = await api.post("/api/v1/stations/DM201/configuration/refresh")
        assert refreshed.status_code == 200, refreshed.text
        expected = len(station.report_data())  # type: ignore[attr-defined]
        stored = await eventually(
            lambda: configuration(api, "DM201"), lambda found: len(found) == expected
        )

    body = refreshed.json()
    assert body["status"] == "Accepted" and isinstance(body["request_id"], int)
    assert len(stored) == expected > 8, "more than two pages"
    assert value_of(stored, "OCPPCommCtrlr", "HeartbeatInterval") == "300"
    limits = [
        v
        for v in stored
        if (v["component"], v["variable"]) == ("DeviceDataCtrlr", "ItemsPerMessage")
    ]
    assert {(v["variable_instance"], v["value"]) for v in limits} == {
        ("GetReport", "4"),
        ("GetVariables", "4"),
        ("SetVariables", "4"),
    }
    assert all(v["source"] == "NotifyReport" for v in stored)
    reports = await api.get("/api/v1/stations/DM201/reports", params={"kind": "NotifyReport"})
    pages = reports.json()
    assert len(pages) == -(-expected // 4)
    assert {page["payload"]["requestId"] for page in pages} == {body["request_id"]}


@pytest.mark.parametrize(
    ("version", "component", "variable", "read_only"),
    [
        ("1.6", "", "HeartbeatInterval", "NumberOfConnectors"),
        ("2.0.1", "OCPPCommCtrlr", "HeartbeatInterval", "Count"),
    ],
)
async def test_setting_values_changes_the_station_and_the_stored_value_when_taken(
    server: RunningServer,
    api: httpx.AsyncClient,
    version: str,
    component: str,
    variable: str,
    read_only: str,
) -> None:
    await register_station(api, "DMSET")
    read_only_component = "" if version == "1.6" else "EVSE"
    async with simulated(server, "DMSET", version) as station:
        await api.post("/api/v1/stations/DMSET/configuration/refresh")
        await eventually(lambda: configuration(api, "DMSET"), lambda found: len(found) > 5)
        changed = await api.put(
            "/api/v1/stations/DMSET/configuration",
            json={
                "values": [
                    {"component": component, "variable": variable, "value": "42"},
                    {"component": read_only_component, "variable": read_only, "value": "9"},
                ]
            },
        )
        assert station.heartbeat_interval_s == 42

    assert changed.status_code == 200, changed.text
    assert [(r["variable"], r["status"]) for r in changed.json()] == [
        (variable, "Accepted"),
        (read_only, "Rejected"),
    ]
    stored = await configuration(api, "DMSET")
    assert value_of(stored, component, variable) == "42"
    assert value_of(stored, read_only_component, read_only) == "2", "a refused value stays"
    source = "ChangeConfiguration" if version == "1.6" else "SetVariables"
    assert [v["source"] for v in stored if v["variable"] == variable] == [source]


async def test_reading_more_v201_variables_than_a_message_may_carry_is_split_and_merged(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "DMSPLIT")
    wanted = [
        {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
        {"component": "SampledDataCtrlr", "variable": "TxUpdatedInterval"},
        {"component": "SampledDataCtrlr", "variable": "TxUpdatedMeasurands"},
        {"component": "SampledDataCtrlr", "variable": "TxEndedMeasurands"},
        {"component": "TxCtrlr", "variable": "TxStartPoint"},
        {"component": "TxCtrlr", "variable": "TxStopPoint"},
        {"component": "EVSE", "variable": "Count"},
    ]
    async with simulated(server, "DMSPLIT", "2.0.1", items_per_message=3):
        unknown_limits = await api.post(
            "/api/v1/stations/DMSPLIT/configuration/read", json={"variables": wanted}
        )
        await api.post("/api/v1/stations/DMSPLIT/configuration/refresh")
        await eventually(lambda: configuration(api, "DMSPLIT"), lambda found: len(found) > 9)
        read = await api.post(
            "/api/v1/stations/DMSPLIT/configuration/read", json={"variables": wanted}
        )

    assert unknown_limits.status_code == 502, "the station refuses 7 items in one message"
    assert read.status_code == 200, read.text
    assert [(v["component"], v["variable"]) for v in read.json()] == [
        (w["component"], w["variable"]) for w in wanted
    ]
    assert all(v["source"] == "GetVariables" and v["value"] for v in read.json())
    messages = await sent(api, "DMSPLIT", "GetVariables")
    sizes = [len(m["request"]["getVariableData"]) for m in messages]
    assert sizes == [7, 3, 3, 1]


async def test_setting_more_v201_variables_than_a_message_may_carry_is_split(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "DMSETS")
    values = [
        {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "90"},
        {"component": "SampledDataCtrlr", "variable": "TxUpdatedInterval", "value": "15"},
        {"component": "TxCtrlr", "variable": "TxStartPoint", "value": "Authorized"},
    ]
    async with simulated(server, "DMSETS", "2.0.1", items_per_message=2) as station:
        await api.post("/api/v1/stations/DMSETS/configuration/refresh")
        await eventually(lambda: configuration(api, "DMSETS"), lambda found: len(found) > 9)
        changed = await api.put("/api/v1/stations/DMSETS/configuration", json={"values": values})
        assert (station.heartbeat_interval_s, station.meter_interval_s) == (90, 15)

    assert changed.status_code == 200, changed.text
    assert [r["status"] for r in changed.json()] == ["Accepted", "Accepted", "Rejected"]
    messages = await sent(api, "DMSETS", "SetVariables")
    assert [len(m["request"]["setVariableData"]) for m in messages] == [2, 1]


async def test_reading_more_v16_keys_than_get_configuration_max_keys_is_split(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "DMKEYS")
    keys = [
        "HeartbeatInterval",
        "MeterValueSampleInterval",
        "NumberOfConnectors",
        "MeterValuesSampledData",
        "StopTransactionOnEVSideDisconnect",
    ]
    wanted = [{"variable": key} for key in keys]
    async with simulated(server, "DMKEYS", "1.6", items_per_message=2):
        await api.post("/api/v1/stations/DMKEYS/configuration/refresh")
        read = await api.post(
            "/api/v1/stations/DMKEYS/configuration/read", json={"variables": wanted}
        )

    assert read.status_code == 200, read.text
    assert [v["variable"] for v in read.json()] == keys
    messages = await sent(api, "DMKEYS", "GetConfiguration")
    assert [len(m["request"].get("key", [])) for m in messages] == [0, 2, 2, 1]


async def test_a_bulk_setting_reaches_every_station_of_a_vendor_and_reports_each(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    for station_id in ("BULK1", "BULK2", "BULK3", "OTHER"):
        await register_station(api, station_id)
    bulk_co = {"vendor": "BulkCo", "model": "BK-1"}
    async with simulated(server, "BULK3", "1.6", **bulk_co):
        pass  # booted once, so known as BulkCo, then gone
    async with (
        simulated(server, "BULK1", "1.6", **bulk_co) as first,
        simulated(server, "BULK2", "2.0.1", **bulk_co) as second,
        simulated(server, "OTHER", "1.6", vendor="Elsewhere") as other,
    ):
        response = await api.post(
            "/api/v1/configuration/bulk",
            json={
                "selector": {"vendor": "BulkCo"},
                "component": "OCPPCommCtrlr",
                "variable": "HeartbeatInterval",
                "value": "77",
            },
        )
        intervals = [s.heartbeat_interval_s for s in (first, second, other)]

    assert response.status_code == 200, response.text
    results = {r["station_id"]: r["status"] for r in response.json()}
    assert results == {"BULK1": "Accepted", "BULK2": "Accepted", "BULK3": "Offline"}
    assert intervals[:2] == [77, 77] and intervals[2] != 77
    assert value_of(await configuration(api, "BULK2"), "OCPPCommCtrlr", "HeartbeatInterval") == "77"
    assert value_of(await configuration(api, "BULK1"), "", "HeartbeatInterval") == "77"


async def test_a_bulk_setting_needs_a_selector_and_an_unknown_station_is_404(
    api: httpx.AsyncClient,
) -> None:
    empty = await api.post(
        "/api/v1/configuration/bulk",
        json={"selector": {}, "variable": "HeartbeatInterval", "value": "1"},
    )
    assert empty.status_code == 422
    assert (await api.get("/api/v1/stations/NOPE/configuration")).status_code == 404
    assert (await api.post("/api/v1/stations/NOPE/configuration/refresh")).status_code == 404


async def test_a_v201_get_report_is_split_as_advertised_and_every_page_is_kept(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "DMREP")
    criteria = [
        {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
        {"component": "SampledDataCtrlr"},  # the whole component: three variables
        {"component": "TxCtrlr", "variable": "TxStartPoint"},
        {"component": "EVSE"},
        {"component": "LocalAuthListCtrlr", "variable": "Enabled"},
    ]
    async with simulated(server, "DMREP", "2.0.1", items_per_message=2):
        await api.post("/api/v1/stations/DMREP/configuration/refresh")
        await eventually(lambda: configuration(api, "DMREP"), lambda found: len(found) > 9)
        before = len((await api.get("/api/v1/stations/DMREP/reports")).json())
        response = await api.post(
            "/api/v1/stations/DMREP/configuration/report", json={"variables": criteria}
        )

        async def pages() -> list[Json]:
            found = await api.get("/api/v1/stations/DMREP/reports", params={"limit": 100})
            return [p for p in found.json() if p["payload"]["requestId"] in request_ids]

        request_ids = set(response.json()["request_ids"])
        reported = await eventually(pages, lambda found: len(found) == 4)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "Accepted"
    assert [(p["status"], p["criteria"]) for p in body["parts"]] == [
        ("Accepted", 2),
        ("Accepted", 2),
        ("Accepted", 1),
    ]
    assert len(request_ids) == 3, "one requestId per GetReport"
    messages = await sent(api, "DMREP", "GetReport")
    assert [len(m["request"]["componentVariable"]) for m in messages] == [2, 2, 1]
    assert [m["request"]["requestId"] for m in messages] == body["request_ids"]
    assert before > 0
    variables = {
        (data["component"]["name"], data["variable"]["name"])
        for page in reported
        for data in page["payload"]["reportData"]
    }
    assert variables == {
        ("OCPPCommCtrlr", "HeartbeatInterval"),
        ("SampledDataCtrlr", "TxUpdatedInterval"),
        ("SampledDataCtrlr", "TxUpdatedMeasurands"),
        ("SampledDataCtrlr", "TxEndedMeasurands"),
        ("TxCtrlr", "TxStartPoint"),
        ("EVSE", "Count"),
        ("LocalAuthListCtrlr", "Enabled"),
    }
    stored = await configuration(api, "DMREP", component="EVSE")
    assert [(v["variable"], v["source"]) for v in stored] == [("Count", "NotifyReport")]


async def test_get_report_is_refused_on_a_v16_station(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "DMREP16")
    async with simulated(server, "DMREP16", "1.6"):
        response = await api.post(
            "/api/v1/stations/DMREP16/configuration/report",
            json={"variables": [{"component": "EVSE"}]},
        )
    assert response.status_code == 409, response.text


async def test_get_report_criteria_are_also_split_by_bytes_per_message(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "DMBYTES")
    criteria = [
        {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
        {"component": "SampledDataCtrlr", "variable": "TxUpdatedInterval"},
        {"component": "SampledDataCtrlr", "variable": "TxUpdatedMeasurands"},
        {"component": "TxCtrlr", "variable": "TxStopPoint"},
    ]
    async with simulated(server, "DMBYTES", "2.0.1", bytes_per_message=260):
        await api.post("/api/v1/stations/DMBYTES/configuration/refresh")
        await eventually(lambda: configuration(api, "DMBYTES"), lambda found: len(found) > 9)
        response = await api.post(
            "/api/v1/stations/DMBYTES/configuration/report", json={"variables": criteria}
        )

    assert response.status_code == 200, response.text
    wire = [
        {"component": {"name": c["component"]}, "variable": {"name": c["variable"]}}
        for c in criteria
    ]

    async def requests() -> list[Json]:
        return [m["request"] for m in await sent(api, "DMBYTES", "GetReport")]

    def asked(found: list[Json]) -> list[Json]:
        return [c for m in found for c in m["componentVariable"]]

    messages = await eventually(requests, lambda found: len(asked(found)) == len(wire))
    frames = [json.dumps([2, "0" * 36, "GetReport", m], separators=(",", ":")) for m in messages]
    assert len(messages) > 1 and all(len(frame) <= 260 for frame in frames), frames
    assert asked(messages) == wire
    assert response.json()["status"] == "Accepted"
