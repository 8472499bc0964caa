"""The driver app of one Kilowatt (the eMSP) finds and charges at another's (a partner CPO)
locations: the app's locations data holds the partner's location with its EVSE status as
pushed and the price of its tariff; a start with what that data names reaches the CPO's
station, stop works, another driver sees nothing of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import RunningServer
from tests.driver_support import signed_up
from tests.e2e.ocpi.support import roaming_pair
from tests.e2e.ocpi.test_driver_roaming import finished
from tests.e2e.ocpi.test_ocpi_commands import station
from tests.e2e.test_api_tariffs import priced_site
from tests.support import eventually, now_iso

ROAMING = "/api/v1/driver/roaming"


async def partner_location(app: httpx.AsyncClient) -> dict[str, Any]:
    answer = await app.get("/app/api/locations")
    assert answer.status_code == 200, answer.text
    (found,) = [loc for loc in answer.json() if loc.get("partner")]
    return found  # type: ignore[no-any-return]


async def status_notification(cp: Any, status: str) -> None:
    await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status=status),
        suppress=False,
    )


async def test_the_app_shows_a_partner_location_live_with_its_price_and_starts_there(
    fast_server: RunningServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with fast_server.client() as cpo_api:
        await priced_site(cpo_api, "CP-A1")
    async with roaming_pair(fast_server, tmp_path) as pair:
        async with pair.emsp.client() as operator:
            synced = await operator.post(
                f"/api/v1/ocpi/partners/{pair.partner_id}/sync", json={"modules": ["tariffs"]}
            )
            assert synced.status_code == 200, synced.text
        ada = await signed_up(pair.emsp, caplog, "ada@example.com")
        bob = await signed_up(pair.emsp, caplog, "bob@example.com")
        async with (
            ada.client(pair.emsp) as driver,
            bob.client(pair.emsp) as other,
            station(fast_server, "CP-A1") as cp,
        ):
            found = await partner_location(driver)
            assert found["partner"]["partner_id"] == pair.partner_id
            assert found["partner"]["location_id"] == "AMS-1"
            (evse,) = found["evses"]
            assert evse["uid"] == pair.evse_uid
            assert (evse["connector_standards"], evse["max_power_w"]) == (["IEC_62196_T2"], 22080)
            assert (found["opening_hours"], found["partner"]["party_id"]) == ("24/7", "KWT")
            assert evse["prices"]["per_kwh"]["excl_vat"] == "0.3000"  # AC-STD, as received
            assert evse["prices"]["per_session"]["excl_vat"] == "0.5000"
            alone = await driver.get(f"/app/api/locations/{found['id']}")
            assert alone.status_code == 200 and alone.json()["evses"][0]["uid"] == evse["uid"]

            await status_notification(cp, "Available")

            async def evse_status() -> str:
                status: str = (await partner_location(driver))["evses"][0]["status"]
                return status

            await eventually(evse_status, lambda s: s == "AVAILABLE", timeout_s=10)
            await status_notification(cp, "Charging")
            await eventually(evse_status, lambda s: s == "CHARGING", timeout_s=10)

            where = {
                "partner_id": found["partner"]["partner_id"],
                "location_id": found["partner"]["location_id"],
                "evse_uid": evse["uid"],
            }
            begun = await driver.post(f"{ROAMING}/sessions", json=where)
            assert begun.status_code == 202, begun.text
            assert (await finished(driver, begun.json()["id"]))["result"] == "ACCEPTED"
            assert [name for name, _ in cp.received] == ["RemoteStartTransaction"]
            app_uid = cp.received[0][1]["id_tag"]
            started = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag=app_uid, meter_start=0, timestamp=now_iso()
                ),
                suppress=False,
            )

            async def sessions() -> list[Any]:
                listed: list[Any] = (await driver.get(f"{ROAMING}/sessions")).json()
                return listed

            (session,) = await eventually(sessions, bool, timeout_s=10)
            session_id = session["object"]["id"]
            assert (await other.get(f"{ROAMING}/sessions/{session_id}")).status_code == 404
            stop = await driver.post(f"{ROAMING}/sessions/{session_id}/stop")
            assert stop.status_code == 202, stop.text
            assert (await finished(driver, stop.json()["id"]))["result"] == "ACCEPTED"
            assert cp.received[-1] == (
                "RemoteStopTransaction",
                {"transaction_id": started.transaction_id},
            )


async def test_the_finder_filter_applies_to_partner_locations(
    fast_server: RunningServer, tmp_path: Path
) -> None:
    async with fast_server.client() as cpo_api:
        await priced_site(cpo_api, "CP-A2")
    async with roaming_pair(fast_server, tmp_path) as pair, pair.emsp.client(None) as visitor:
        listed = (await visitor.get("/app/api/locations")).json()
        assert [loc["partner"]["party_id"] for loc in listed if loc.get("partner")] != []
        none = (await visitor.get("/app/api/locations", params={"connector": "CHADEMO"})).json()
        assert [loc for loc in none if loc.get("partner")] == []
        unknown = await visitor.get("/app/api/locations/NL:XYZ:NOPE")
        assert unknown.status_code == 404
