"""Alerts end to end: real OCPP stations report faults, refused boots, failed firmware and
fall silent; alerts open, are acknowledged and resolve themselves; signed webhooks reach a
real HTTP receiver, also after it was down and the server restarted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201

from kilowatt.adapters.clock import FixedClock
from kilowatt.services import monitoring
from tests.conftest import RunningServer, settings_for
from tests.monitoring_support import (
    ADMIN,
    BOOT,
    DAY,
    WebhookReceiver,
    list_alerts,
    moment,
    status,
)
from tests.support import (
    TAG,
    eventually,
    register_station,
    register_token,
    station_16,
    station_201,
    stored_rows,
)


@pytest.fixture
async def api(monitored: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """The API of the monitored server (tests/e2e/conftest.py), not the plain one."""
    async with monitored.client() as client:
        yield client


async def test_a_fault_opens_an_alert_that_is_signed_acknowledged_and_resolves_itself(
    monitored: RunningServer,
    api: httpx.AsyncClient,
    receiver: WebhookReceiver,
    clock: FixedClock,
) -> None:
    await receiver.start()
    await register_station(api, "CP-MON-1")
    async with station_16(monitored.ocpp_url, "CP-MON-1") as cp:
        await cp.call(BOOT, suppress=False)
        await cp.call(status(1, "Faulted", clock.now(), "GroundFailure"), suppress=False)
        await cp.call(status(1, "Faulted", clock.now(), "GroundFailure"), suppress=False)

        [alert] = await list_alerts(api, station_id="CP-MON-1")
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
        await cp.call(status(1, "Available", clock.now()), suppress=False)

    resolved = (await api.get(f"/api/v1/alerts/{alert['id']}")).json()
    assert (resolved["state"], resolved["resolved_by"]) == ("resolved", "system")
    assert resolved["resolved_at"] == "2025-06-01T08:10:00Z"
    assert await list_alerts(api, state="open") == []
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
        await cp.call(BOOT, suppress=False)
        await cp.call(status(2, "Faulted", clock.now(), "HighTemperature"), suppress=False)

    async def outbox() -> dict[str, Any]:
        [row] = await stored_rows(database_url, "SELECT * FROM webhook_deliveries")
        return row

    first = await eventually(outbox, lambda row: row["attempts"] == 1)
    assert (first["attempts"], first["delivered_at"]) == (1, None)
    assert first["last_error"].startswith("ConnectError")
    assert moment(first["next_attempt_at"]) == clock.now() + timedelta(seconds=60)

    clock.advance(timedelta(seconds=59))  # not due yet: nothing is tried
    await asyncio.sleep(0.3)
    assert (await outbox())["attempts"] == 1
    clock.advance(timedelta(seconds=1))
    second = await eventually(outbox, lambda row: row["attempts"] == 2)
    assert moment(second["next_attempt_at"]) == clock.now() + timedelta(seconds=120)  # doubled

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
        await cp.call(BOOT, suppress=False)  # heard from at 08:00

        clock.advance(timedelta(minutes=9))
        await monitoring.sweep(ctx, clock.now())
        assert await stored_rows(database_url, "SELECT * FROM station_outages") == []

        clock.advance(timedelta(minutes=2))  # 11 min of silence: offline, no alert yet
        await monitoring.sweep(ctx, clock.now())
        [outage] = await stored_rows(database_url, "SELECT * FROM station_outages")
        assert outage["ended_at"] is None
        assert await list_alerts(api, kind="station_offline") == []
        state = (await api.get("/api/v1/stations/CP-MON-3/state")).json()
        assert state["offline_since"] == "2025-06-01T08:00:00Z"

        clock.advance(timedelta(minutes=5))  # 16 min: an alert
        await monitoring.sweep(ctx, clock.now())
        await monitoring.sweep(ctx, clock.now())  # sweeping twice changes nothing
        [alert] = await list_alerts(api, kind="station_offline")
        assert (alert["station_id"], alert["state"]) == ("CP-MON-3", "open")
        assert alert["detail"] == "silent since 2025-06-01T08:00:00Z"

        await cp.call(call.Heartbeat(), suppress=False)
        await monitoring.sweep(ctx, clock.now())

    [alert] = await list_alerts(api, kind="station_offline")
    assert (alert["state"], alert["resolved_by"]) == ("resolved", "system")
    [outage] = await stored_rows(database_url, "SELECT * FROM station_outages")
    assert outage["ended_at"] is not None
    assert (await api.get("/api/v1/stations/CP-MON-3/state")).json()["offline_since"] is None
    expected = ["alert.opened", "alert.resolved"]
    assert await eventually(receiver.events, lambda events: len(events) >= 2) == expected


async def test_a_station_that_talks_without_heartbeats_is_not_offline(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock, database_url: str
) -> None:
    await register_station(api, "CP-MON-12")
    ctx = monitored.app.ctx
    async with station_16(monitored.ocpp_url, "CP-MON-12") as cp:
        await cp.call(BOOT, suppress=False)  # 08:00
        for _ in range(3):  # a status every 9 minutes, never a heartbeat
            clock.advance(timedelta(minutes=9))
            await cp.call(status(1, "Charging", clock.now()), suppress=False)
        await eventually(
            lambda: stored_rows(database_url, "SELECT id FROM ocpp_messages"),
            lambda rows: len(rows) == 4,
        )
        clock.advance(timedelta(minutes=9))  # 36 min after the boot, 9 after the last status
        await monitoring.sweep(ctx, clock.now())
        assert await stored_rows(database_url, "SELECT * FROM station_outages") == []

        clock.advance(timedelta(minutes=7))  # now 16 min of silence
        await monitoring.sweep(ctx, clock.now())
    [outage] = await stored_rows(database_url, "SELECT * FROM station_outages")
    assert moment(outage["started_at"]) == DAY + timedelta(hours=8, minutes=27)
    [alert] = await list_alerts(api, kind="station_offline")
    assert alert["station_id"] == "CP-MON-12"


async def test_a_transaction_without_meter_values_raises_an_alert_until_it_meters(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await register_station(api, "CP-MON-4")
    await register_token(api, TAG)
    ctx = monitored.app.ctx
    async with station_16(monitored.ocpp_url, "CP-MON-4") as cp:
        await cp.call(BOOT, suppress=False)
        start = call.StartTransaction(
            connector_id=1, id_tag=TAG, meter_start=100, timestamp=clock.now().isoformat()
        )
        tx = (await cp.call(start, suppress=False)).transaction_id

        clock.advance(timedelta(minutes=20))
        await monitoring.sweep(ctx, clock.now())
        assert await list_alerts(api, kind="meter_values_missing") == []

        clock.advance(timedelta(minutes=11))
        await monitoring.sweep(ctx, clock.now())
        [alert] = await list_alerts(api, kind="meter_values_missing")
        assert (alert["subject"], alert["state"]) == (str(tx), "open")

        sample = {"value": "900", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
        reading = [{"timestamp": clock.now().isoformat(), "sampled_value": [sample]}]
        await cp.call(
            call.MeterValues(connector_id=1, transaction_id=tx, meter_value=reading),
            suppress=False,
        )
        await monitoring.sweep(ctx, clock.now())

    [alert] = await list_alerts(api, kind="meter_values_missing")
    assert (alert["state"], alert["resolved_by"]) == ("resolved", "system")


async def test_an_operator_resolves_an_alert_and_resolving_twice_conflicts(
    monitored: RunningServer, api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await register_station(api, "CP-MON-5")
    async with station_16(monitored.ocpp_url, "CP-MON-5") as cp:
        await cp.call(BOOT, suppress=False)
        await cp.call(status(1, "Faulted", clock.now(), "OtherError"), suppress=False)
    [alert] = await list_alerts(api, state="open")
    resolved = await api.post(f"/api/v1/alerts/{alert['id']}/resolve")
    assert (resolved.json()["state"], resolved.json()["resolved_by"]) == ("resolved", ADMIN)
    assert (await api.post(f"/api/v1/alerts/{alert['id']}/resolve")).status_code == 409
    assert (await api.post("/api/v1/alerts/nope/acknowledge")).status_code == 404


async def test_a_refused_boot_and_a_failed_firmware_update_open_alerts_until_fixed(
    monitored: RunningServer, api: httpx.AsyncClient
) -> None:
    await register_station(api, "CP-MON-9", registration_status="Rejected")
    async with station_16(monitored.ocpp_url, "CP-MON-9") as cp:
        assert (await cp.call(BOOT, suppress=False)).status == "Rejected"
        [refused] = await list_alerts(api, kind="boot_rejected", state="open")
        assert refused["station_id"] == "CP-MON-9"

        patched = await api.patch(
            "/api/v1/stations/CP-MON-9", json={"registration_status": "Accepted"}
        )
        assert patched.status_code == 200, patched.text
        assert (await cp.call(BOOT, suppress=False)).status == "Accepted"
        assert await list_alerts(api, kind="boot_rejected", state="open") == []

        failed = call.FirmwareStatusNotification(status="InstallationFailed")
        await cp.call(failed, suppress=False)
        [firmware] = await list_alerts(api, kind="firmware_update_failed")
        assert (firmware["detail"], firmware["state"]) == ("InstallationFailed", "open")
        await cp.call(call.FirmwareStatusNotification(status="Installed"), suppress=False)

    [firmware] = await list_alerts(api, kind="firmware_update_failed")
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
        [alert] = await list_alerts(api, kind="component_problem")
        assert (alert["subject"], alert["detail"]) == ("FanCtrlr@1/0", "FAN-STALL")

        cleared = call201.NotifyEvent(
            generated_at="2025-06-01T08:05:00Z", seq_no=1, event_data=[_problem(2, "false", **fan)]
        )
        await cp.call(cleared, suppress=False)

    [alert] = await list_alerts(api, kind="component_problem")
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
                await cp.call(BOOT, suppress=False)

            async def messages() -> list[dict[str, Any]]:
                found: list[dict[str, Any]] = (
                    await api.get("/api/v1/stations/CP-MON-11/messages")
                ).json()
                return found

            assert len(await eventually(messages, lambda found: len(found) == 1)) == 1
            clock.advance(timedelta(days=1, minutes=1))
            opened = await eventually(lambda: list_alerts(api, kind="station_offline"), bool)
            assert [a["station_id"] for a in opened] == ["CP-MON-11"]
            assert await eventually(messages, lambda found: not found) == []
    finally:
        await running.stop()
