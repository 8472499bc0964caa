"""Remote control over the REST API: the request reaches a real OCPP station (the ocpp
library's ChargePoint), spelled for its version, and the station's answer (or refusal,
silence, absence) comes back as HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import ocpp
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from kilowatt.domain.locations import OcppVersion
from kilowatt.services.remote_control import CSMS_ACTIONS
from tests.conftest import RunningServer, settings_for
from tests.support import PASSWORD, TAG, eventually, open_socket, register_station

Received = list[tuple[str, dict[str, Any]]]


class Station16(ChargePoint16):  # type: ignore[misc]
    """Accepts what it is asked, refuses reservations (CALLERROR), never clears its cache."""

    received: Received

    @on(Action16.remote_start_transaction)  # type: ignore[untyped-decorator]
    async def on_start(self, **request: Any) -> result16.RemoteStartTransaction:
        self.received.append(("RemoteStartTransaction", request))
        return result16.RemoteStartTransaction(status="Accepted")

    @on(Action16.remote_stop_transaction)  # type: ignore[untyped-decorator]
    async def on_stop(self, **request: Any) -> result16.RemoteStopTransaction:
        self.received.append(("RemoteStopTransaction", request))
        return result16.RemoteStopTransaction(status="Accepted")

    @on(Action16.reset)  # type: ignore[untyped-decorator]
    async def on_reset(self, **request: Any) -> result16.Reset:
        self.received.append(("Reset", request))
        return result16.Reset(status="Accepted")

    @on(Action16.unlock_connector)  # type: ignore[untyped-decorator]
    async def on_unlock(self, **request: Any) -> result16.UnlockConnector:
        self.received.append(("UnlockConnector", request))
        return result16.UnlockConnector(status="Unlocked")

    @on(Action16.change_availability)  # type: ignore[untyped-decorator]
    async def on_availability(self, **request: Any) -> result16.ChangeAvailability:
        self.received.append(("ChangeAvailability", request))
        return result16.ChangeAvailability(status="Scheduled")

    @on(Action16.get_configuration)  # type: ignore[untyped-decorator]
    async def on_get_configuration(self, **request: Any) -> result16.GetConfiguration:
        self.received.append(("GetConfiguration", request))
        key = {"key": "HeartbeatInterval", "readonly": False, "value": "300"}
        return result16.GetConfiguration(configuration_key=[key])

    @on(Action16.reserve_now)  # type: ignore[untyped-decorator]
    async def on_reserve_now(self, **request: Any) -> Any:
        raise RuntimeError("the reservation book is full")

    @on(Action16.clear_cache)  # type: ignore[untyped-decorator]
    async def on_clear_cache(self) -> result16.ClearCache:
        await asyncio.sleep(5)
        return result16.ClearCache(status="Accepted")


class Station201(ChargePoint201):  # type: ignore[misc]
    received: Received

    @on(Action201.request_start_transaction)  # type: ignore[untyped-decorator]
    async def on_start(self, **request: Any) -> result201.RequestStartTransaction:
        self.received.append(("RequestStartTransaction", request))
        return result201.RequestStartTransaction(status="Accepted")

    @on(Action201.request_stop_transaction)  # type: ignore[untyped-decorator]
    async def on_stop(self, **request: Any) -> result201.RequestStopTransaction:
        self.received.append(("RequestStopTransaction", request))
        return result201.RequestStopTransaction(status="Rejected")

    @on(Action201.reset)  # type: ignore[untyped-decorator]
    async def on_reset(self, **request: Any) -> result201.Reset:
        self.received.append(("Reset", request))
        return result201.Reset(status="Scheduled")

    @on(Action201.unlock_connector)  # type: ignore[untyped-decorator]
    async def on_unlock(self, **request: Any) -> result201.UnlockConnector:
        self.received.append(("UnlockConnector", request))
        return result201.UnlockConnector(status="Unlocked")

    @on(Action201.change_availability)  # type: ignore[untyped-decorator]
    async def on_availability(self, **request: Any) -> result201.ChangeAvailability:
        self.received.append(("ChangeAvailability", request))
        return result201.ChangeAvailability(status="Accepted")

    @on(Action201.get_variables)  # type: ignore[untyped-decorator]
    async def on_get_variables(self, **request: Any) -> result201.GetVariables:
        self.received.append(("GetVariables", request))
        found = {
            "attribute_status": "Accepted",
            "attribute_value": "300",
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
        }
        return result201.GetVariables(get_variable_result=[found])


def test_every_listed_action_has_a_request_schema_in_its_version() -> None:
    schemas = Path(ocpp.__file__).parent
    for version, folder, suffix in [
        (OcppVersion.V16, "v16", ""),
        (OcppVersion.V201, "v201", "Request"),
    ]:
        for action in CSMS_ACTIONS[version]:
            assert (schemas / folder / "schemas" / f"{action}{suffix}.json").exists(), action


async def test_a_16_station_obeys_raw_and_friendly_commands(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-RC16")
    async with _connected(server, api, Station16, "CP-RC16", "1.6") as station:
        answer = await _post(
            api, "CP-RC16/commands/GetConfiguration", {"key": ["HeartbeatInterval"]}
        )
        assert answer["configurationKey"][0]["value"] == "300"
        started = await _post(api, "CP-RC16/start", {"id_token": TAG, "evse_id": 2})
        assert started == _ACCEPTED | {"remoteStartId": 1}, "the first id of the sequence"
        assert await _post(api, "CP-RC16/stop", {"transaction_id": "17"}) == _ACCEPTED
        assert await _post(api, "CP-RC16/reset", {"type": "hard"}) == _ACCEPTED
        unlocked = await _post(api, "CP-RC16/unlock", {"evse_id": 1, "connector_id": 1})
        assert unlocked == {"status": "Unlocked"}
        changed = await _post(api, "CP-RC16/availability", {"operative": False})
        assert changed == {"status": "Scheduled"}
        assert station.received == [
            ("GetConfiguration", {"key": ["HeartbeatInterval"]}),
            ("RemoteStartTransaction", {"id_tag": TAG, "connector_id": 2}),
            ("RemoteStopTransaction", {"transaction_id": 17}),
            ("Reset", {"type": "Hard"}),
            ("UnlockConnector", {"connector_id": 1}),
            ("ChangeAvailability", {"connector_id": 0, "type": "Inoperative"}),
        ]
    logged = await _logged(api, "CP-RC16", "RemoteStartTransaction")
    assert logged["request"] == {"idTag": TAG, "connectorId": 2}
    assert logged["response"] == _ACCEPTED and logged["error_code"] is None


async def test_a_201_station_obeys_raw_and_friendly_commands(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-RC201")
    async with _connected(server, api, Station201, "CP-RC201", "2.0.1") as station:
        asked = {"getVariableData": [_HEARTBEAT]}
        answer = await _post(api, "CP-RC201/commands/GetVariables", asked)
        assert answer["getVariableResult"][0]["attributeValue"] == "300"
        start = {"id_token": TAG, "evse_id": 1, "remote_start_id": 7}
        assert await _post(api, "CP-RC201/start", start) == _ACCEPTED | {"remoteStartId": 7}
        assert await _post(api, "CP-RC201/stop", {"transaction_id": "tx-9"}) == {
            "status": "Rejected"
        }
        assert await _post(api, "CP-RC201/reset", {"type": "soft"}) == {"status": "Scheduled"}
        unlocked = await _post(api, "CP-RC201/unlock", {"evse_id": 2, "connector_id": 1})
        assert unlocked == {"status": "Unlocked"}
        changed = await _post(api, "CP-RC201/availability", {"evse_id": 2, "operative": True})
        assert changed == _ACCEPTED
        assert station.received[1:] == [
            (
                "RequestStartTransaction",
                {
                    "id_token": {"id_token": TAG, "type": "ISO14443"},
                    "remote_start_id": 7,
                    "evse_id": 1,
                },
            ),
            ("RequestStopTransaction", {"transaction_id": "tx-9"}),
            ("Reset", {"type": "OnIdle"}),
            ("UnlockConnector", {"evse_id": 2, "connector_id": 1}),
            ("ChangeAvailability", {"operational_status": "Operative", "evse": {"id": 2}}),
        ]
        refused = await api.post(
            "/api/v1/stations/CP-RC201/commands/RemoteStartTransaction", json={}
        )
        assert refused.status_code == 409 and "OCPP 1.6" in refused.json()["detail"]
    logged = await _logged(api, "CP-RC201", "GetVariables")
    assert logged["request"] == asked


async def test_commands_that_cannot_be_carried_out(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-RC-NO")
    reset = {"type": "Soft"}
    never = await api.post("/api/v1/stations/CP-RC-NO/commands/Reset", json=reset)
    assert never.status_code == 409 and "never connected" in never.json()["detail"]
    missing = await api.post("/api/v1/stations/CP-NOBODY/commands/Reset", json=reset)
    assert missing.status_code == 404
    async with _connected(server, api, Station16, "CP-RC-NO", "1.6"):
        for action in ("GetVariables", "BootNotification", "Teleport"):
            other = await api.post(f"/api/v1/stations/CP-RC-NO/commands/{action}", json={})
            assert other.status_code == 409, action
            assert f"{action} is not an action" in other.json()["detail"]
        bad = await api.post("/api/v1/stations/CP-RC-NO/commands/Reset", json={"type": "Sideways"})
        assert bad.status_code == 422 and "Reset" in bad.json()["detail"]
        not_int = await api.post("/api/v1/stations/CP-RC-NO/stop", json={"transaction_id": "x1"})
        assert not_int.status_code == 422
        medium = await api.post("/api/v1/stations/CP-RC-NO/reset", json={"type": "medium"})
        assert medium.status_code == 422
        reserve = {
            "connectorId": 1,
            "expiryDate": "2030-01-01T00:00:00Z",
            "idTag": TAG,
            "reservationId": 3,
        }
        refused = await api.post("/api/v1/stations/CP-RC-NO/commands/ReserveNow", json=reserve)
        assert refused.status_code == 502, refused.text
        assert refused.json()["detail"].startswith("InternalError: ")
    await _until_state(api, "CP-RC-NO", connected=False)
    gone = await api.post("/api/v1/stations/CP-RC-NO/commands/Reset", json=reset)
    assert gone.status_code == 409 and "not connected" in gone.json()["detail"]
    async with server.client(key=None) as anonymous:
        unauthorized = await anonymous.post(
            "/api/v1/stations/CP-RC-NO/reset", json={"type": "soft"}
        )
    assert unauthorized.status_code == 401
    logged = await _logged(api, "CP-RC-NO", "ReserveNow")
    assert logged["error_code"] == "InternalError"


async def test_a_station_that_does_not_answer_in_time(database_url: str) -> None:
    server = RunningServer(settings_for(database_url, call_timeout_s=0.5))
    await server.start()
    try:
        async with server.client() as api:
            await register_station(api, "CP-RC-SLOW")
            async with _connected(server, api, Station16, "CP-RC-SLOW", "1.6"):
                slow = await api.post("/api/v1/stations/CP-RC-SLOW/commands/ClearCache", json={})
                assert slow.status_code == 504 and "0.5" in slow.json()["detail"]
            logged = await _logged(api, "CP-RC-SLOW", "ClearCache")
            assert logged["error_code"] == "Timeout"
    finally:
        await server.stop()


_ACCEPTED = {"status": "Accepted"}
_HEARTBEAT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}


@contextlib.asynccontextmanager
async def _connected(
    server: RunningServer,
    api: httpx.AsyncClient,
    kind: type[Station16 | Station201],
    station_id: str,
    version: str,
) -> AsyncIterator[Any]:
    """The station connected, its message loop running, and the server aware of its version."""
    async with open_socket(server.ocpp_url, station_id, PASSWORD, version) as socket:
        station = kind(station_id, socket, response_timeout=10)
        station.received = []
        task = asyncio.create_task(station.start())
        try:
            await _until_state(api, station_id, connected=True, ocpp_version=version)
            yield station
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _until_state(api: httpx.AsyncClient, station_id: str, **expected: Any) -> None:
    async def state() -> dict[str, Any]:
        found: dict[str, Any] = (await api.get(f"/api/v1/stations/{station_id}/state")).json()
        return found

    def reached(found: dict[str, Any]) -> bool:
        return all(found[name] == value for name, value in expected.items())

    assert reached(await eventually(state, reached)), f"{station_id} did not reach {expected}"


async def _post(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(f"/api/v1/stations/{path}", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _logged(api: httpx.AsyncClient, station_id: str, action: str) -> dict[str, Any]:
    """The CSMS → station exchange of ``action`` in the message log (written shortly after)."""
    url = f"/api/v1/stations/{station_id}/messages"

    async def sent() -> list[dict[str, Any]]:
        found = (await api.get(url, params={"action": action})).json()
        return [message for message in found if message["direction"] == "out"]

    exchanges = await eventually(sent, bool)
    assert exchanges, f"no {action} sent to {station_id} in the log after 2 s"
    return exchanges[0]
