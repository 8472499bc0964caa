"""Partner tariffs as the app's unit prices: one price per kind, VAT added when the partner
gives it, OCPI's hourly TIME price per minute. Restriction rules are in
test_partner_prices.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from kilowatt.domain.roaming_objects import (
    ObjectKey,
    ReceivedModule,
    ReceivedObject,
    UnknownObject,
)
from kilowatt.ports import OcpiPage, ReceivedObjects
from kilowatt.services.partner_finder import partner_location, partner_locations, unit_prices

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "ocpi-2.2.1"  # the spec's own examples
WEDNESDAY_10_BERLIN = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Berlin (CET)


def spec_example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


def test_each_kind_takes_its_first_price_with_vat_when_given() -> None:
    tariff = {
        "country_code": "DE",
        "party_id": "ABC",
        "id": "T1",
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 20, "step_size": 1}]},
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.99, "step_size": 1},
                    {"type": "TIME", "price": 1.2, "step_size": 60},
                    {"type": "FLAT", "price": 0.5, "vat": 21, "step_size": 1},
                ]
            },
        ],
    }
    assert unit_prices(tariff, "Europe/Berlin", WEDNESDAY_10_BERLIN) == {
        "currency": "EUR",
        "per_kwh": {"excl_vat": "0.2500", "incl_vat": "0.3000"},
        "per_minute": {"excl_vat": "0.0200", "incl_vat": None},
        "per_session": {"excl_vat": "0.5000", "incl_vat": "0.6050"},
        "per_parking_minute": None,
    }


def test_a_tariff_we_cannot_read_shows_the_price_from_the_operator() -> None:
    unreadable = {"country_code": "DE", "party_id": "ABC", "id": "T", "currency": "CHF"}
    assert unit_prices(unreadable | {"elements": []}, "UTC", WEDNESDAY_10_BERLIN) is None


def test_a_tariff_not_yet_valid_shows_the_price_from_the_operator() -> None:
    later = spec_example("tariff_1_simple_2hour.json")
    later["start_date_time"] = "2027-01-01T00:00:00Z"
    assert unit_prices(later, "UTC", WEDNESDAY_10_BERLIN) is None


class OneLocation:
    """A ReceivedObjects holding one partner location and no tariffs."""

    def __init__(self, body: dict[str, Any]) -> None:
        key = ObjectKey(body["country_code"], body["party_id"], body["id"])
        now = datetime(2026, 1, 1, tzinfo=UTC)
        self.item = ReceivedObject(ReceivedModule.LOCATIONS, key, "p1", body, now)

    async def get(self, module: ReceivedModule, key: ObjectKey) -> ReceivedObject | None:
        return self.item if module == ReceivedModule.LOCATIONS and key == self.item.key else None

    async def page(
        self, module: ReceivedModule, partner_id: str | None, **_: Any
    ) -> OcpiPage[ReceivedObject]:
        return OcpiPage([self.item], 1)


async def test_a_connector_naming_a_tariff_never_received_shows_no_price() -> None:
    connector = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "tariff_ids": ["UNSENT"],
    }
    evse = {"uid": "E1", "evse_id": "DE*ABC*E1", "status": "CHARGING", "connectors": [connector]}
    hours = {
        "twentyfourseven": False,
        "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "18:00"}],
    }
    body = {
        "country_code": "DE",
        "party_id": "ABC",
        "id": "LOC1",
        "publish": True,
        "name": "Depot",
        "coordinates": {"latitude": "52.1", "longitude": "13.4"},
        "opening_times": hours,
        "evses": [evse],
    }
    store = cast(ReceivedObjects, OneLocation(body))
    (card,) = await partner_locations(store, WEDNESDAY_10_BERLIN)
    assert card["id"] == "DE:ABC:LOC1" and card["opening_hours"] == "Mon 08:00-18:00"
    (shown,) = card["evses"]
    assert (shown["status"], shown["max_power_w"], shown["prices"]) == ("CHARGING", 11040, None)
    assert card["available_evses"] == 0
    found = await partner_location("DE:ABC:LOC1", store, WEDNESDAY_10_BERLIN)
    assert found["partner"]["partner_id"] == "p1"
    with pytest.raises(UnknownObject):
        await partner_location("DE:ABC:OTHER", store, WEDNESDAY_10_BERLIN)
