"""Stations over the API: registration with EVSEs and connectors, EVSE sub-resources,
password changes, removal, and what the station told the central system."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ocpp.v16 import call
from websockets.exceptions import InvalidStatus

from tests.conftest import RunningServer
from tests.support import PASSWORD, eventually, open_socket, register_station, station_16

NEW_PASSWORD = "a-brand-new-password-02"
EVSES = [
    {
        "evse_id": 1,
        "evse_code": "NL*KWT*E0001*1",
        "connectors": [{"connector_id": 1}, {"connector_id": 2, "format": "CABLE"}],
    },
    {"evse_id": 2, "connectors": [{"connector_id": 1, "power_type": "DC", "standard": "CHADEMO"}]},
]


async def _poll(
    api: httpx.AsyncClient, path: str, count: int = 1, **params: Any
) -> list[dict[str, Any]]:
    """The message log is written by the group committer shortly after the exchange."""

    async def found() -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = (await api.get(path, params=params)).json()
        return listed

    return await eventually(found, lambda listed: len(listed) >= count)


async def test_a_station_is_created_with_evses_changed_and_deleted(
    api: httpx.AsyncClient,
) -> None:
    created = await register_station(api, "CP-1", evses=EVSES)
    assert "password" not in created and "password_hash" not in created
    assert [e["evse_id"] for e in created["evses"]] == [1, 2]
    first, second = created["evses"]
    assert [(c["connector_id"], c["format"]) for c in first["connectors"]] == [
        (1, "SOCKET"),
        (2, "CABLE"),
    ]
    assert second["connectors"][0]["standard"] == "CHADEMO"
    assert len(second["uid"]) == 36
    assert (await api.get("/api/v1/stations/CP-1")).json() == created
    listed = (await api.get("/api/v1/stations")).json()
    assert [s["id"] for s in listed] == ["CP-1"]

    changed = await api.patch(
        "/api/v1/stations/CP-1", json={"registration_status": "Pending", "evses": EVSES[:1]}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["registration_status"] == "Pending"
    assert [e["evse_id"] for e in changed.json()["evses"]] == [1]
    assert (await api.get("/api/v1/stations/CP-1")).json() == changed.json()

    assert (await api.delete("/api/v1/stations/CP-1")).status_code == 204
    assert (await api.get("/api/v1/stations/CP-1")).status_code == 404
    assert (await api.delete("/api/v1/stations/CP-1")).status_code == 404


async def test_a_duplicate_station_is_409(api: httpx.AsyncClient) -> None:
    await register_station(api, "CP-1")
    again = await api.post("/api/v1/stations", json={"id": "CP-1", "password": PASSWORD})
    assert again.status_code == 409
    assert again.json()["detail"] == "station CP-1 already exists"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"id": "CP 1", "password": PASSWORD}, "station id 'CP 1' must be"),
        ({"id": "CP-1"}, "security profile 1 needs a password"),
        ({"id": "CP-1", "password": "short"}, "at least 16 characters"),
        ({"id": "CP-1", "password": PASSWORD, "evses": [{"evse_id": 0}]}, "greater than or equal"),
        (
            {"id": "CP-1", "password": PASSWORD, "evses": [{"evse_id": 1}, {"evse_id": 1}]},
            "EVSE ids must be unique within a station",
        ),
    ],
)
async def test_an_invalid_station_is_422_with_a_message(
    api: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    response = await api.post("/api/v1/stations", json=body)
    assert response.status_code == 422
    assert message in str(response.json()["detail"])


async def test_a_changed_password_replaces_the_old_one(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-2")
    changed = await api.patch("/api/v1/stations/CP-2", json={"password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    with pytest.raises(InvalidStatus) as refused:
        async with open_socket(server.ocpp_url, "CP-2", PASSWORD):
            pass
    assert refused.value.response.status_code == 401
    async with station_16(server.ocpp_url, "CP-2", NEW_PASSWORD) as cp:
        await cp.call(call.Heartbeat(), suppress=False)
    nulled = await api.patch("/api/v1/stations/CP-2", json={"security_profile": None})
    assert nulled.status_code == 422
    assert "security_profile cannot be null" in str(nulled.json()["detail"])


async def test_evses_are_put_read_replaced_and_deleted_one_by_one(api: httpx.AsyncClient) -> None:
    await register_station(api, "CP-3", evses=EVSES[:1])
    path = "/api/v1/stations/CP-3/evses"
    body = {"physical_reference": "B", "connectors": [{"connector_id": 1, "power_type": "DC"}]}
    created = await api.put(f"{path}/2", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["evse_id"] == 2
    assert created.json()["connectors"][0]["power_type"] == "DC"
    assert (await api.get(f"{path}/2")).json() == created.json()

    replaced = await api.put(f"{path}/1", json={"connectors": [{"connector_id": 3}]})
    assert replaced.status_code == 200, replaced.text
    evses = (await api.get(path)).json()
    assert [(e["evse_id"], [c["connector_id"] for c in e["connectors"]]) for e in evses] == [
        (1, [3]),
        (2, [1]),
    ]
    assert evses[0]["evse_code"] is None

    assert (await api.delete(f"{path}/1")).status_code == 204
    assert [e["evse_id"] for e in (await api.get(path)).json()] == [2]
    missing = await api.get(f"{path}/1")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "station CP-3 has no EVSE 1"
    assert (await api.delete(f"{path}/1")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/stations/NOPE/evses", None),
        ("GET", "/api/v1/stations/NOPE/evses/1", None),
        ("PUT", "/api/v1/stations/NOPE/evses/1", {}),
        ("DELETE", "/api/v1/stations/NOPE/evses/1", None),
        ("GET", "/api/v1/stations/NOPE/state", None),
        ("GET", "/api/v1/stations/NOPE/status-history", None),
        ("GET", "/api/v1/stations/NOPE/messages", None),
        ("GET", "/api/v1/stations/NOPE/reports", None),
        ("PATCH", "/api/v1/stations/NOPE", {}),
    ],
)
async def test_an_unknown_station_is_404(
    api: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await api.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json()["detail"] == "no station NOPE"


async def test_evse_sub_resources_reject_bad_input(api: httpx.AsyncClient) -> None:
    await register_station(api, "CP-4")
    path = "/api/v1/stations/CP-4/evses"
    assert (await api.put(f"{path}/0", json={})).status_code == 422
    duplicate = {"connectors": [{"connector_id": 1}, {"connector_id": 1}]}
    response = await api.put(f"{path}/1", json=duplicate)
    assert response.status_code == 422
    assert response.json()["detail"] == "connector ids must be unique within EVSE 1"
    assert (await api.get(path)).json() == []


async def test_the_station_log_shows_its_exchanges_and_statuses(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-5", evses=EVSES[:1])
    async with station_16(server.ocpp_url, "CP-5") as cp:
        await cp.call(
            call.BootNotification(charge_point_vendor="ACME", charge_point_model="AC22"),
            suppress=False,
        )
        await cp.call(call.Heartbeat(), suppress=False)
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
            suppress=False,
        )
        state = (await api.get("/api/v1/stations/CP-5/state")).json()
        assert state["connected"] is True
        assert state["last_heartbeat_at"] is not None
        assert [(c["evse_id"], c["status"]) for c in state["connectors"]] == [(1, "Available")]

    path = "/api/v1/stations/CP-5/messages"
    heartbeats = await _poll(api, path, action="Heartbeat")
    assert len(heartbeats) == 1
    heartbeat = heartbeats[0]
    assert (heartbeat["direction"], heartbeat["request"], heartbeat["error_code"]) == (
        "in",
        {},
        None,
    )
    assert "currentTime" in heartbeat["response"]
    assert heartbeat["duration_us"] >= 0
    assert len(await _poll(api, path, count=3)) == 3
    assert [m["action"] for m in (await api.get(path, params={"limit": 1})).json()] == [
        "StatusNotification"
    ]
    history = (await api.get("/api/v1/stations/CP-5/status-history")).json()
    assert [(h["connector_id"], h["status"]) for h in history] == [(1, "Available")]
    assert (await api.get("/api/v1/stations/CP-5/reports")).json() == []


async def test_station_reports_are_kept_as_sent_and_filtered_by_kind(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-6")
    async with station_16(server.ocpp_url, "CP-6") as cp:
        await cp.call(call.FirmwareStatusNotification(status="Downloading"), suppress=False)
        await cp.call(call.DataTransfer(vendor_id="ACME", data="hello"), suppress=False)
        await cp.call(call.FirmwareStatusNotification(status="Installed"), suppress=False)
    path = "/api/v1/stations/CP-6/reports"
    assert len((await api.get(path)).json()) == 3
    firmware = (await api.get(path, params={"kind": "FirmwareStatusNotification"})).json()
    assert sorted(r["payload"]["status"] for r in firmware) == ["Downloading", "Installed"]
    transfer = (await api.get(path, params={"kind": "DataTransfer"})).json()
    assert transfer[0]["payload"]["data"] == "hello"
    assert (await api.get(path, params={"limit": 0})).status_code == 422


async def test_an_evse_uid_already_used_by_another_station_is_a_conflict(
    api: httpx.AsyncClient,
) -> None:
    evse = {"evse_id": 1, "uid": "SHARED-UID", "connectors": [{"connector_id": 1}]}
    await register_station(api, "CP-UID-1", evses=[evse])
    response = await api.post(
        "/api/v1/stations",
        json={"id": "CP-UID-2", "password": "another-station-password", "evses": [evse]},
    )
    assert response.status_code == 409, response.text
    assert "conflicts" in response.json()["detail"]
    assert (await api.get("/api/v1/stations/CP-UID-2")).status_code == 404
