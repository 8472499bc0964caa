"""Connecting to ``/ocpp/{station_id}``: subprotocol negotiation and security profile 1 (HTTP
Basic auth with the station id as user name), registration status at boot, live state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.conftest import RunningServer, settings_for
from tests.support import (
    PASSWORD,
    basic_auth,
    eventually,
    open_socket,
    register_station,
    station_16,
    station_201,
)


async def _handshake_status(
    server: RunningServer,
    station_id: str,
    headers: dict[str, str],
    subprotocols: list[str] | None = None,
) -> int:
    """The HTTP status with which the server refuses the WebSocket handshake."""
    offered = [Subprotocol(p) for p in (subprotocols if subprotocols is not None else ["ocpp1.6"])]
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"{server.ocpp_url}/{station_id}",
            subprotocols=offered or None,
            additional_headers=headers,
            open_timeout=5,
        ):
            pass
    return refused.value.response.status_code


async def _boot_16(cp: Any) -> str:
    boot = await cp.call(
        call.BootNotification(charge_point_vendor="ACME", charge_point_model="AC22"),
        suppress=False,
    )
    status: str = boot.status
    return status


async def test_a_wrong_password_is_refused_with_401(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-AUTH-1")
    headers = basic_auth("CP-AUTH-1", "not-the-password-000")
    assert await _handshake_status(server, "CP-AUTH-1", headers) == 401


async def test_a_missing_authorization_header_is_refused_with_401(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-AUTH-2")
    assert await _handshake_status(server, "CP-AUTH-2", {}) == 401


async def test_basic_auth_for_another_user_than_the_station_id_is_refused_with_401(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-AUTH-3")
    await register_station(api, "CP-AUTH-4")
    headers = basic_auth("CP-AUTH-4", PASSWORD)  # right password, wrong identity
    assert await _handshake_status(server, "CP-AUTH-3", headers) == 401


async def test_an_unknown_station_is_refused_with_401_by_default(server: RunningServer) -> None:
    headers = basic_auth("CP-NOBODY", PASSWORD)
    assert await _handshake_status(server, "CP-NOBODY", headers) == 401


async def test_a_connection_without_an_ocpp_subprotocol_is_refused(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-PROTO-1")
    headers = basic_auth("CP-PROTO-1", PASSWORD)
    assert await _handshake_status(server, "CP-PROTO-1", headers, []) == 400
    assert await _handshake_status(server, "CP-PROTO-1", headers, ["ocpp1.5"]) == 400


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_both_ocpp_subprotocols_are_negotiated(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "CP-PROTO-2")
    async with open_socket(server.ocpp_url, "CP-PROTO-2", version=version) as socket:
        assert socket.subprotocol == f"ocpp{version}"


async def test_the_preferred_subprotocol_wins_when_a_station_offers_both(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-PROTO-3")
    async with connect(
        f"{server.ocpp_url}/CP-PROTO-3",
        subprotocols=[Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")],
        additional_headers=basic_auth("CP-PROTO-3", PASSWORD),
        open_timeout=5,
    ) as socket:
        assert socket.subprotocol == "ocpp2.0.1"


async def test_an_unknown_station_boots_pending_until_the_operator_accepts_it(
    database_url: str,
) -> None:
    server = RunningServer(settings_for(database_url, unknown_stations="pending"))
    await server.start()
    try:
        async with server.client() as api, station_16(server.ocpp_url, "CP-NEW-1") as cp:
            assert await _boot_16(cp) == "Pending"
            listed = (await api.get("/api/v1/stations/CP-NEW-1")).json()
            assert listed["registration_status"] == "Pending"
            assert (listed["vendor"], listed["model"]) == ("ACME", "AC22")

            patched = await api.patch(
                "/api/v1/stations/CP-NEW-1", json={"registration_status": "Accepted"}
            )
            assert patched.status_code == 200, patched.text
            assert await _boot_16(cp) == "Accepted"

            # To reconnect under security profile 1 the station needs a password on record.
            await api.patch("/api/v1/stations/CP-NEW-1", json={"password": PASSWORD})
        async with station_16(server.ocpp_url, "CP-NEW-1") as again:
            assert await _boot_16(again) == "Accepted"
    finally:
        await server.stop()


async def test_a_rejected_station_boots_rejected(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-REJ-1", registration_status="Rejected")
    async with station_16(server.ocpp_url, "CP-REJ-1") as cp:
        assert await _boot_16(cp) == "Rejected"
    async with station_201(server.ocpp_url, "CP-REJ-1") as cp201:
        boot = await cp201.call(
            call201.BootNotification(
                charging_station={"vendor_name": "ACME", "model": "DC50"}, reason="PowerUp"
            ),
            suppress=False,
        )
        assert boot.status == "Rejected"


async def test_the_state_shows_the_connection_and_the_last_heartbeat(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-STATE-1")
    before = (await api.get("/api/v1/stations/CP-STATE-1/state")).json()
    assert before["connected"] is False
    assert before["last_heartbeat_at"] is None

    async with station_16(server.ocpp_url, "CP-STATE-1") as cp:
        await _boot_16(cp)
        during = (await api.get("/api/v1/stations/CP-STATE-1/state")).json()
        assert during["connected"] is True
        assert during["ocpp_version"] == "1.6"
        assert during["last_boot_at"] is not None
        beat = await cp.call(call.Heartbeat(), suppress=False)
        state = (await api.get("/api/v1/stations/CP-STATE-1/state")).json()
        assert state["last_heartbeat_at"] is not None
        assert _instant(state["last_heartbeat_at"]) == _instant(beat.current_time)

    after = await _eventually_disconnected(api, "CP-STATE-1")
    assert after["connected"] is False
    assert after["last_heartbeat_at"] == state["last_heartbeat_at"]


def _instant(text: str) -> str:
    """An ISO 8601 time to the millisecond, whatever the zone notation."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")


async def _eventually_disconnected(api: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    """The state once the server has noticed the close (bounded: about 2 s)."""

    async def state() -> dict[str, Any]:
        found: dict[str, Any] = (await api.get(f"/api/v1/stations/{station_id}/state")).json()
        return found

    return await eventually(state, lambda found: not found["connected"], interval_s=0.01)
