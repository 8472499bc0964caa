"""The CPO Sender modules over real HTTP: a registered partner pulls our locations (EVSE status
from the station's StatusNotification), tariffs, sessions and CDRs, page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import RunningServer
from tests.e2e.ocpi.support import ocpi_data, partner_server, register_partner, token_header
from tests.e2e.test_api_cdrs import charge_16
from tests.e2e.test_api_locations import location
from tests.e2e.test_api_tariffs import priced_site
from tests.support import TAG, eventually, now_iso, station_16

CPO = "/ocpi/cpo/2.2.1"


@pytest.fixture
async def ocpi(server: RunningServer, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An OCPI client holding a registered partner's token C."""
    async with partner_server(tmp_path) as partner:
        token = await register_partner(server, partner)
    async with httpx.AsyncClient(
        base_url=server.base_url + CPO, headers=token_header(token), timeout=10
    ) as client:
        yield client


def status(state: str) -> call.StatusNotification:
    return call.StatusNotification(
        connector_id=1, error_code="NoError", status=state, timestamp=now_iso()
    )


async def test_locations_show_evse_status_from_the_station_and_page_with_links(
    server: RunningServer, api: httpx.AsyncClient, ocpi: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-O1")
    assert (await api.post("/api/v1/locations", json=location("UTR-1"))).status_code == 201
    hidden = location("HID-1", publish=False)
    assert (await api.post("/api/v1/locations", json=hidden)).status_code == 201

    first = await ocpi.get("/locations", params={"limit": 1})
    assert first.headers["X-Total-Count"] == "2"  # the unpublished one is not shown
    assert first.headers["X-Limit"] == "1"
    (ams,) = ocpi_data(first)
    assert (ams["id"], ams["country_code"], ams["party_id"]) == ("AMS-1", "NL", "KWT")
    assert ams["coordinates"] == {"latitude": "52.378901", "longitude": "4.900272"}
    (evse,) = ams["evses"]
    assert (evse["evse_id"], evse["status"]) == ("NL*KWT*E0001*1", "UNKNOWN")
    assert evse["connectors"][0]["tariff_ids"] == ["AC-STD", "AC-SUB"]
    link = first.headers["Link"]
    assert link.endswith('>; rel="next"') and "offset=1" in link
    second = await ocpi.get(link[1 : link.index(">")])
    assert [loc["id"] for loc in ocpi_data(second)] == ["UTR-1"]
    assert "Link" not in second.headers

    async with station_16(server.ocpp_url, "CP-O1") as cp:
        await cp.call(status("Available"), suppress=False)
        one = ocpi_data(await ocpi.get(f"/locations/AMS-1/{evse['uid']}"))
        assert one["status"] == "AVAILABLE"
        await cp.call(status("Charging"), suppress=False)
        connector = ocpi_data(await ocpi.get(f"/locations/AMS-1/{evse['uid']}/1"))
        assert connector["standard"] == "IEC_62196_T2"
        assert ocpi_data(await ocpi.get("/locations/AMS-1"))["evses"][0]["status"] == "CHARGING"

    async def evse_status() -> str:
        found = ocpi_data(await ocpi.get("/locations/AMS-1"))
        return str(found["evses"][0]["status"])

    assert await eventually(evse_status, lambda s: s == "UNKNOWN") == "UNKNOWN"  # offline


@pytest.mark.parametrize(
    "path",
    ["/locations/NOPE", "/locations/AMS-1/no-such-evse", "/locations/AMS-1/{uid}/9"],
)
async def test_unknown_locations_evses_and_connectors_are_2003(
    api: httpx.AsyncClient, ocpi: httpx.AsyncClient, path: str
) -> None:
    await priced_site(api, "CP-O2")
    uid = ocpi_data(await ocpi.get("/locations/AMS-1"))["evses"][0]["uid"]
    response = await ocpi.get(path.format(uid=uid))
    assert (response.status_code, response.json()["status_code"]) == (404, 2003)


async def test_tariffs_sessions_and_cdrs_are_listed_and_filtered_on_last_updated(
    server: RunningServer, api: httpx.AsyncClient, ocpi: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-O3")
    tariffs = ocpi_data(await ocpi.get("/tariffs"))
    assert sorted(t["id"] for t in tariffs) == ["AC-STD", "AC-SUB"]
    async with station_16(server.ocpp_url, "CP-O3") as cp:
        await charge_16(cp, TAG, 10)

    async def cdrs() -> list[dict[str, object]]:
        found: list[dict[str, object]] = ocpi_data(await ocpi.get("/cdrs"))
        return found

    await eventually(cdrs, lambda found: len(found) == 1)
    (session,) = ocpi_data(await ocpi.get("/sessions"))
    assert (session["status"], session["kwh"], session["location_id"]) == ("COMPLETED", 10, "AMS-1")
    (cdr,) = ocpi_data(await ocpi.get("/cdrs"))
    assert cdr["session_id"] == session["id"]
    assert cdr["total_energy"] == 10
    later = {"date_from": "2099-01-01T00:00:00Z"}
    for module in ("/tariffs", "/sessions", "/cdrs"):
        empty = await ocpi.get(module, params=later)
        assert ocpi_data(empty) == [] and empty.headers["X-Total-Count"] == "0", module
    before = {"date_to": cdr["last_updated"]}
    assert ocpi_data(await ocpi.get("/cdrs", params=before)) == []
    bad = await ocpi.get("/cdrs", params={"date_from": "yesterday"})
    assert (bad.status_code, bad.json()["status_code"]) == (400, 2001)


async def test_an_invitation_token_cannot_pull_modules(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    token_a = (await api.post("/api/v1/ocpi/invitations")).json()["token"]
    async with httpx.AsyncClient(base_url=server.base_url + CPO, timeout=10) as client:
        response = await client.get("/locations", headers=token_header(token_a))
    assert (response.status_code, response.json()["status_code"]) == (401, 2000)
