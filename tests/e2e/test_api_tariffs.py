"""Tariffs over the API: OCPI Tariff objects put, read, listed, refused and deleted; the
price a driver is shown before charging and a price preview."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import RunningServer
from tests.e2e.test_api_locations import location
from tests.support import OTHER_TAG, TAG, register_station, register_token

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "ocpi-2.2.1"


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


def per_kwh(tariff_id: str, price: float, *, flat: float | None = None) -> dict[str, Any]:
    components: list[dict[str, Any]] = [
        {"type": "ENERGY", "price": price, "vat": 21.0, "step_size": 1}
    ]
    if flat is not None:
        components.append({"type": "FLAT", "price": flat, "vat": 21.0, "step_size": 1})
    return {
        "country_code": "NL",
        "party_id": "KWT",
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": components}],
        "last_updated": "2026-11-01T00:00:00Z",
    }


async def priced_site(api: httpx.AsyncClient, station_id: str) -> None:
    """A station at AMS-1 whose connector names a public and a subscriber tariff; TAG is a
    plain card, OTHER_TAG a subscriber's."""
    await api.post("/api/v1/locations", json=location())
    standard = await api.put("/api/v1/tariffs/AC-STD", json=per_kwh("AC-STD", 0.30, flat=0.50))
    assert standard.status_code in (200, 201), standard.text
    subscribers = await api.put(
        "/api/v1/tariffs/AC-SUB",
        json=per_kwh("AC-SUB", 0.20, flat=0.50),
        params={"driver_group": "subscribers"},
    )
    assert subscribers.status_code in (200, 201), subscribers.text
    connector = {"connector_id": 1, "tariff_ids": ["AC-STD", "AC-SUB"]}
    evses = [{"evse_id": 1, "evse_code": "NL*KWT*E0001*1", "connectors": [connector]}]
    await register_station(api, station_id, location_id="AMS-1", evses=evses)
    if (await api.get(f"/api/v1/tokens/{TAG}")).status_code == 404:
        await register_token(api, TAG, contract_id="NL-KWT-C00000001-X")
        await register_token(api, OTHER_TAG, group_id="subscribers")


async def test_the_spec_put_example_is_stored_and_read_back_as_sent(
    api: httpx.AsyncClient,
) -> None:
    body = example("tariff_put_example.json")
    created = await api.put(f"/api/v1/tariffs/{body['id']}", json=body)
    assert created.status_code == 201, created.text
    read = await api.get(f"/api/v1/tariffs/{body['id']}")
    assert read.status_code == 200
    expected = body | {"last_updated": created.json()["last_updated"]}
    assert read.json() == expected
    again = await api.put(f"/api/v1/tariffs/{body['id']}", json=body)
    assert again.status_code == 200
    assert [t["id"] for t in (await api.get("/api/v1/tariffs")).json()] == [body["id"]]


async def test_every_spec_tariff_example_is_accepted(api: httpx.AsyncClient) -> None:
    for path in sorted(EXAMPLES.glob("tariff_*.json")):
        body = json.loads(path.read_text())
        response = await api.put(f"/api/v1/tariffs/{body['id']}", json=body)
        assert response.status_code in (200, 201), (path.name, response.text)


async def test_bad_tariffs_are_refused_with_the_reason(api: httpx.AsyncClient) -> None:
    body = per_kwh("T-1", 0.25)
    wrong_id = await api.put("/api/v1/tariffs/OTHER", json=body)
    assert wrong_id.status_code == 422
    assert "is not the path's" in wrong_id.json()["detail"]
    negative = await api.put("/api/v1/tariffs/T-1", json=per_kwh("T-1", -1))
    assert negative.status_code == 422
    assert "must not be negative" in negative.json()["detail"]
    shadowed = per_kwh("T-1", 0.25)
    night: dict[str, Any] = {
        "price_components": [{"type": "ENERGY", "price": 0.1, "step_size": 1}],
        "restrictions": {"start_time": "23:00", "end_time": "06:00"},
    }
    shadowed["elements"].append(night)  # an unrestricted element before it always wins
    unreachable = await api.put("/api/v1/tariffs/T-1", json=shadowed)
    assert unreachable.status_code == 422
    assert "never" in unreachable.json()["detail"]
    assert (await api.get("/api/v1/tariffs/T-1")).status_code == 404


async def test_a_tariff_a_connector_names_cannot_be_deleted(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-P1")
    response = await api.delete("/api/v1/tariffs/AC-STD")
    assert response.status_code == 409
    assert "CP-P1" in response.json()["detail"]
    await api.put("/api/v1/tariffs/UNUSED", json=per_kwh("UNUSED", 0.1))
    assert (await api.delete("/api/v1/tariffs/UNUSED")).status_code == 204
    assert (await api.get("/api/v1/tariffs/UNUSED")).status_code == 404
    assert (await api.delete("/api/v1/tariffs/UNUSED")).status_code == 404


async def test_driver_groups_see_their_own_price_before_charging(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-P2")
    listed = await api.get("/api/v1/tariffs", params={"driver_group": "subscribers"})
    assert [t["id"] for t in listed.json()] == ["AC-SUB"]
    sub = await api.get("/api/v1/tariffs/AC-SUB")
    assert sub.headers["Kilowatt-Driver-Group"] == "subscribers"

    async def prices(**params: str) -> dict[str, Any]:
        response = await api.get("/api/v1/stations/CP-P2/evses/1/prices", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    card = await prices(token_uid=TAG)
    assert card["tariff_id"] == "AC-STD"
    assert card["per_kwh"] == {"excl_vat": "0.3", "incl_vat": "0.3630"}
    assert card["per_session"] == {"excl_vat": "0.5", "incl_vat": "0.6050"}
    assert card["per_hour"] is None
    assert (await prices(token_uid=OTHER_TAG))["tariff_id"] == "AC-SUB"
    assert (await prices())["tariff_id"] == "AC-STD"  # ad hoc: the public tariff


async def test_a_price_preview_prices_a_would_be_session(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-P3")
    params = {"station_id": "CP-P3", "evse_id": "1", "energy_wh": "10000"}
    response = await api.get(
        "/api/v1/price-preview", params=params | {"charging_minutes": "60", "token_uid": TAG}
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["tariff_id"] == "AC-STD"
    assert preview["total_cost"] == {"excl_vat": "3.50", "incl_vat": "4.24"}
    assert preview["total_energy_kwh"] == "10.000000"
    sub = await api.get(
        "/api/v1/price-preview",
        params=params | {"charging_minutes": "60", "token_uid": OTHER_TAG},
    )
    assert sub.json()["total_cost"] == {"excl_vat": "2.50", "incl_vat": "3.03"}
    bad = await api.get("/api/v1/price-preview", params=params | {"charging_minutes": "0"})
    assert bad.status_code == 422
    unknown = await api.get(
        "/api/v1/price-preview", params=params | {"station_id": "NOPE", "charging_minutes": "5"}
    )
    assert unknown.status_code == 404


async def test_time_prices_are_shown_per_hour_and_per_minute(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    await priced_site(api, "CP-P4")
    hourly = per_kwh("AC-TIME", 0.20)
    hourly["elements"][0]["price_components"] += [
        {"type": "TIME", "price": 3.00, "vat": 21.0, "step_size": 60},
        {"type": "PARKING_TIME", "price": 6.00, "vat": 21.0, "step_size": 60},
    ]
    assert (await api.put("/api/v1/tariffs/AC-TIME", json=hourly)).status_code == 201
    connector = {"connector_id": 1, "tariff_ids": ["AC-TIME"]}
    evse = {"connectors": [connector]}
    assert (await api.put("/api/v1/stations/CP-P4/evses/1", json=evse)).status_code == 200
    shown = (await api.get("/api/v1/stations/CP-P4/evses/1/prices")).json()
    assert shown["per_hour"] == {"excl_vat": "3", "incl_vat": "3.6300"}
    assert shown["per_minute"] == {"excl_vat": "0.0500", "incl_vat": "0.0605"}
    assert shown["per_parking_minute"] == {"excl_vat": "0.1000", "incl_vat": "0.1210"}
    assert shown["per_session"] is None
