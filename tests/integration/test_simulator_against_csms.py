"""The simulator against a minimal CSMS built from the ``ocpp`` library's server-side ChargePoint.

The CSMS records every CALL it receives (per station and per connection), checks the Basic auth
header before the WebSocket handshake and serves both subprotocols on 127.0.0.1 (free port).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, TypeVar

import pytest
from ocpp.exceptions import NotImplementedError as OcppNotImplementedError
from ocpp.routing import on as ocpp_on
from ocpp.v16 import ChargePoint as CentralSystem16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as CentralSystem201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from kilowatt.simulator import (
    DEFAULT_CARS,
    DEFAULT_ID_TAGS,
    Fleet,
    FleetConfig,
    SimulatedStationV16,
    SimulatedStationV201,
    StationConfig,
    StationConnectionError,
    StationStateError,
    password_for,
    run_fleet,
)

TAG = DEFAULT_ID_TAGS[0]
BLOCKED_TAG = "BLOCKED0000001"
REGISTER = "Energy.Active.Import.Register"
ASSIGNED_ID = "assigned_transaction_id"  # recorded with StartTransaction: the id the CSMS gave


# ---------------------------------------------------------------------- the test CSMS

_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def on(action: str) -> Callable[[_Handler], _Handler]:
    """``ocpp.routing.on`` with a type."""
    decorator: Callable[[_Handler], _Handler] = ocpp_on(action)
    return decorator


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Received:
    station_id: str
    connection: int  # 1 for the station's first connection, 2 for the next...
    action: str
    payload: dict[str, Any]


@dataclass
class Csms:
    """What the test CSMS saw, and how it answers."""

    passwords: dict[str, str]
    pending_first_boot: set[str] = field(default_factory=set)
    drop_connection_on: set[str] = field(default_factory=set)  # actions answered by hanging up
    heartbeat_interval: int = 1
    url: str = ""
    messages: list[Received] = field(default_factory=list)
    connections: Counter[str] = field(default_factory=Counter)
    subprotocols: list[tuple[str, str | None]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    open_connections: int = 0
    charge_points: dict[str, Any] = field(default_factory=dict)
    transaction_ids: Iterable[int] = field(default_factory=lambda: itertools.count(1001))

    def of(self, station_id: str) -> list[Received]:
        return [m for m in self.messages if m.station_id == station_id]

    def actions(self, station_id: str) -> list[str]:
        return [m.action for m in self.of(station_id)]

    def boot_status(self, station_id: str) -> str:
        if station_id in self.pending_first_boot:
            self.pending_first_boot.discard(station_id)
            return "Pending"
        return "Accepted"

    def next_transaction_id(self) -> int:
        return next(iter(self.transaction_ids))


def _tag_status(tag: str) -> str:
    return "Accepted" if tag in DEFAULT_ID_TAGS else "Blocked"


class CsmsEndpoint16(CentralSystem16):  # type: ignore[misc]
    def __init__(self, station_id: str, ws: ServerConnection, csms: Csms, number: int) -> None:
        super().__init__(station_id, ws)
        self.csms, self.number = csms, number

    def _record(self, action: str, payload: dict[str, Any]) -> None:
        self.csms.messages.append(Received(self.id, self.number, action, payload))

    @on(Action16.boot_notification)
    def on_boot_notification(self, **payload: Any) -> Any:
        self._record("BootNotification", payload)
        return result16.BootNotification(
            current_time=_now(),
            interval=self.csms.heartbeat_interval,
            status=self.csms.boot_status(self.id),
        )

    @on(Action16.heartbeat)
    def on_heartbeat(self, **payload: Any) -> Any:
        self._record("Heartbeat", payload)
        return result16.Heartbeat(current_time=_now())

    @on(Action16.status_notification)
    def on_status_notification(self, **payload: Any) -> Any:
        self._record("StatusNotification", payload)
        return result16.StatusNotification()

    @on(Action16.authorize)
    def on_authorize(self, **payload: Any) -> Any:
        self._record("Authorize", payload)
        return result16.Authorize(id_tag_info={"status": _tag_status(payload["id_tag"])})

    @on(Action16.start_transaction)
    def on_start_transaction(self, **payload: Any) -> Any:
        transaction_id = self.csms.next_transaction_id()
        self._record("StartTransaction", payload | {ASSIGNED_ID: transaction_id})
        return result16.StartTransaction(
            transaction_id=transaction_id,
            id_tag_info={"status": _tag_status(payload["id_tag"])},
        )

    @on(Action16.meter_values)
    async def on_meter_values(self, **payload: Any) -> Any:
        self._record("MeterValues", payload)
        if "MeterValues" in self.csms.drop_connection_on:
            await self._connection.close()
        return result16.MeterValues()

    @on(Action16.stop_transaction)
    def on_stop_transaction(self, **payload: Any) -> Any:
        self._record("StopTransaction", payload)
        return result16.StopTransaction(id_tag_info={"status": "Accepted"})


class CsmsEndpoint201(CentralSystem201):  # type: ignore[misc]
    def __init__(self, station_id: str, ws: ServerConnection, csms: Csms, number: int) -> None:
        super().__init__(station_id, ws)
        self.csms, self.number = csms, number

    def _record(self, action: str, payload: dict[str, Any]) -> None:
        self.csms.messages.append(Received(self.id, self.number, action, payload))

    @on(Action201.boot_notification)
    def on_boot_notification(self, **payload: Any) -> Any:
        self._record("BootNotification", payload)
        return result201.BootNotification(
            current_time=_now(),
            interval=self.csms.heartbeat_interval,
            status=self.csms.boot_status(self.id),
        )

    @on(Action201.heartbeat)
    def on_heartbeat(self, **payload: Any) -> Any:
        self._record("Heartbeat", payload)
        return result201.Heartbeat(current_time=_now())

    @on(Action201.status_notification)
    def on_status_notification(self, **payload: Any) -> Any:
        self._record("StatusNotification", payload)
        return result201.StatusNotification()

    @on(Action201.authorize)
    def on_authorize(self, **payload: Any) -> Any:
        self._record("Authorize", payload)
        tag = payload["id_token"]["id_token"]
        return result201.Authorize(id_token_info={"status": _tag_status(tag)})

    @on(Action201.transaction_event)
    def on_transaction_event(self, **payload: Any) -> Any:
        self._record("TransactionEvent", payload)
        if "id_token" in payload:
            tag = payload["id_token"]["id_token"]
            return result201.TransactionEvent(id_token_info={"status": _tag_status(tag)})
        return result201.TransactionEvent()


def _expected_header(station_id: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{station_id}:{password}".encode()).decode()


def _station_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


@contextlib.asynccontextmanager
async def running_csms(
    passwords: dict[str, str], *, pending_first_boot: Iterable[str] = ()
) -> AsyncIterator[Csms]:
    csms = Csms(passwords=passwords, pending_first_boot=set(pending_first_boot))

    def check_credentials(connection: ServerConnection, request: Request) -> Response | None:
        station_id = _station_of(request.path)
        password = csms.passwords.get(station_id)
        header = request.headers.get("Authorization")
        if password is None or header != _expected_header(station_id, password):
            csms.refused.append(station_id)
            return connection.respond(HTTPStatus.UNAUTHORIZED, "wrong credentials\n")
        return None

    async def handle(ws: ServerConnection) -> None:
        station_id = _station_of(ws.request.path if ws.request is not None else "")
        csms.subprotocols.append((station_id, ws.subprotocol))
        csms.connections[station_id] += 1
        number = csms.connections[station_id]
        endpoint_class = CsmsEndpoint16 if ws.subprotocol == "ocpp1.6" else CsmsEndpoint201
        endpoint = endpoint_class(station_id, ws, csms, number)
        csms.charge_points[station_id] = endpoint
        csms.open_connections += 1
        try:
            await endpoint.start()
        except ConnectionClosed:
            pass
        finally:
            csms.open_connections -= 1

    async with serve(
        handle,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")],
        process_request=check_credentials,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        csms.url = f"ws://127.0.0.1:{port}/ocpp"
        yield csms


# ---------------------------------------------------------------------- checks


def _register(meter_values: list[dict[str, Any]]) -> int:
    for meter_value in meter_values:
        for sampled in meter_value["sampled_value"]:
            if sampled.get("measurand", REGISTER) == REGISTER:
                return int(float(sampled["value"]))
    raise AssertionError(f"no energy register in {meter_values}")


def _sampled(meter_value: dict[str, Any], measurand: str) -> list[dict[str, Any]]:
    return [s for s in meter_value["sampled_value"] if s.get("measurand") == measurand]


def assert_boot_comes_first_on_every_connection(csms: Csms, station_id: str) -> None:
    by_connection: dict[int, list[Received]] = defaultdict(list)
    for message in csms.of(station_id):
        by_connection[message.connection].append(message)
    assert by_connection, f"{station_id} sent nothing"
    for number, messages in by_connection.items():
        assert messages[0].action == "BootNotification", (station_id, number, messages[0])
        # Nothing but BootNotifications until one is accepted: the CSMS answers Pending only to
        # the very first one, so on every connection at most the first boot is not accepted.
        boots = list(itertools.takewhile(lambda m: m.action == "BootNotification", messages))
        assert len(boots) <= 2, (station_id, number, boots)


def assert_valid_v16_transactions(csms: Csms, station_id: str) -> int:
    """Every transaction stops once, after its meter values, with consistent registers; a
    connector's register never decreases. Returns the number of stopped transactions."""
    connector_of: dict[int, int] = {}
    meter_start: dict[int, int] = {}
    stopped: set[int] = set()
    registers: dict[int, list[int]] = defaultdict(list)
    last_start: dict[int, int] = {}
    for message in csms.of(station_id):
        payload = message.payload
        if message.action == "StartTransaction":
            transaction_id = payload[ASSIGNED_ID]
            connector_of[transaction_id] = payload["connector_id"]
            meter_start[transaction_id] = payload["meter_start"]
            last_start[payload["connector_id"]] = transaction_id
            registers[payload["connector_id"]].append(payload["meter_start"])
        elif message.action in ("MeterValues", "StopTransaction"):
            transaction_id = payload["transaction_id"]
            assert transaction_id in connector_of, f"unknown transaction {transaction_id}"
            assert transaction_id not in stopped, f"transaction {transaction_id} already stopped"
            connector_id = connector_of[transaction_id]
            if message.action == "MeterValues":
                assert payload["connector_id"] == connector_id
                assert {
                    s["context"] for mv in payload["meter_value"] for s in mv["sampled_value"]
                } == {"Sample.Periodic"}
                registers[connector_id].append(_register(payload["meter_value"]))
                continue
            stopped.add(transaction_id)
            begin, end = payload["transaction_data"]
            assert _sampled(begin, REGISTER)[0]["context"] == "Transaction.Begin"
            assert _sampled(end, REGISTER)[0]["context"] == "Transaction.End"
            assert _register([begin]) == meter_start[transaction_id]
            assert _register([end]) == payload["meter_stop"]
            assert payload["reason"] in ("Local", "EVDisconnected", "DeAuthorized")
            registers[connector_id].append(payload["meter_stop"])
    for connector_id, values in registers.items():
        assert values == sorted(values), f"{station_id}/{connector_id} register went down: {values}"
    # A transaction may still be open at the very end (the station was offline then).
    for transaction_id in set(connector_of) - stopped:
        assert last_start[connector_of[transaction_id]] == transaction_id
    return len(stopped)


def assert_valid_v201_transactions(csms: Csms, station_id: str) -> int:
    """Per transaction: seqNo 0..n without gaps or repeats, Started first, Ended last with a
    register not below the start; an EVSE's register never decreases. Returns ended count."""
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in csms.of(station_id):
        if message.action == "TransactionEvent":
            events[message.payload["transaction_info"]["transaction_id"]].append(message.payload)
    ended = 0
    evse_registers: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for transaction_id, received in events.items():
        ordered = sorted(received, key=lambda e: e["seq_no"])
        assert [e["seq_no"] for e in ordered] == list(range(len(ordered))), (
            transaction_id,
            [e["seq_no"] for e in received],
        )
        assert [e["seq_no"] for e in received] == [e["seq_no"] for e in ordered], "out of order"
        first = ordered[0]
        assert first["event_type"] == "Started"
        assert first["trigger_reason"] == "CablePluggedIn"
        assert first["transaction_info"]["charging_state"] == "EVConnected"
        evse_id = first["evse"]["id"]
        assert first["evse"]["connector_id"] == 1
        registers = [_register(e["meter_value"]) for e in ordered if "meter_value" in e]
        assert registers == sorted(registers), (transaction_id, registers)
        assert all(e["event_type"] == "Updated" for e in ordered[1:-1])
        if ordered[-1]["event_type"] == "Ended":
            ended += 1
            last = ordered[-1]
            assert last["transaction_info"]["stopped_reason"] in (
                "Local",
                "EVDisconnected",
                "DeAuthorized",
            )
            end_values = last["meter_value"][0]["sampled_value"]
            assert {s["context"] for s in end_values} == {"Transaction.End"}
        evse_registers[evse_id].append((first["timestamp"], registers[0]))
        evse_registers[evse_id].append((ordered[-1]["timestamp"], registers[-1]))
    for evse_id, points in evse_registers.items():
        values = [register for _, register in sorted(points)]
        assert values == sorted(values), f"{station_id}/evse {evse_id} register went down"
    return ended


# ---------------------------------------------------------------------- single stations


async def test_a_v16_station_driven_step_by_step_reports_a_complete_session() -> None:
    async with running_csms({"STEP16": "s3cret"}) as csms:
        station = SimulatedStationV16(
            "STEP16", csms.url, password="s3cret", config=StationConfig(connectors=1)
        )
        await station.connect()
        boot = await station.boot()
        await station.plug_in(1, car=DEFAULT_CARS[1], start_soc=0.5, target_soc=0.9)
        assert await station.start_charging(TAG, connector_id=1)
        samples = [await station.send_meter_values(advance_s=900) for _ in range(10)]
        meter_stop = await station.stop_charging("Local", connector_id=1)
        await station.unplug(1)
        await station.disconnect()

    assert boot.accepted
    assert boot.interval == csms.heartbeat_interval
    assert csms.subprotocols == [("STEP16", "ocpp1.6")]
    assert csms.refused == []
    received = csms.of("STEP16")
    statuses = [
        (m.payload["connector_id"], m.payload["status"])
        for m in received
        if m.action == "StatusNotification"
    ]
    assert statuses == [
        (0, "Available"),
        (1, "Available"),
        (1, "Preparing"),
        (1, "Charging"),
        (1, "SuspendedEV"),
        (1, "Finishing"),
        (1, "Available"),
    ]
    assert all(
        m.payload["error_code"] == "NoError" for m in received if m.action == "StatusNotification"
    )
    actions = [a for a in csms.actions("STEP16") if a != "StatusNotification"]
    assert actions == ["BootNotification", "Authorize", "StartTransaction"] + [
        "MeterValues"
    ] * 10 + ["StopTransaction"]
    boot_payload = received[0].payload
    assert boot_payload["charge_point_vendor"] == "Kilowatt"
    assert boot_payload["firmware_version"] == "1.0.0-sim"
    assert boot_payload["charge_point_serial_number"] == "SN-STEP16"

    start = next(m.payload for m in received if m.action == "StartTransaction")
    stop = next(m.payload for m in received if m.action == "StopTransaction")
    meter_values = [m.payload for m in received if m.action == "MeterValues"]
    assert start["id_tag"] == TAG and start["connector_id"] == 1
    assert stop["reason"] == "Local" and stop["id_tag"] == TAG
    assert stop["meter_stop"] == meter_stop
    # 45 kWh from 50 % to 90 %: 18 kWh, in whole Wh.
    assert stop["meter_stop"] - start["meter_start"] in (17_999, 18_000)
    transaction_id = stop["transaction_id"]
    assert all(mv["transaction_id"] == transaction_id for mv in meter_values)
    registers = [_register(mv["meter_value"]) for mv in meter_values]
    assert registers == sorted(registers)
    assert start["meter_start"] <= registers[0] and registers[-1] == stop["meter_stop"]
    assert [s.energy_wh for s in samples] == registers

    first = meter_values[0]["meter_value"][0]
    assert {s["context"] for s in first["sampled_value"]} == {"Sample.Periodic"}
    assert _sampled(first, "Power.Active.Import")[0] == {
        "value": "11000",
        "context": "Sample.Periodic",
        "measurand": "Power.Active.Import",
        "location": "Outlet",
        "unit": "W",
    }
    currents = _sampled(first, "Current.Import")
    assert [c["phase"] for c in currents] == ["L1", "L2", "L3"]
    assert all(c["unit"] == "A" and float(c["value"]) == pytest.approx(15.9) for c in currents)
    voltages = _sampled(first, "Voltage")
    assert [v["phase"] for v in voltages] == ["L1-N", "L2-N", "L3-N"]
    assert all(215 < float(v["value"]) < 245 for v in voltages)
    soc = _sampled(first, "SoC")[0]
    assert soc["unit"] == "Percent" and soc["location"] == "EV"
    # The car is full before the last sample: it parks, drawing nothing.
    last = meter_values[-1]["meter_value"][0]
    assert _sampled(last, "Power.Active.Import")[0]["value"] == "0"
    assert float(_sampled(last, "SoC")[0]["value"]) == 90.0


async def test_a_v16_station_resumes_its_transaction_after_a_reconnect() -> None:
    async with running_csms({"RECON16": "pw"}) as csms:
        station = SimulatedStationV16(
            "RECON16", csms.url, password="pw", config=StationConfig(connectors=2)
        )
        await station.connect()
        await station.boot()
        await station.plug_in(2)
        assert await station.start_charging(TAG, connector_id=2)
        await station.send_meter_values(connector_id=2, advance_s=600)
        await station.disconnect()
        offline_sample = await station.send_meter_values(connector_id=2, advance_s=600)
        assert station.queued_messages == 1
        await station.connect()
        await station.boot()
        assert station.queued_messages == 0
        await station.send_meter_values(connector_id=2, advance_s=600)
        await station.stop_charging("EVDisconnected", connector_id=2)
        await station.disconnect()

    second = [m for m in csms.of("RECON16") if m.connection == 2]
    assert [m.action for m in second[:2]] == ["BootNotification", "MeterValues"]
    assert _register(second[1].payload["meter_value"]) == offline_sample.energy_wh
    statuses = [
        (m.payload["connector_id"], m.payload["status"])
        for m in second
        if m.action == "StatusNotification"
    ]
    assert statuses[:3] == [(0, "Available"), (1, "Available"), (2, "Charging")]
    assert statuses[-2:] == [(2, "Finishing"), (2, "Available")]
    transaction_ids = {
        m.payload["transaction_id"]
        for m in csms.of("RECON16")
        if m.action in ("MeterValues", "StopTransaction")
    }
    assert len(transaction_ids) == 1
    assert assert_valid_v16_transactions(csms, "RECON16") == 1
    assert_boot_comes_first_on_every_connection(csms, "RECON16")


async def test_a_call_in_flight_fails_at_once_when_the_csms_hangs_up_and_is_sent_again() -> None:
    async with running_csms({"DROP16": "pw"}) as csms:
        station = SimulatedStationV16(
            "DROP16",
            csms.url,
            password="pw",
            config=StationConfig(connectors=1, response_timeout_s=60),
        )
        await station.connect()
        await station.boot()
        await station.plug_in(1)
        assert await station.start_charging(TAG)
        csms.drop_connection_on.add("MeterValues")
        async with asyncio.timeout(5):
            lost = await station.send_meter_values(advance_s=600)
        assert not station.connected
        assert station.queued_messages == 1
        csms.drop_connection_on.clear()
        await station.disconnect()
        await station.connect()
        await station.boot()
        assert station.queued_messages == 0
        await station.stop_charging("EVDisconnected")
        await station.disconnect()

    meter_values = [m for m in csms.of("DROP16") if m.action == "MeterValues"]
    # At least once: the CSMS saw it before hanging up, and again after the reconnect.
    assert [m.connection for m in meter_values] == [1, 2]
    assert all(_register(m.payload["meter_value"]) == lost.energy_wh for m in meter_values)
    assert assert_valid_v16_transactions(csms, "DROP16") == 1


async def test_a_faulted_connector_reports_its_error_code_and_refuses_cars_until_cleared() -> None:
    async with running_csms({"FAULT16": "pw"}) as csms:
        station = SimulatedStationV16("FAULT16", csms.url, password="pw")
        async with station:
            await station.boot()
            await station.report_fault(2, "GroundFailure")
            with pytest.raises(StationStateError):
                await station.plug_in(2)
            await station.clear_fault(2)
            await station.plug_in(2)

    statuses = [
        (m.payload["connector_id"], m.payload["status"], m.payload["error_code"])
        for m in csms.of("FAULT16")
        if m.action == "StatusNotification"
    ]
    assert statuses[-4:] == [
        (2, "Available", "NoError"),
        (2, "Faulted", "GroundFailure"),
        (2, "Available", "NoError"),
        (2, "Preparing", "NoError"),
    ]
    assert station.stats.faults == 1


async def test_a_v16_station_with_a_refused_id_tag_does_not_start_a_transaction() -> None:
    async with running_csms({"REFUSE16": "pw"}) as csms:
        station = SimulatedStationV16("REFUSE16", csms.url, password="pw")
        async with station:
            await station.boot()
            await station.plug_in(1)
            assert not await station.start_charging(BLOCKED_TAG, connector_id=1)
            await station.unplug(1)

    assert "StartTransaction" not in csms.actions("REFUSE16")
    assert station.stats.sessions_rejected == 1


async def test_a_v201_station_driven_step_by_step_reports_a_complete_session() -> None:
    async with running_csms({"STEP201": "pw"}) as csms:
        station = SimulatedStationV201(
            "STEP201", csms.url, password="pw", config=StationConfig(connectors=2)
        )
        async with station:
            boot = await station.boot()
            await station.plug_in(2, car=DEFAULT_CARS[2], start_soc=0.3, target_soc=0.8)
            assert await station.start_charging(TAG, connector_id=2)
            for _ in range(3):
                await station.send_meter_values(connector_id=2, advance_s=1200)
            await station.stop_charging("Local", connector_id=2)
            await station.unplug(2)
            await station.plug_in(2)
            await station.stop_charging("EVDisconnected", connector_id=2)

    assert boot.accepted
    received = csms.of("STEP201")
    assert received[0].payload["reason"] == "PowerUp"
    assert received[0].payload["charging_station"]["vendor_name"] == "Kilowatt"
    statuses = [
        (m.payload["evse_id"], m.payload["connector_status"])
        for m in received
        if m.action == "StatusNotification"
    ]
    assert statuses == [
        (1, "Available"),
        (2, "Available"),
        (2, "Occupied"),
        (2, "Available"),
        (2, "Occupied"),
        (2, "Available"),
    ]
    assert all(m.payload["connector_id"] == 1 for m in received if m.action == "StatusNotification")
    authorize = next(m.payload for m in received if m.action == "Authorize")
    assert authorize["id_token"] == {"id_token": TAG, "type": "ISO14443"}

    events = [m.payload for m in received if m.action == "TransactionEvent"]
    first_id = events[0]["transaction_info"]["transaction_id"]
    first = [e for e in events if e["transaction_info"]["transaction_id"] == first_id]
    assert [(e["event_type"], e["trigger_reason"]) for e in first] == [
        ("Started", "CablePluggedIn"),
        ("Updated", "Authorized"),
        ("Updated", "ChargingStateChanged"),
        ("Updated", "MeterValuePeriodic"),
        ("Updated", "MeterValuePeriodic"),
        ("Updated", "MeterValuePeriodic"),
        ("Ended", "StopAuthorized"),
    ]
    assert [e["seq_no"] for e in first] == list(range(7))
    assert first[0]["evse"] == {"id": 2, "connector_id": 1}
    assert first[1]["id_token"] == {"id_token": TAG, "type": "ISO14443"}
    assert first[2]["transaction_info"]["charging_state"] == "Charging"
    assert first[-1]["transaction_info"]["stopped_reason"] == "Local"
    assert first[-1]["id_token"]["id_token"] == TAG
    assert not any(e.get("offline") for e in events)
    periodic = first[3]["meter_value"][0]
    power = _sampled(periodic, "Power.Active.Import")[0]
    assert power["value"] == 11000 and power["unit_of_measure"] == {"unit": "W"}
    assert [c["phase"] for c in _sampled(periodic, "Current.Import")] == ["L1", "L2", "L3"]
    assert _sampled(periodic, "SoC")[0]["unit_of_measure"] == {"unit": "Percent"}
    second = [e for e in events if e["transaction_info"]["transaction_id"] != first_id]
    assert [(e["event_type"], e["trigger_reason"]) for e in second] == [
        ("Started", "CablePluggedIn"),
        ("Ended", "EVCommunicationLost"),
    ]
    assert second[-1]["transaction_info"] == {
        "transaction_id": second[0]["transaction_info"]["transaction_id"],
        "charging_state": "Idle",
        "stopped_reason": "EVDisconnected",
    }
    assert assert_valid_v201_transactions(csms, "STEP201") == 2


async def test_a_v201_station_queues_transaction_events_while_offline_and_marks_them_offline() -> (
    None
):
    async with running_csms({"OFF201": "pw"}) as csms:
        station = SimulatedStationV201(
            "OFF201", csms.url, password="pw", config=StationConfig(connectors=1)
        )
        await station.connect()
        await station.boot()
        await station.plug_in(1)
        assert await station.start_charging(TAG, connector_id=1)
        await station.send_meter_values(advance_s=600)
        await station.disconnect()
        await station.send_meter_values(advance_s=600)
        await station.send_meter_values(advance_s=600)
        meter_stop = await station.stop_charging("Local")
        assert station.queued_messages == 3
        await station.connect()
        await station.boot()
        await station.unplug(1)
        await station.disconnect()

    received = csms.of("OFF201")
    reconnected = [m for m in received if m.connection == 2]
    assert reconnected[0].action == "BootNotification"
    assert reconnected[0].payload["reason"] == "Unknown"
    flushed = [m.payload for m in reconnected[1:4]]
    assert [m["trigger_reason"] for m in flushed] == [
        "MeterValuePeriodic",
        "MeterValuePeriodic",
        "StopAuthorized",
    ]
    assert all(m["offline"] is True for m in flushed)
    assert _register(flushed[-1]["meter_value"]) == meter_stop
    online = [m.payload for m in received if m.connection == 1 and m.action == "TransactionEvent"]
    assert not any(e.get("offline") for e in online)
    assert [e["seq_no"] for e in online + flushed] == list(range(7))
    assert assert_valid_v201_transactions(csms, "OFF201") == 1
    assert_boot_comes_first_on_every_connection(csms, "OFF201")


async def test_a_v201_station_with_a_refused_id_token_ends_the_transaction_as_deauthorized() -> (
    None
):
    async with running_csms({"REFUSE201": "pw"}) as csms:
        station = SimulatedStationV201("REFUSE201", csms.url, password="pw")
        async with station:
            await station.boot()
            await station.plug_in(1)
            assert not await station.start_charging(BLOCKED_TAG, connector_id=1)
            await station.unplug(1)

    events = [m.payload for m in csms.of("REFUSE201") if m.action == "TransactionEvent"]
    assert [(e["event_type"], e["trigger_reason"]) for e in events] == [
        ("Started", "CablePluggedIn"),
        ("Ended", "Deauthorized"),
    ]
    assert events[-1]["transaction_info"]["stopped_reason"] == "DeAuthorized"


async def test_a_station_with_a_wrong_password_is_refused_at_the_handshake() -> None:
    async with running_csms({"AUTH01": "right"}) as csms:
        station = SimulatedStationV16("AUTH01", csms.url, password="wrong")
        with pytest.raises(StationConnectionError):
            await station.connect()
        no_password = SimulatedStationV201("AUTH01", csms.url)
        with pytest.raises(StationConnectionError):
            await no_password.connect()

    assert csms.refused == ["AUTH01", "AUTH01"]
    assert csms.messages == []
    assert not station.connected


async def test_a_running_station_that_is_refused_backs_off_and_stops_at_its_duration() -> None:
    async with running_csms({"BACKOFF01": "right"}) as csms:
        config = StationConfig(backoff_initial_s=0.1, backoff_max_s=0.4)
        station = SimulatedStationV201("BACKOFF01", csms.url, password="wrong", config=config)
        async with asyncio.timeout(10):
            stats = await station.run(2.0)

    # Attempts at about 0, 0.1, 0.3, 0.7, 1.1, 1.5, 1.9 s: growing pauses, capped.
    assert 4 <= len(csms.refused) <= 9
    assert stats.errors == len(csms.refused)
    assert stats.connections == 0 and stats.boots == 0


async def test_a_v16_station_answers_configuration_requests_and_not_implemented_actions() -> None:
    async with running_csms({"CFG16": "pw"}) as csms:
        station = SimulatedStationV16("CFG16", csms.url, password="pw")
        async with station:
            await station.boot()
            server_side = csms.charge_points["CFG16"]
            configuration = await server_side.call(
                call16.GetConfiguration(key=["HeartbeatInterval", "NoSuchKey"]), suppress=False
            )
            changed = await server_side.call(
                call16.ChangeConfiguration(key="MeterValueSampleInterval", value="15"),
                suppress=False,
            )
            read_only = await server_side.call(
                call16.ChangeConfiguration(key="NumberOfConnectors", value="4"), suppress=False
            )
            with pytest.raises(OcppNotImplementedError):
                await server_side.call(call16.ClearCache(), suppress=False)

    assert configuration.configuration_key == [
        {"key": "HeartbeatInterval", "readonly": False, "value": "1"}
    ]
    assert configuration.unknown_key == ["NoSuchKey"]
    assert changed.status == "Accepted"
    assert station.meter_interval_s == 15
    assert read_only.status == "Rejected"


async def test_a_v201_station_answers_variable_requests_and_not_implemented_actions() -> None:
    async with running_csms({"CFG201": "pw"}) as csms:
        station = SimulatedStationV201("CFG201", csms.url, password="pw")
        async with station:
            await station.boot()
            server_side = csms.charge_points["CFG201"]
            got = await server_side.call(
                call201.GetVariables(
                    get_variable_data=[
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                        },
                        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "Nope"}},
                    ]
                ),
                suppress=False,
            )
            set_result = await server_side.call(
                call201.SetVariables(
                    set_variable_data=[
                        {
                            "attribute_value": "42",
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                        }
                    ]
                ),
                suppress=False,
            )
            with pytest.raises(OcppNotImplementedError):
                await server_side.call(call201.ClearCache(), suppress=False)

    statuses = [(r["variable"]["name"], r["attribute_status"]) for r in got.get_variable_result]
    assert statuses == [("HeartbeatInterval", "Accepted"), ("Nope", "UnknownVariable")]
    assert got.get_variable_result[0]["attribute_value"] == "1"
    assert set_result.set_variable_result[0]["attribute_status"] == "Accepted"
    assert station.heartbeat_interval_s == 42


# ---------------------------------------------------------------------- fleets


def _fleet_config(url: str, **overrides: Any) -> FleetConfig:
    template = StationConfig(
        idle_s=(60.0, 1800.0),
        plug_to_authorize_s=(5.0, 60.0),
        stay_s=(1800.0, 3 * 3600.0),
        linger_s=(30.0, 300.0),
        fault_s=(120.0, 600.0),
        offline_s=(60.0, 600.0),
        backoff_initial_s=0.2,
        backoff_max_s=1.0,
        grace_s=5.0,
    )
    settings: dict[str, Any] = {
        "url": url,
        "stations": 4,
        "protocol": "mixed",
        "id_prefix": "FLT",
        "password": {f"FLT{i:03d}": f"pw-{i}" for i in range(1, 5)},
        "speed": 3600.0,
        "meter_interval_s": 0.1,
        "duration_s": 6.0,
        "seed": 7,
        "fault_probability": 0.2,
        "reconnect_probability": 0.4,
        "connectors_per_station": 2,
        "station": template,
    }
    settings.update(overrides)
    return FleetConfig(**settings)


async def test_a_mixed_fleet_sends_valid_message_sequences_and_stops_by_itself() -> None:
    passwords = {f"FLT{i:03d}": f"pw-{i}" for i in range(1, 5)}
    events: list[str] = []
    async with running_csms(passwords, pending_first_boot={"FLT002"}) as csms:
        async with asyncio.timeout(60):
            report = await run_fleet(_fleet_config(csms.url), on_event=events.append)
        assert csms.open_connections == 0

    assert csms.refused == []
    assert sorted(set(csms.subprotocols)) == [
        ("FLT001", "ocpp1.6"),
        ("FLT002", "ocpp2.0.1"),
        ("FLT003", "ocpp1.6"),
        ("FLT004", "ocpp2.0.1"),
    ]
    # FLT002 was told Pending at first and booted again on the same connection.
    assert csms.actions("FLT002")[:2] == ["BootNotification", "BootNotification"]
    completed = 0
    for station_id in ("FLT001", "FLT002", "FLT003", "FLT004"):
        assert_boot_comes_first_on_every_connection(csms, station_id)
        assert "Heartbeat" in csms.actions(station_id)
    completed += assert_valid_v16_transactions(csms, "FLT001")
    completed += assert_valid_v16_transactions(csms, "FLT003")
    completed += assert_valid_v201_transactions(csms, "FLT002")
    completed += assert_valid_v201_transactions(csms, "FLT004")

    assert report.stations == 4
    assert report.sessions_started > 0
    assert report.sessions_completed > 0
    assert completed > 0
    assert report.meter_values_sent > 0
    received_meter_values = sum(
        1
        for m in csms.messages
        if m.action == "MeterValues"
        or (m.action == "TransactionEvent" and m.payload["trigger_reason"] == "MeterValuePeriodic")
    )
    assert report.meter_values_sent == received_meter_values
    assert report.boots == sum(1 for m in csms.messages if m.action == "BootNotification")
    assert report.reconnects == sum(csms.connections.values()) - 4
    assert any(e.startswith("FLT001: connected") for e in events)


async def test_a_fleet_ends_its_sessions_when_stopped() -> None:
    passwords = {"STOP001": "pw", "STOP002": "pw"}
    async with running_csms(passwords) as csms:
        config = _fleet_config(
            csms.url,
            stations=2,
            id_prefix="STOP",
            password="pw",
            duration_s=None,
            fault_probability=0.0,
            reconnect_probability=0.0,
            station=StationConfig(idle_s=(0.0, 10.0), stay_s=(36_000.0, 36_000.0)),
        )
        fleet = Fleet(config)

        async def stop_soon() -> None:
            await asyncio.sleep(1.5)
            fleet.stop()

        async with asyncio.timeout(30), asyncio.TaskGroup() as tg:
            tg.create_task(stop_soon())
            running = tg.create_task(fleet.run())
        report = running.result()
        assert csms.open_connections == 0

    # Every car was still charging (they stay 10 h): all sessions ended at the stop.
    assert report.sessions_started == 4
    assert report.sessions_completed == 4
    assert assert_valid_v16_transactions(csms, "STOP001") == 2
    assert assert_valid_v201_transactions(csms, "STOP002") == 2


async def test_a_cancelled_fleet_closes_every_connection() -> None:
    async with running_csms({"CAN001": "pw"}) as csms:
        fleet = Fleet(
            _fleet_config(csms.url, stations=1, id_prefix="CAN", password="pw", duration_s=None)
        )
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.0):
                await fleet.run()
        assert not fleet.stations[0].connected
        await asyncio.sleep(0.1)
        assert csms.open_connections == 0
    assert fleet.report().boots >= 1


def test_a_fleet_names_its_stations_and_alternates_protocols_when_mixed() -> None:
    config = FleetConfig(url="ws://127.0.0.1:1/ocpp", stations=3, protocol="mixed")
    fleet = Fleet(config)
    assert [s.station_id for s in fleet.stations] == ["SIM001", "SIM002", "SIM003"]
    assert [s.protocol for s in fleet.stations] == ["1.6", "2.0.1", "1.6"]
    assert all(len(s.connectors) == 2 for s in fleet.stations)
    assert fleet.stations[0].endpoint == "ws://127.0.0.1:1/ocpp/SIM001"


def test_passwords_can_be_shared_per_station_or_computed() -> None:
    assert password_for("same", "SIM001") == "same"
    assert password_for({"SIM001": "one"}, "SIM001") == "one"
    assert password_for({"SIM001": "one"}, "SIM002") is None
    assert password_for(lambda station_id: station_id.lower(), "SIM003") == "sim003"
    assert password_for(None, "SIM001") is None


def test_a_fleet_config_refuses_an_unknown_protocol() -> None:
    with pytest.raises(ValueError, match="protocol"):
        FleetConfig(url="ws://127.0.0.1:1", stations=1, protocol="1.5")
    with pytest.raises(ValueError, match="probability"):
        FleetConfig(url="ws://127.0.0.1:1", stations=1, protocol="1.6", fault_probability=2.0)
