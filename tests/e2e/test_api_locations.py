"""Locations over the API: OCPI-shaped sites with their stations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import register_station

HOURS: dict[str, Any] = {
    "twentyfourseven": False,
    "regular_hours": [
        {"weekday": 1, "period_begin": "08:00", "period_end": "20:00"},
        {"weekday": 6, "period_begin": "10:00", "period_end": "16:00"},
    ],
    "exceptional_openings": [],
    "exceptional_closings": [
        {"period_begin": "2025-12-25T00:00:00Z", "period_end": "2025-12-26T00:00:00Z"}
    ],
}


def location(location_id: str = "AMS-1", **fields: Any) -> dict[str, Any]:
    return {
        "id": location_id,
        "name": "Amsterdam Centraal P1",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "postal_code": "1012AB",
        "country": "NLD",
        "latitude": "52.378901",
        "longitude": "4.900272",
        "time_zone": "Europe/Amsterdam",
    } | fields


async def test_a_location_is_created_read_listed_changed_and_deleted(
    api: httpx.AsyncClient,
) -> None:
    created = await api.post("/api/v1/locations", json=location(opening_hours=HOURS))
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["latitude"], body["longitude"], body["country"]) == (
        "52.378901",
        "4.900272",
        "NLD",
    )
    assert body["opening_hours"]["regular_hours"][1] == HOURS["regular_hours"][1]
    assert body["opening_hours"]["exceptional_closings"][0]["period_begin"].startswith("2025-12-25")
    assert (await api.get("/api/v1/locations/AMS-1")).json() == body
    await api.post("/api/v1/locations", json=location("AMS-2"))
    listed = await api.get("/api/v1/locations", params={"limit": 1, "offset": 1})
    assert [loc["id"] for loc in listed.json()] == ["AMS-2"]

    changed = await api.patch(
        "/api/v1/locations/AMS-1",
        json={"name": "P1 (renovated)", "state": "Noord-Holland", "opening_hours": {}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "P1 (renovated)"
    assert changed.json()["state"] == "Noord-Holland"
    assert changed.json()["opening_hours"]["twentyfourseven"] is True
    assert changed.json()["latitude"] == "52.378901"
    assert (await api.get("/api/v1/locations/AMS-1")).json() == changed.json()

    assert (await api.delete("/api/v1/locations/AMS-1")).status_code == 204
    gone = await api.get("/api/v1/locations/AMS-1")
    assert gone.status_code == 404
    assert gone.json()["detail"] == "no location AMS-1"
    assert (await api.delete("/api/v1/locations/AMS-1")).status_code == 404
    assert (await api.patch("/api/v1/locations/AMS-1", json={"name": "x"})).status_code == 404


async def test_a_duplicate_location_is_409(api: httpx.AsyncClient) -> None:
    await api.post("/api/v1/locations", json=location())
    again = await api.post("/api/v1/locations", json=location())
    assert again.status_code == 409
    assert "already exists" in again.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"country": "NL"}, "String should match pattern"),
        ({"country": "nld"}, "String should match pattern"),
        ({"time_zone": "Europe/Atlantis"}, "is not an IANA time zone"),
        ({"latitude": "91.000000"}, "latitude 91.000000 is not between -90 and 90"),
        ({"longitude": "-180.5"}, "longitude -180.5 is not between -180 and 180"),
        ({"latitude": "north"}, "String should match pattern"),
        ({"latitude": 52.3}, "Input should be a valid string"),
        ({"postal_code": "X" * 11}, "at most 10 characters"),
        ({"parking_type": "ROOFTOP"}, "Input should be"),
        ({"opening_hours": {"regular_hours": [{"weekday": 8}]}}, "less than or equal to 7"),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
async def test_an_invalid_location_is_422_with_a_message(
    api: httpx.AsyncClient, fields: dict[str, Any], message: str
) -> None:
    response = await api.post("/api/v1/locations", json=location(**fields))
    assert response.status_code == 422
    assert message in str(response.json()["detail"])


async def test_opening_hours_are_either_around_the_clock_or_regular(
    api: httpx.AsyncClient,
) -> None:
    both = HOURS | {"twentyfourseven": True}
    response = await api.post("/api/v1/locations", json=location(opening_hours=both))
    assert response.status_code == 422
    assert response.json()["detail"] == "opening hours are either twentyfourseven or regular hours"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": None}, "name cannot be null"),
        ({"time_zone": "Mars/Olympus"}, "is not an IANA time zone"),
        ({"latitude": "-90.1"}, "latitude -90.1 is not between -90 and 90"),
        ({"id": "AMS-9"}, "Extra inputs are not permitted"),
    ],
)
async def test_an_invalid_change_is_422_and_changes_nothing(
    api: httpx.AsyncClient, changes: dict[str, Any], message: str
) -> None:
    before = (await api.post("/api/v1/locations", json=location())).json()
    response = await api.patch("/api/v1/locations/AMS-1", json=changes)
    assert response.status_code == 422
    assert message in str(response.json()["detail"])
    assert (await api.get("/api/v1/locations/AMS-1")).json() == before


async def test_a_location_lists_its_stations_and_deleting_it_keeps_them(
    api: httpx.AsyncClient,
) -> None:
    await api.post("/api/v1/locations", json=location())
    await register_station(api, "CP-A", location_id="AMS-1")
    await register_station(api, "CP-B", location_id="AMS-1")
    await register_station(api, "CP-C")
    at_site = (await api.get("/api/v1/locations/AMS-1/stations")).json()
    assert [s["id"] for s in at_site] == ["CP-A", "CP-B"]
    assert (await api.get("/api/v1/locations/NOPE/stations")).status_code == 404

    assert (await api.delete("/api/v1/locations/AMS-1")).status_code == 204
    station = (await api.get("/api/v1/stations/CP-A")).json()
    assert station["location_id"] is None
    moved = await api.patch("/api/v1/stations/CP-A", json={"heartbeat_interval_s": 60})
    assert moved.status_code == 200, moved.text


async def test_a_station_at_an_unknown_location_is_404(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/api/v1/stations",
        json={"id": "CP-X", "password": "station-password-0001", "location_id": "NOPE"},
    )
    assert created.status_code == 404
    assert created.json()["detail"] == "no location NOPE"
    await register_station(api, "CP-Y")
    moved = await api.patch("/api/v1/stations/CP-Y", json={"location_id": "NOPE"})
    assert moved.status_code == 404
    assert (await api.get("/api/v1/stations/CP-Y")).json()["location_id"] is None
