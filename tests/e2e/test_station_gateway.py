"""The station gateway: the one way to send a request to a connected station and get its
answer, a refusal, a timeout or "offline"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from kilowatt.domain.errors import InvalidValue, StationOffline, StationRefused, StationTimeout
from tests.conftest import RunningServer
from tests.support import PASSWORD, eventually, open_socket, register_station, stored_rows


class ObedientStation(ChargePoint16):  # type: ignore[misc]
    """Accepts a Reset, refuses to unlock (CALLERROR), never answers GetConfiguration."""

    @on(Action.reset)  # type: ignore[untyped-decorator]
    async def on_reset(self, type: str) -> call_result.Reset:
        return call_result.Reset(status="Accepted")

    @on(Action.unlock_connector)  # type: ignore[untyped-decorator]
    async def on_unlock_connector(self, connector_id: int) -> Any:
        raise RuntimeError("the lock is jammed")

    @on(Action.get_configuration)  # type: ignore[untyped-decorator]
    async def on_get_configuration(self, **_: Any) -> call_result.GetConfiguration:
        await asyncio.sleep(60)
        return call_result.GetConfiguration()


async def test_a_request_reaches_the_station_and_its_answer_comes_back(
    server: RunningServer, api: httpx.AsyncClient, database_url: str
) -> None:
    await register_station(api, "CP-GW-1")
    gateway = server.app.gateway
    async with open_socket(server.ocpp_url, "CP-GW-1", PASSWORD) as socket:
        station = ObedientStation("CP-GW-1", socket)
        running = asyncio.create_task(station.start())
        try:
            await _until(lambda: gateway.is_connected("CP-GW-1"))
            assert "CP-GW-1" in gateway.connected_stations()
            answer = await gateway.call("CP-GW-1", "Reset", {"type": "Soft"}, 5)
            assert answer == {"status": "Accepted"}
            with pytest.raises(StationRefused) as refused:
                await gateway.call("CP-GW-1", "UnlockConnector", {"connectorId": 1}, 5)
            assert refused.value.code == "InternalError"
            with pytest.raises(StationTimeout):
                await gateway.call("CP-GW-1", "GetConfiguration", {}, 0.3)
            with pytest.raises(InvalidValue, match="Reset"):
                await gateway.call("CP-GW-1", "Reset", {"type": "Sideways"}, 5)
        finally:
            running.cancel()
    await _until(lambda: not gateway.is_connected("CP-GW-1"))
    with pytest.raises(StationOffline):
        await gateway.call("CP-GW-1", "Reset", {"type": "Soft"}, 5)
    logged = await _logged(database_url, "CP-GW-1")
    assert ("Reset", None) in logged and ("UnlockConnector", "InternalError") in logged
    assert ("GetConfiguration", "Timeout") in logged


async def _logged(database_url: str, station_id: str) -> list[tuple[str, str | None]]:
    sql = "SELECT action, error_code FROM ocpp_messages WHERE station_id = :s AND direction = 'out'"

    async def rows() -> list[dict[str, Any]]:
        return await stored_rows(database_url, sql, s=station_id)

    found = await eventually(rows, lambda listed: len(listed) >= 3)
    return [(row["action"], row["error_code"]) for row in found]


async def _until(condition: Callable[[], bool]) -> None:
    async def check() -> bool:
        return condition()

    assert await eventually(check, bool), "condition not reached in 2 s"
