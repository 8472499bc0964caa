"""Monitoring end to end: real OCPP stations report faults and fall silent, alerts open and
resolve themselves, signed webhooks reach a real HTTP receiver (also after it was down), and
availability comes out exact from a known status history."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from ocpp.v16 import call
from ocpp.v201 import call as call201
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kilowatt.adapters.clock import FixedClock
from kilowatt.services import monitoring
from tests.conftest import RunningServer, free_port, settings_for
from tests.support import (
    TAG,
    eventually,
    register_station,
    register_token,
    station_16,
    station_201,
    stored_rows,
)

SECRET = "webhook-secret-for-tests"
ADMIN = "admin (configured)"  # the name of the API key the test server is started with
DAY = datetime(2025, 6, 1, tzinfo=UTC)


@dataclass
class Delivery:
    headers: dict[str, str]
    body: dict[str, Any]
    signature_ok: bool


@dataclass
class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that checks the signature of what it receives."""

    port: int = field(default_factory=free_port)
    received: list[Delivery] = field(default_factory=list)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/alerts"

    async def _hook(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        timestamp = request.headers["x-kilowatt-timestamp"]
        digest = hmac.new(SECRET.encode(), f"{timestamp}.{raw}".encode(), hashlib.sha256)
        expected = f"sha256={digest.hexdigest()}"
        ok = hmac.compare_digest(expected, request.headers["x-kilowatt-signature"])
        self.received.append(Delivery(dict(request.headers), json.loads(raw), ok))
        return Response(status_code=204 if ok else 401)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/hooks/alerts", self._hook, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError("the webhook receiver did not start")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, 10)

    async def events(self) -> list[str]:
        return [d.body["event"] for d in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hooks = WebhookReceiver()
    try:
        yield hooks
    finally:
        await hooks.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DAY + timedelta(hours=8))


@pytest.fixture
async def monitored(
    database_url: str, receiver: WebhookReceiver, clock: FixedClock
) -> AsyncIterator[RunningServer]:
    """A server on a fixed clock whose alerts go to the receiver; sweeps only when told."""
    settings = settings_for(
        database_url,
        alert_webhook_url=receiver.url,
        alert_webhook_secret=SECRET,
        webhook_poll_interval_s=0.05,
        webhook_retry_base_s=60,
        monitor_interval_s=3600,
        offline_grace_s=600,
        offline_alert_after_s=900,
        meter_values_alert_after_s=1800,
    )
    running = RunningServer(settings, clock)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def api(monitored: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with monitored.client() as client:
        yield client


def _status(connector: int, status: str, at: datetime, error: str = "NoError") -> Any:
    return call.StatusNotification(
        connector_id=connector, error_code=error, status=status, timestamp=at.isoformat()
    )


_BOOT = call.BootNotification(charge_point_vendor="ACME", charge_point_model="AC22")


def location(location_id: str) -> dict[str, str]:
    return {
        "id": location_id,
        "name": "Monitored site",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "postal_code": "1012AB",
        "country": "NLD",
        "latitude": "52.378901",
        "longitude": "4.900272",
        "time_zone": "Europe/Amsterdam",
    }


def _moment(stored: datetime | str) -> datetime:
    """A time read with raw SQL: SQLite gives text (UTC), PostgreSQL an aware datetime."""
    return stored if isinstance(stored, datetime) else datetime.fromisoformat(stored + "+00:00")


async def _alerts(api: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/alerts", params=filters)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_a_fault_opens_an_alert_that_is_signed_acknowledged_and_resolves_itself(
    monitored: RunningServer,
    api: httpx.AsyncClient,
    receiver: WebhookReceiver,
    clock: FixedClock,
) -> None:
    await receiver.start()
    await register_station(api, "CP-MON-1")
    async with station_16(monitored.ocpp_url, "CP-MON-1") as cp:
        await cp.call(_BOOT, suppress=False)
        await cp.call(_status(1, "Faulted", clock.now(), "GroundFailure"), suppress=False)
        await cp.call(_status(1, "Faulted", clock.now(), "GroundFailure"), suppress=False)

        [alert] = await _alerts(api, station_id="CP-MON-1")
        assert alert["kind"] == "connector_faulted"
        assert (alert["subject"], alert["detail"], alert["state"]) == (
            "1/1",
            "GroundFailure",
            "open",
        )
        await eventually(receiver.events, lambda events: len(events) >= 1)
        [opened] = receiver.received
        assert opened.signature_ok
        assert opened.body["event"] == "alert.opened"
        assert opened.body["alert"]["id"] == alert["id"]

        clock.advance(timedelta(minutes=3))
        acked = await api.post(f"/api/v1/alerts/{alert['id']}/acknowledge")
        assert acked.status_code == 200, acked.text
        assert acked.json()["state"] == "acknowledged"
        assert acked.json()["acknowledged_by"] == ADMIN
        assert acked.json()["acknowledged_at"] == "2025-06-01T08:03:00Z"
        again = await api.post(f"/api/v1/alerts/{alert['id']}/acknowledge")
        assert again.status_code == 409

        clock.advance(timedelta(minutes=7))
        await cp.call(_status(1, "Available", clock.now()), suppress=False)

    resolved = (await api.get(f"/api/v1/alerts/{alert['id']}")).json()
    assert (resolved["state"], resolved["resolved_by"]) == ("resolved", "system")
    assert resolved["resolved_at"] == "2025-06-01T08:10:00Z"
    assert await _alerts(api, state="open") == []
    expected = ["alert.opened", "alert.acknowledged", "alert.resolved"]
    assert await eventually(receiver.events, lambda events: len(events) >= 3) == expected
    assert all(delivery.signature_ok for delivery in receiver.received)


async def test_a_webhook_is_retried_with_backoff_across_a_restart_until_it_arrives(
    monitored: RunningServer,
    api: httpx.AsyncClient,
    receiver: WebhookReceiver,
    clock: FixedClock,
    database_url: str,
) -> None:
    await register_station(api, "CP-MON-2")
    async with station_16(monitored.ocpp_url, "CP-MON-2") as cp:
        await cp.call(_BOOT, suppress=False)
        await cp.call(_status(2, "Faulted", clock.now(), "HighTemperature"), suppress=False)

    async def outbox() -> dict[str, Any]:
        [row] = await stored_rows(database_url, "SELECT * FROM webhook_deliveries")
        return row

    first = await eventually(outbox, lambda row: row["attempts"] == 1)
    assert (first["attempts"], first["delivered_at"]) == (1, None)
    assert first["last_error"].startswith("ConnectError")
    assert _moment(first["next_attempt_at"]) == clock.now() + timedelta(seconds=60)

    clock.advance(timedelta(seconds=59))  # not due yet: nothing is tried
    await asyncio.sleep(0.3)
    assert (await outbox())["attempts"] == 1
    clock.advance(timedelta(seconds=1))
    second = await eventually(outbox, lambda row: row["attempts"] == 2)
    assert _moment(second["next_attempt_at"]) == clock.now() + timedelta(seconds=120)  # doubled

    await monitored.restart()  # the outbox is in the database: nothing is lost
    await receiver.start()
    clock.advance(timedelta(seconds=120))
    await eventually(receiver.events, lambda events: len(events) >= 1, timeout_s=5)
    [delivery] = receiver.received
    assert delivery.signature_ok
    assert delivery.body["alert"]["detail"] == "HighTemperature"
    assert delivery.headers["x-kilowatt-delivery"] == first["id"]
    delivered = await eventually(outbox, lambda row: row["delivered_at"] is not None)
    assert (delivered["attempts"], delivered["next_attempt_at"]) == (3, None)
    assert delivered["delivered_at"] is not None


async def test_a_silent_station_goes_offline_after_the_grace_and_comes_back(
    monitored: RunningServer,
    api: httpx.AsyncClient,
    receiver: WebhookReceiver,
    clock: FixedClock,
    database_url: str,
) -> None:
    await receiver.start()
    await register_station(api, "CP-MON-3")
    ctx = monitored.app.ctx
    async with station_16(monitored.ocpp_url, "CP-MON-3") as cp:
        await cp.call(_BOOT, suppress=False)  # heard from at 08:00

        clock.advance(timedelta(minutes=9))
        await monitoring.sweep(ctx, clock.now())
        assert await stored_rows(database_url, "SELECT * FROM station_outages") == []

        clock.advance(timedelta(minutes=2))  # 11 min of silence: offline, no alert yet
        await monitoring.sweep(ctx, clock.now())
        [outage] = await stored_rows(database_url, "SELECT * FROM station_outages")
        assert outage["ended_at"] is None
        assert await _alerts(api, kind="station_offline") == []
        state = (await api.get("/api/v1/stations/CP-MON-3/state")).json()
        assert state["offline_since"] == "2025-06-01T08:00:00Z"

        clock.advance(timedelta(minutes=5))  # 16 min: an alert
        await monitoring.sweep(ctx, clock.now())
        await monitoring.sweep(ctx, clock.now())  # sweeping twice changes nothing
        [alert] = await _alerts(api, kind="station_offline")
        assert (alert["station_id"], alert["state"]) == ("CP-MON-3", "open")

        await cp.call(call.Heartbeat(), suppress=False)
        await monitoring.sweep(ctx, clock.now())

    [alert] = await _alerts(api, kind="station_offline")
    assert (alert["state"], alert["resolved_by"]) == ("resolved", "system")
    [outage] = await stored_rows(database_url, "SELECT * FROM station_outages")
    assert outage["ended_at"] is not None
    assert (await api.get("/api/v1/stations/CP-MON-3/state")).json()["offline_since"] is None
    expected = ["alert.opened", "alert.resolved"]
    assert await eventually(receiver.events, lambda events: len(events) >= 2) == expected


async def test_a_transaction_without_meter_values_raises_an_alert_until_it_meters(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await register_station(api, "CP-MON-4")
    await register_token(api, TAG)
    ctx = monitored.app.ctx
    async with station_16(monitored.ocpp_url, "CP-MON-4") as cp:
        await cp.call(_BOOT, suppress=False)
        start = call.StartTransaction(
            connector_id=1, id_tag=TAG, meter_start=100, timestamp=clock.now().isoformat()
        )
        tx = (await cp.call(start, suppress=False)).transaction_id

        clock.advance(timedelta(minutes=20))
        await monitoring.sweep(ctx, clock.now())
        assert await _alerts(api, kind="meter_values_missing") == []

        clock.advance(timedelta(minutes=11))
        await monitoring.sweep(ctx, clock.now())
        [alert] = await _alerts(api, kind="meter_values_missing")
        assert (alert["subject"], alert["state"]) == (str(tx), "open")

        sample = {"value": "900", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
        reading = [{"timestamp": clock.now().isoformat(), "sampled_value": [sample]}]
        await cp.call(
            call.MeterValues(connector_id=1, transaction_id=tx, meter_value=reading),
            suppress=False,
        )
        await monitoring.sweep(ctx, clock.now())

    [alert] = await _alerts(api, kind="meter_values_missing")
    assert (alert["state"], alert["resolved_by"]) == ("resolved", "system")


async def test_an_operator_resolves_an_alert_and_resolving_twice_conflicts(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await register_station(api, "CP-MON-5")
    async with station_16(monitored.ocpp_url, "CP-MON-5") as cp:
        await cp.call(_BOOT, suppress=False)
        await cp.call(_status(1, "Faulted", clock.now(), "OtherError"), suppress=False)
    [alert] = await _alerts(api, state="open")
    resolved = await api.post(f"/api/v1/alerts/{alert['id']}/resolve")
    assert (resolved.json()["state"], resolved.json()["resolved_by"]) == ("resolved", ADMIN)
    assert (await api.post(f"/api/v1/alerts/{alert['id']}/resolve")).status_code == 409
    assert (await api.post("/api/v1/alerts/nope/acknowledge")).status_code == 404


async def test_availability_of_a_known_day_is_exact(
    monitored: RunningServer,
    api: httpx.AsyncClient,
    clock: FixedClock,
) -> None:
    """24 h: 30 min faulted, 1 h offline, 2 h announced maintenance → 20.5 h / 22 h = 41/44."""
    for location_id in ("AMS-MON", "UTR-MON"):
        created = await api.post("/api/v1/locations", json=location(location_id))
        assert created.status_code == 201, created.text
    await register_station(api, "CP-MON-6", location_id="AMS-MON")
    ctx = monitored.app.ctx
    async with station_16(monitored.ocpp_url, "CP-MON-6") as cp:
        await cp.call(_BOOT, suppress=False)  # heard from at 08:00
        await cp.call(_status(1, "Available", DAY - timedelta(hours=1)), suppress=False)
        await cp.call(_status(1, "Faulted", DAY + timedelta(hours=6)), suppress=False)
        await cp.call(_status(1, "Available", DAY + timedelta(hours=6.5)), suppress=False)
        clock.advance(timedelta(minutes=15))
        await monitoring.sweep(ctx, clock.now())  # offline since 08:00
        clock.advance(timedelta(minutes=45))
        await cp.call(call.Heartbeat(), suppress=False)  # back at 09:00
        await monitoring.sweep(ctx, clock.now())
    maintenance = {
        "station_id": "CP-MON-6",
        "starts_at": "2025-06-01T20:00:00Z",
        "ends_at": "2025-06-01T22:00:00+00:00",
        "reason": "replace the cable",
    }
    created = await api.post("/api/v1/maintenance-windows", json=maintenance)
    assert created.status_code == 201, created.text
    assert created.json()["created_by"] == ADMIN
    clock.advance(timedelta(hours=20))

    day = {"from": "2025-06-01T00:00:00Z", "to": "2025-06-02T00:00:00Z"}
    response = await api.get("/api/v1/availability", params=day | {"station_id": "CP-MON-6"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["uptime_percent"] == "93.182"
    assert (body["seconds_up"], body["seconds_down"], body["seconds_excluded"]) == (
        73800,
        5400,
        7200,
    )
    assert [(e["station_id"], e["evse_id"]) for e in body["evses"]] == [("CP-MON-6", 1)]

    fleet = (await api.get("/api/v1/availability", params=day)).json()
    assert fleet["uptime_percent"] == "93.182"
    site = (await api.get("/api/v1/availability", params=day | {"location_id": "AMS-MON"})).json()
    assert (site["uptime_percent"], site["seconds_up"]) == ("93.182", 73800)
    other = await api.get("/api/v1/availability", params=day | {"location_id": "UTR-MON"})
    assert (other.json()["uptime_percent"], other.json()["evses"]) == (None, [])
    evse = await api.get("/api/v1/availability", params=day | {"evse_id": "1"})
    assert evse.status_code == 422  # an EVSE is named with its station
    backwards = {"from": day["to"], "to": day["from"]}
    assert (await api.get("/api/v1/availability", params=backwards)).status_code == 422
    windows = await api.get("/api/v1/maintenance-windows", params=day)
    assert [w["reason"] for w in windows.json()] == ["replace the cable"]
    deleted = await api.delete(f"/api/v1/maintenance-windows/{created.json()['id']}")
    assert deleted.status_code == 204
    without = await api.get("/api/v1/availability", params=day | {"station_id": "CP-MON-6"})
    assert without.json()["seconds_down"] == 5400
    assert without.json()["seconds_up"] == 73800 + 7200


async def test_the_message_log_filters_by_direction_error_and_time(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await register_station(api, "CP-MON-7")
    async with station_16(monitored.ocpp_url, "CP-MON-7") as cp:
        await cp.call(_BOOT, suppress=False)
        clock.advance(timedelta(minutes=1))
        await cp.call(call.Heartbeat(), suppress=False)

    url = "/api/v1/stations/CP-MON-7/messages"

    async def actions(**params: str) -> list[str]:
        response = await api.get(url, params=params)
        assert response.status_code == 200, response.text
        return [m["action"] for m in response.json()]

    await eventually(actions, lambda found: len(found) == 2)
    assert await actions(direction="in") == ["Heartbeat", "BootNotification"]
    assert await actions(direction="out") == []
    assert await actions(errors_only="true") == []
    assert await actions(since="2025-06-01T08:00:30Z") == ["Heartbeat"]
    assert await actions(until="2025-06-01T08:00:30Z") == ["BootNotification"]
    assert (await api.get(url, params={"since": "2025-06-01T08:00:30"})).status_code == 422

    pruned = await monitored.app.store.prune(DAY + timedelta(hours=8, seconds=30))
    assert pruned == 1
    assert await actions() == ["Heartbeat"]


async def test_a_ticket_from_an_alert_is_assigned_commented_and_resolved(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await register_station(api, "CP-MON-8")
    async with station_16(monitored.ocpp_url, "CP-MON-8") as cp:
        await cp.call(_BOOT, suppress=False)
        await cp.call(_status(1, "Faulted", clock.now(), "ConnectorLockFailure"), suppress=False)
    [alert] = await _alerts(api, station_id="CP-MON-8")

    draft = {"station_id": "CP-MON-8", "title": "Lock stuck", "alert_id": alert["id"]}
    created = await api.post("/api/v1/tickets", json=draft | {"comment": "seen by the driver"})
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert (ticket["state"], ticket["created_by"], ticket["assignee"]) == ("open", ADMIN, None)
    assert [c["body"] for c in ticket["comments"]] == ["seen by the driver"]
    url = f"/api/v1/tickets/{ticket['id']}"

    clock.advance(timedelta(minutes=5))
    assigned = await api.patch(url, json={"assignee": "tech-7", "state": "in_progress"})
    assert (assigned.json()["assignee"], assigned.json()["state"]) == ("tech-7", "in_progress")
    comment = await api.post(f"{url}/comments", json={"body": "replaced the actuator"})
    assert comment.status_code == 201, comment.text
    clock.advance(timedelta(minutes=30))
    resolved = await api.patch(url, json={"state": "resolved"})
    assert resolved.json()["resolved_by"] == ADMIN
    assert resolved.json()["resolved_at"] == "2025-06-01T08:35:00Z"

    stored = (await api.get(url)).json()
    assert stored["state"] == "resolved"
    assert [(c["author"], c["body"]) for c in stored["comments"]] == [
        (ADMIN, "seen by the driver"),
        (ADMIN, "replaced the actuator"),
    ]
    assert (await api.patch(url, json={"assignee": "tech-9"})).status_code == 409
    assert (await api.patch(url, json={"state": None})).status_code == 422
    listed = await api.get("/api/v1/tickets", params={"state": "resolved", "assignee": "tech-7"})
    assert [t["id"] for t in listed.json()] == [ticket["id"]]
    assert (await api.get("/api/v1/tickets", params={"state": "open"})).json() == []
    missing = await api.post("/api/v1/tickets", json=draft | {"station_id": "CP-NOPE"})
    assert missing.status_code == 404


async def test_a_refused_boot_and_a_failed_firmware_update_open_alerts_until_fixed(
    monitored: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-MON-9", registration_status="Rejected")
    async with station_16(monitored.ocpp_url, "CP-MON-9") as cp:
        assert (await cp.call(_BOOT, suppress=False)).status == "Rejected"
        [refused] = await _alerts(api, kind="boot_rejected", state="open")
        assert refused["station_id"] == "CP-MON-9"

        patched = await api.patch(
            "/api/v1/stations/CP-MON-9", json={"registration_status": "Accepted"}
        )
        assert patched.status_code == 200, patched.text
        assert (await cp.call(_BOOT, suppress=False)).status == "Accepted"
        assert await _alerts(api, kind="boot_rejected", state="open") == []

        failed = call.FirmwareStatusNotification(status="InstallationFailed")
        await cp.call(failed, suppress=False)
        [firmware] = await _alerts(api, kind="firmware_update_failed")
        assert (firmware["detail"], firmware["state"]) == ("InstallationFailed", "open")
        await cp.call(call.FirmwareStatusNotification(status="Installed"), suppress=False)

    [firmware] = await _alerts(api, kind="firmware_update_failed")
    assert (firmware["state"], firmware["resolved_by"]) == ("resolved", "system")


def _problem(event_id: int, value: str, **component: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "timestamp": "2025-06-01T08:00:00Z",
        "trigger": "Alerting",
        "actual_value": value,
        "tech_code": "FAN-STALL",
        "event_notification_type": "HardWiredNotification",
        "component": component,
        "variable": {"name": "Problem"},
    }


async def test_a_201_notify_event_problem_opens_an_alert_and_its_clearing_resolves_it(
    monitored: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-MON-10")
    fan = {"name": "FanCtrlr", "evse": {"id": 1}}
    async with station_201(monitored.ocpp_url, "CP-MON-10") as cp:
        raised = call201.NotifyEvent(
            generated_at="2025-06-01T08:00:00Z", seq_no=0, event_data=[_problem(1, "true", **fan)]
        )
        await cp.call(raised, suppress=False)
        [alert] = await _alerts(api, kind="component_problem")
        assert (alert["subject"], alert["detail"]) == ("FanCtrlr@1/0", "FAN-STALL")

        cleared = call201.NotifyEvent(
            generated_at="2025-06-01T08:05:00Z", seq_no=1, event_data=[_problem(2, "false", **fan)]
        )
        await cp.call(cleared, suppress=False)

    [alert] = await _alerts(api, kind="component_problem")
    assert (alert["state"], alert["resolved_by"]) == ("resolved", "system")


async def test_the_monitor_sweeps_and_prunes_on_its_own(
    database_url: str, clock: FixedClock
) -> None:
    settings = settings_for(database_url, monitor_interval_s=0.05, message_retention_days=1)
    running = RunningServer(settings, clock)
    await running.start()
    try:
        async with running.client() as api:
            await register_station(api, "CP-MON-11")
            async with station_16(running.ocpp_url, "CP-MON-11") as cp:
                await cp.call(_BOOT, suppress=False)

            async def messages() -> list[dict[str, Any]]:
                found: list[dict[str, Any]] = (
                    await api.get("/api/v1/stations/CP-MON-11/messages")
                ).json()
                return found

            assert len(await eventually(messages, lambda found: len(found) == 1)) == 1
            clock.advance(timedelta(days=1, minutes=1))
            opened = await eventually(lambda: _alerts(api, kind="station_offline"), bool)
            assert [a["station_id"] for a in opened] == ["CP-MON-11"]
            assert await eventually(messages, lambda found: not found) == []
    finally:
        await running.stop()
