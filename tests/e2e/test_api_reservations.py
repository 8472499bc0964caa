"""Reservations over the REST API against simulated stations of both OCPP versions: made,
refused, cancelled, expired; while one holds, the reserved place accepts only its token."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kilowatt.simulator import SimulatedStationV201
from tests.conftest import RunningServer
from tests.e2e.test_api_device_model import sent, simulated
from tests.support import OTHER_TAG, TAG, eventually, register_station, register_token

VERSIONS = ["1.6", "2.0.1"]
THIRD_TAG = "04A1B2C3D4E503"


def in_(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def reserve(api: httpx.AsyncClient, station_id: str, **fields: Any) -> httpx.Response:
    body = {"id_token": TAG, "expires_at": in_(600)} | fields
    return await api.post(f"/api/v1/stations/{station_id}/reservations", json=body)


async def listed(api: httpx.AsyncClient, station_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/v1/stations/{station_id}/reservations")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


@pytest.fixture
async def tokens(api: httpx.AsyncClient) -> None:
    await register_token(api, TAG)
    await register_token(api, OTHER_TAG)


@pytest.mark.usefixtures("tokens")
@pytest.mark.parametrize("version", VERSIONS)
async def test_a_reserved_place_accepts_only_the_reserving_token_until_cancelled(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "RS1")
    async with simulated(server, "RS1", version) as station:
        made = await reserve(api, "RS1", evse_id=1)
        reservation = made.json()
        held_by_station = dict(station.reservations)

        await station.plug_in(1)
        other_refused = not await station.start_charging(OTHER_TAG, connector_id=1)
        await station.unplug(1)

        cancelled = await api.delete(f"/api/v1/stations/RS1/reservations/{reservation['id']}")
        await station.plug_in(1)
        other_after = await station.start_charging(OTHER_TAG, connector_id=1)
        again = await api.delete(f"/api/v1/stations/RS1/reservations/{reservation['id']}")

    assert made.status_code == 200, made.text
    assert (reservation["status"], reservation["station_status"]) == ("ACTIVE", "Accepted")
    assert held_by_station == {reservation["id"]: (1, TAG)}
    assert other_refused
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["station_status"] == "Accepted"
    assert cancelled.json()["reservation"]["status"] == "CANCELLED"
    assert station.reservations == {}
    assert other_after, "a cancelled reservation keeps nobody out"
    assert again.status_code == 409
    request = (await sent(api, "RS1", "ReserveNow"))[0]["request"]
    assert request.get("reservationId", request.get("id")) == reservation["id"]


async def received(api: httpx.AsyncClient, station_id: str, action: str) -> list[dict[str, Any]]:
    """The requests of ``action`` the station sent, oldest first."""
    response = await api.get(f"/api/v1/stations/{station_id}/messages", params={"action": action})
    return [m["request"] for m in response.json() if m["direction"] == "in"][::-1]


@pytest.mark.usefixtures("tokens")
@pytest.mark.parametrize("version", VERSIONS)
async def test_the_reserving_token_starting_on_the_reserved_evse_uses_the_reservation(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "RSU")
    async with simulated(server, "RSU", version) as station:
        reservation = (await reserve(api, "RSU", evse_id=1)).json()
        await station.plug_in(1)
        owner_accepted = await station.start_charging(TAG, connector_id=1)
        used = await listed(api, "RSU")
        await station.stop_charging("Local", connector_id=1)
        await station.unplug(1)
        await station.plug_in(1)
        other_after = await station.start_charging(OTHER_TAG, connector_id=1)
        cancel = await api.delete(f"/api/v1/stations/RSU/reservations/{reservation['id']}")

    assert reservation["status"] == "ACTIVE" and owner_accepted
    assert [(r["id"], r["status"]) for r in used] == [(reservation["id"], "USED")]
    assert other_after, "a used reservation keeps nobody out"
    assert cancel.status_code == 409
    if version == "1.6":
        start = (await received(api, "RSU", "StartTransaction"))[0]
        assert start["reservationId"] == reservation["id"]
    else:
        events = await received(api, "RSU", "TransactionEvent")
        assert [e["reservationId"] for e in events if "reservationId" in e] == [reservation["id"]]


@pytest.mark.usefixtures("tokens")
@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_wide_reservation_keeps_one_evse_free_not_the_whole_station(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    """1.6 ReserveNow on connector 0 (2.0.1: without evseId) reserves no connector in
    particular: others may charge as long as one connector stays free for the token."""
    await register_station(api, "RSW")
    await register_token(api, THIRD_TAG)
    async with simulated(server, "RSW", version, connectors=2) as station:
        reservation = (await reserve(api, "RSW")).json()
        await station.plug_in(1)
        other_accepted = await station.start_charging(OTHER_TAG, connector_id=1)
        await station.plug_in(2)
        third_refused = not await station.start_charging(THIRD_TAG, connector_id=2)
        await station.unplug(2)
        await station.plug_in(2)
        owner_accepted = await station.start_charging(TAG, connector_id=2)
        found = await listed(api, "RSW")

    assert reservation["status"] == "ACTIVE" and reservation["evse_id"] is None
    request = (await sent(api, "RSW", "ReserveNow"))[0]["request"]
    assert request.get("connectorId", 0) == 0 and "evseId" not in request
    assert other_accepted, "connector 2 stays free for the reservation"
    assert third_refused, "the last free connector is kept for the reserving token"
    assert owner_accepted
    assert [(r["id"], r["status"]) for r in found] == [(reservation["id"], "USED")]


@pytest.mark.usefixtures("tokens")
async def test_reservation_ids_come_from_a_sequence_and_a_busy_connector_is_refused(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "RS2")
    async with simulated(server, "RS2", "1.6") as station:
        first = (await reserve(api, "RS2", evse_id=1)).json()
        await station.plug_in(2)
        busy = (await reserve(api, "RS2", evse_id=2)).json()
        taken = (await reserve(api, "RS2", evse_id=1, id_token=OTHER_TAG)).json()

    assert busy["id"] == first["id"] + 1 and taken["id"] == first["id"] + 2
    assert (busy["status"], busy["station_status"]) == ("REJECTED", "Occupied")
    assert (taken["status"], taken["station_status"]) == ("REJECTED", "Occupied")
    assert [r["id"] for r in await listed(api, "RS2")] == [taken["id"], busy["id"], first["id"]]


@pytest.mark.usefixtures("tokens")
async def test_an_expired_reservation_keeps_nobody_out(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "RS3")
    async with simulated(server, "RS3", "1.6") as station:
        await reserve(api, "RS3", evse_id=1, expires_at=in_(1.0))
        await station.plug_in(1)
        before = await station.start_charging(OTHER_TAG, connector_id=1)
        await station.unplug(1)
        await asyncio.sleep(1.1)
        await station.plug_in(1)
        after = await station.start_charging(OTHER_TAG, connector_id=1)

    assert (before, after) == (False, True)
    assert [r["status"] for r in await listed(api, "RS3")] == ["EXPIRED"]


@pytest.mark.usefixtures("tokens")
async def test_a_v201_station_reports_that_a_reservation_ended(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "RS4")
    async with simulated(server, "RS4", "2.0.1") as station:
        reservation = (await reserve(api, "RS4", evse_id=2)).json()
        assert isinstance(station, SimulatedStationV201)
        await station.end_reservation(reservation["id"], "Removed")

    found = await eventually(lambda: listed(api, "RS4"), lambda rows: rows[0]["status"] != "ACTIVE")
    assert found[0]["status"] == "CANCELLED"


async def test_reserving_needs_a_future_expiry_and_an_online_station(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "RS5")
    past = await reserve(api, "RS5", expires_at=in_(-60))
    offline = await reserve(api, "RS5")
    unknown = await api.delete("/api/v1/stations/RS5/reservations/999999")
    assert (past.status_code, offline.status_code, unknown.status_code) == (422, 409, 404)


@pytest.mark.usefixtures("tokens")
async def test_a_token_ending_its_transaction_does_not_use_its_next_reservation(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "RSE")
    async with simulated(server, "RSE", "2.0.1", connectors=2) as station:
        await station.plug_in(1)
        assert await station.start_charging(TAG, connector_id=1)
        reservation = (await reserve(api, "RSE")).json()  # for later, while still charging
        await station.stop_charging("Local", connector_id=1)  # Ended, with the idToken
        events = await eventually(
            lambda: received(api, "RSE", "TransactionEvent"),
            lambda found: found[-1]["eventType"] == "Ended",
        )
        found = await listed(api, "RSE")

    assert events[-1]["idToken"]["idToken"] == TAG
    assert [(r["id"], r["status"]) for r in found] == [(reservation["id"], "ACTIVE")]
