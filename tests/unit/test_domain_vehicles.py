"""A driver's garage: details tidied and checked, at most twenty vehicles, exactly one
default whenever there is any, and only what changed is handed to the store."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.locations import ConnectorStandard
from kilowatt.domain.vehicles import (
    MAX_VEHICLES,
    Garage,
    TooManyVehicles,
    UnknownVehicle,
    VehicleDetails,
)

NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
T2 = ConnectorStandard.IEC_62196_T2
ZOE = VehicleDetails("Zoe", "Renault", "Zoe R135", 52_000, 22_000, (T2,))


def _garage(*names: str) -> Garage:
    garage = Garage("driver-1", [])
    for n, name in enumerate(names):
        garage.add(name, dataclasses.replace(ZOE, name=name), NOW + timedelta(minutes=n))
    garage.changed.clear()
    return garage


def test_details_are_trimmed_and_connectors_listed_once() -> None:
    messy = dataclasses.replace(
        ZOE, name="  Zoe ", licence_plate=" ab-12 ", connector_standards=(T2, T2)
    )
    tidy = messy.checked()
    assert (tidy.name, tidy.licence_plate, tidy.connector_standards) == ("Zoe", "AB-12", (T2,))
    assert dataclasses.replace(ZOE, licence_plate="  ").checked().licence_plate is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": ""}, "name cannot be empty"),
        ({"make": " "}, "make cannot be empty"),
        ({"model": "x" * 101}, "model has at most 100"),
        ({"battery_wh": 0}, "battery_wh must be a whole number above 0"),
        ({"max_ac_power_w": -1}, "max_ac_power_w"),
        ({"max_dc_power_w": 0}, "max_dc_power_w"),
        ({"max_dc_power_w": 2_000_000}, "at most 1000000"),
        ({"connector_standards": ()}, "at least one connector type"),
        ({"connector_standards": ("TYPE_9",)}, "unknown connector type 'TYPE_9'"),
        ({"licence_plate": "X" * 21}, "at most 20 characters"),
    ],
)
def test_details_that_break_a_rule_are_refused(change: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        dataclasses.replace(ZOE, **change).checked()  # type: ignore[arg-type]


def test_the_first_vehicle_is_the_default_and_a_later_one_only_when_asked() -> None:
    garage = _garage("a")
    garage.add("b", ZOE, NOW)
    assert garage.default is not None and garage.default.id == "a"
    garage.add("c", ZOE, NOW, default=True)
    assert [v.id for v in garage.vehicles if v.is_default] == ["c"]
    assert set(garage.changed) == {"a", "b", "c"}  # a lost its default: stored again


def test_making_a_vehicle_the_default_changes_only_the_two_concerned() -> None:
    garage = _garage("a", "b", "c")
    garage.make_default("c", NOW)
    assert [v.id for v in garage.vehicles if v.is_default] == ["c"]
    assert set(garage.changed) == {"a", "c"}


def test_the_vehicle_that_lost_the_default_is_stored_first() -> None:
    garage = _garage("a", "b")
    garage.make_default("b", NOW)
    assert [(v.id, v.is_default) for v in garage.to_save] == [("a", False), ("b", True)]
    garage = _garage("a", "b")
    garage.add("c", ZOE, NOW, default=True)
    assert [v.id for v in garage.to_save] == ["a", "c"]


def test_removing_the_default_hands_it_to_the_oldest_vehicle_left() -> None:
    garage = _garage("a", "b", "c")
    garage.remove("a", NOW)
    assert garage.removed == ["a"]
    assert garage.default is not None and garage.default.id == "b"
    garage.remove("b", NOW)
    garage.remove("c", NOW)
    assert garage.default is None
    assert "c" not in garage.changed


def test_a_change_keeps_what_it_does_not_name_and_is_checked() -> None:
    garage = _garage("a")
    changed = garage.change("a", {"name": "Blue", "max_dc_power_w": 46_000}, NOW)
    assert (changed.details.name, changed.details.model) == ("Blue", "Zoe R135")
    with pytest.raises(InvalidValue, match="battery_wh"):
        garage.change("a", {"battery_wh": -5}, NOW)
    with pytest.raises(InvalidValue, match="no colour"):
        garage.change("a", {"colour": "blue"}, NOW)


def test_a_garage_holds_at_most_twenty_vehicles() -> None:
    garage = _garage(*(f"car-{n}" for n in range(MAX_VEHICLES)))
    with pytest.raises(TooManyVehicles, match="at most 20"):
        garage.add("one-more", ZOE, NOW)


def test_a_vehicle_not_in_the_garage_is_unknown() -> None:
    with pytest.raises(UnknownVehicle):
        _garage("a").make_default("someone-elses", NOW)
