"""eMSP Receivers over real HTTP: a partner CPO pushes Locations (whole, EVSE, connector),
Sessions, CDRs and Tariffs; we keep them per partner, answer bad input with the right OCPI
status (never a 500), write nothing half, and a repeated PUT changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kilowatt.domain.roaming_objects import ObjectKey, ReceivedModule
from tests.conftest import RunningServer
from tests.e2e.ocpi.objects import CONNECTOR, EMSP, LOCATION, cdr, example, session
from tests.e2e.ocpi.support import ocpi_data, ocpi_error, token_header


async def stored(server: RunningServer, module: ReceivedModule, id_: str) -> Any:
    assert server.app.sender is not None
    found = await server.app.sender.received.get(module, ObjectKey("DE", "CPO", id_))
    return found


async def test_a_location_is_kept_as_sent_and_patched_at_evse_and_connector_level(
    fast_server: RunningServer, cpo: httpx.AsyncClient
) -> None:
    location = example("location_example.json")
    ocpi_data(await cpo.put(LOCATION, json=location))
    assert ocpi_data(await cpo.get(LOCATION)) == location
    first = await stored(fast_server, ReceivedModule.LOCATIONS, "LOC1")
    ocpi_data(await cpo.put(LOCATION, json=location))  # the same PUT again changes nothing
    assert await stored(fast_server, ReceivedModule.LOCATIONS, "LOC1") == first

    status = {"status": "CHARGING", "last_updated": "2026-11-01T10:00:00Z"}
    ocpi_data(await cpo.patch(f"{LOCATION}/3256", json=status))
    evse = ocpi_data(await cpo.get(f"{LOCATION}/3256"))
    assert (evse["status"], evse["uid"]) == ("CHARGING", "3256")
    assert ocpi_data(await cpo.get(LOCATION))["last_updated"] == "2026-11-01T10:00:00Z"

    tariff = {"tariff_ids": ["T2"], "last_updated": "2026-11-01T10:05:00Z"}
    ocpi_data(await cpo.patch(f"{LOCATION}/3256/1", json=tariff))
    connector = ocpi_data(await cpo.get(f"{LOCATION}/3256/1"))
    assert connector["tariff_ids"] == ["T2"] and connector["standard"] == "IEC_62196_T2"
    evse = ocpi_data(await cpo.get(f"{LOCATION}/3256"))
    assert evse["last_updated"] == "2026-11-01T10:05:00Z"

    new_evse = {
        "uid": "9999",
        "status": "AVAILABLE",
        "connectors": [CONNECTOR],
        "last_updated": "2026-11-01T10:10:00Z",
    }
    ocpi_data(await cpo.put(f"{LOCATION}/9999", json=new_evse))
    new_connector = CONNECTOR | {"id": "2", "last_updated": "2026-11-01T10:15:00Z"}
    ocpi_data(await cpo.put(f"{LOCATION}/9999/2", json=new_connector))
    whole = ocpi_data(await cpo.get(LOCATION))
    uids = [e["uid"] for e in whole["evses"]]
    assert "3256" in uids and "9999" in uids
    added = next(e for e in whole["evses"] if e["uid"] == "9999")
    assert [c["id"] for c in added["connectors"]] == ["1", "2"]
    assert whole["last_updated"] == "2026-11-01T10:15:00Z"
    ocpi_data(
        await cpo.patch(LOCATION, json={"name": "Renamed", "last_updated": "2026-11-02T00:00:00Z"})
    )
    assert ocpi_data(await cpo.get(LOCATION))["name"] == "Renamed"


@pytest.mark.parametrize(
    ("method", "path", "body", "http_status", "status_code"),
    [
        ("PUT", "/locations/NL/KWT/LOC1", "location", 403, 2000),  # not the caller's party
        ("PUT", "/locations/DE/CPO/OTHER", "location", 400, 2001),  # id differs from the URL
        ("PUT", "/locations/DE/CPO/LOC1", {"id": "LOC1"}, 400, 2001),  # fields missing
        ("PUT", "/locations/DE/CPO/LOC1", "bad coordinates", 400, 2001),
        ("PUT", "/locations/DE/CPO/LOC1", [1, 2], 400, 2001),  # not an object
        ("PUT", "/locations/DE/CPO/LOC1", "not json", 400, 2001),
        ("PATCH", "/locations/DE/CPO/LOC1", {"status": "X"}, 400, 2001),  # no last_updated
        ("PATCH", "/locations/DE/CPO/NOPE", {"last_updated": "2026-11-01T00:00:00Z"}, 404, 2003),
        (
            "PATCH",
            "/locations/DE/CPO/LOC1/NOPE",
            {"last_updated": "2026-11-01T00:00:00Z"},
            404,
            2003,
        ),
        ("PUT", "/locations/DE/CPO/LOC1/3256", {"uid": "3256"}, 400, 2001),  # EVSE without status
        ("GET", "/locations/DE/CPO/LOC1/3256/9", None, 404, 2003),
        ("PUT", "/sessions/DE/CPO/SES1", {"id": "SES1"}, 400, 2001),
        ("PUT", "/sessions/DE/CPO/SES1", "session with a bad status", 400, 2001),
        ("PATCH", "/sessions/DE/CPO/NOPE", {"last_updated": "2026-11-01T00:00:00Z"}, 404, 2000),
        ("POST", "/cdrs", {"country_code": "DE", "party_id": "CPO", "id": "C"}, 400, 2001),
        ("POST", "/cdrs", "cdr of another party", 403, 2000),
        ("PUT", "/tariffs/DE/CPO/T1", {"id": "T1", "currency": "EUR", "elements": []}, 400, 2001),
        ("DELETE", "/tariffs/DE/CPO/NOPE", None, 404, 2000),
        ("PUT", "/locations/DE/CPO/" + "X" * 40, "location", 400, 2001),  # id too long
    ],
)
async def test_bad_pushes_get_an_ocpi_error_and_change_nothing(
    fast_server: RunningServer,
    cpo: httpx.AsyncClient,
    method: str,
    path: str,
    body: Any,
    http_status: int,
    status_code: int,
) -> None:
    location = example("location_example.json")
    ocpi_data(await cpo.put(LOCATION, json=location))
    bodies: dict[str, Any] = {
        "location": location,
        "bad coordinates": location | {"coordinates": {"latitude": "north"}},
        "session with a bad status": session(status="SOMETIMES"),
        "cdr of another party": cdr(party_id="KWT", country_code="NL"),
    }
    body = bodies.get(body, body) if isinstance(body, str) else body
    if body == "not json":
        response = await cpo.request(method, EMSP + path, content=b"{not json")
    else:
        response = await cpo.request(method, EMSP + path, json=body)
    ocpi_error(response, http_status, status_code)
    assert ocpi_data(await cpo.get(LOCATION)) == location


async def test_an_unregistered_caller_gets_401(fast_server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=fast_server.base_url) as anonymous:
        response = await anonymous.put(LOCATION, json={}, headers=token_header("nobody"))
    ocpi_error(response, 401, 2000)


async def test_sessions_are_replaced_by_put_and_patch_appends_charging_periods(
    fast_server: RunningServer, cpo: httpx.AsyncClient
) -> None:
    path = f"{EMSP}/sessions/DE/CPO/SES1"
    ocpi_data(await cpo.put(path, json=session()))
    period = {
        "start_date_time": "2026-11-01T10:00:00Z",
        "dimensions": [{"type": "ENERGY", "volume": 1}],
    }
    patch = {"kwh": 1, "charging_periods": [period], "last_updated": "2026-11-01T10:30:00Z"}
    ocpi_data(await cpo.patch(path, json=patch))
    ocpi_data(await cpo.patch(path, json=patch | {"kwh": 2}))
    got = ocpi_data(await cpo.get(path))
    assert (got["kwh"], len(got["charging_periods"]), got["status"]) == (2, 2, "ACTIVE")
    ocpi_data(await cpo.put(path, json=session(status="COMPLETED", kwh=3)))
    got = ocpi_data(await cpo.get(path))
    assert (got["kwh"], got["status"], got.get("charging_periods")) == (3, "COMPLETED", None)


async def test_a_cdr_is_posted_once_and_read_back_at_its_location_header(
    fast_server: RunningServer, cpo: httpx.AsyncClient
) -> None:
    posted = await cpo.post(f"{EMSP}/cdrs", json=cdr())
    assert posted.status_code == 201 and posted.json()["status_code"] == 1000
    location = posted.headers["Location"]
    assert location == f"{fast_server.base_url}{EMSP}/cdrs/DE/CPO/CDR1"
    assert ocpi_data(await cpo.get(location)) == cdr()
    again = await cpo.post(f"{EMSP}/cdrs", json=cdr())
    assert again.status_code == 201  # the same CDR twice: accepted, nothing changes
    ocpi_error(await cpo.post(f"{EMSP}/cdrs", json=cdr(total_energy=6)), 400, 2000)
    assert ocpi_data(await cpo.get(location))["total_energy"] == 5


async def test_tariffs_are_put_and_deleted(
    fast_server: RunningServer, cpo: httpx.AsyncClient
) -> None:
    tariff = {
        "country_code": "DE",
        "party_id": "CPO",
        "id": "T1",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.39, "step_size": 1}]}],
        "last_updated": "2026-11-01T00:00:00Z",
    }
    path = f"{EMSP}/tariffs/DE/CPO/T1"
    ocpi_data(await cpo.put(path, json=tariff))
    assert ocpi_data(await cpo.get(path)) == tariff
    ocpi_data(await cpo.delete(path))
    ocpi_error(await cpo.get(path), 404, 2000)
