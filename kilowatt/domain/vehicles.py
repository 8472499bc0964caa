"""A driver's vehicles (the driver app): what each car is, how it charges, and which one the
driver usually drives (the default, whose connectors the finder looks for first).

A driver's vehicles form a ``Garage``; its rules hold whatever the order of calls::

    garage = Garage("driver-1", [])
    car = garage.add("v1", VehicleDetails("Blue", "Renault", "Zoe", 52_000, 22_000,
                                          (ConnectorStandard.IEC_62196_T2,)), now)
    assert car.is_default  # the first vehicle is the default
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kilowatt.domain.errors import Conflict, InvalidValue, NotFound
from kilowatt.domain.locations import ConnectorStandard

__all__ = [
    "MAX_VEHICLES",
    "Garage",
    "TooManyVehicles",
    "UnknownVehicle",
    "Vehicle",
    "VehicleDetails",
    "connector_standards_of",
]

MAX_VEHICLES = 20  # per driver
MAX_TEXT = 100  # characters of a name, make or model
MAX_PLATE = 20
MAX_POWER_W = 1_000_000  # no car charges at a megawatt yet: a larger number is a typo
MAX_BATTERY_WH = 1_000_000


class UnknownVehicle(NotFound):
    """No such vehicle among this driver's (another driver's is unknown too: ids do not leak)."""


class TooManyVehicles(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class VehicleDetails:
    """What the driver says about a vehicle. Powers in W, the usable battery in Wh;
    ``max_dc_power_w`` None: the car does not charge on DC."""

    name: str
    make: str
    model: str
    battery_wh: int
    max_ac_power_w: int
    connector_standards: tuple[ConnectorStandard, ...]
    max_dc_power_w: int | None = None
    licence_plate: str | None = None

    def checked(self) -> VehicleDetails:
        """The details tidied (spaces trimmed, the plate in capitals, connectors once each);
        InvalidValue with the reason when one breaks a rule."""
        plate = (self.licence_plate or "").strip().upper() or None
        if plate is not None and len(plate) > MAX_PLATE:
            raise InvalidValue(f"a licence plate has at most {MAX_PLATE} characters")
        return dataclasses.replace(
            self,
            name=_text("name", self.name),
            make=_text("make", self.make),
            model=_text("model", self.model),
            battery_wh=_positive("battery_wh", self.battery_wh, MAX_BATTERY_WH),
            max_ac_power_w=_positive("max_ac_power_w", self.max_ac_power_w, MAX_POWER_W),
            max_dc_power_w=(
                None
                if self.max_dc_power_w is None
                else _positive("max_dc_power_w", self.max_dc_power_w, MAX_POWER_W)
            ),
            connector_standards=connector_standards_of(self.connector_standards),
            licence_plate=plate,
        )


@dataclass(slots=True)
class Vehicle:
    id: str
    driver_id: str
    details: VehicleDetails
    is_default: bool
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Garage:
    """One driver's vehicles, oldest first. At most ``MAX_VEHICLES``; exactly one is the
    default whenever there is any. ``removed`` and ``to_save`` say what to store."""

    driver_id: str
    vehicles: list[Vehicle]
    changed: dict[str, Vehicle] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)

    @property
    def to_save(self) -> list[Vehicle]:
        """The vehicles that changed, the one that lost the default first: the store allows
        one default per driver at any moment, not just at the end of a transaction."""
        return sorted(self.changed.values(), key=lambda vehicle: vehicle.is_default)

    @property
    def default(self) -> Vehicle | None:
        return next((v for v in self.vehicles if v.is_default), None)

    def get(self, vehicle_id: str) -> Vehicle:
        found = next((v for v in self.vehicles if v.id == vehicle_id), None)
        if found is None:
            raise UnknownVehicle(f"no vehicle {vehicle_id}")
        return found

    def add(
        self, vehicle_id: str, details: VehicleDetails, now: datetime, *, default: bool = False
    ) -> Vehicle:
        """A new vehicle; the first one is the default, a later one if ``default``."""
        if len(self.vehicles) >= MAX_VEHICLES:
            raise TooManyVehicles(f"a driver has at most {MAX_VEHICLES} vehicles: remove one first")
        vehicle = Vehicle(vehicle_id, self.driver_id, details.checked(), False, now, now)
        self.vehicles.append(vehicle)
        self._touch(vehicle)
        if default or self.default is None:
            self.make_default(vehicle_id, now)
        return vehicle

    def change(self, vehicle_id: str, changes: Mapping[str, Any], now: datetime) -> Vehicle:
        """Change some details (the names of ``VehicleDetails`` fields); the rest stay."""
        unknown = set(changes) - set(VehicleDetails.__dataclass_fields__)
        if unknown:
            raise InvalidValue(f"a vehicle has no {', '.join(sorted(unknown))}")
        vehicle = self.get(vehicle_id)
        vehicle.details = dataclasses.replace(vehicle.details, **changes).checked()
        vehicle.updated_at = now
        self._touch(vehicle)
        return vehicle

    def make_default(self, vehicle_id: str, now: datetime) -> Vehicle:
        chosen = self.get(vehicle_id)
        for vehicle in self.vehicles:
            if vehicle.is_default != (vehicle is chosen):
                vehicle.is_default = vehicle is chosen
                vehicle.updated_at = now
                self._touch(vehicle)
        return chosen

    def remove(self, vehicle_id: str, now: datetime) -> None:
        """Remove a vehicle; when it was the default, the oldest one left becomes it."""
        vehicle = self.get(vehicle_id)
        self.vehicles.remove(vehicle)
        self.changed.pop(vehicle_id, None)
        self.removed.append(vehicle_id)
        if vehicle.is_default and self.vehicles:
            self.make_default(self.vehicles[0].id, now)

    def _touch(self, vehicle: Vehicle) -> None:
        self.changed[vehicle.id] = vehicle


def connector_standards_of(values: Iterable[str]) -> tuple[ConnectorStandard, ...]:
    """OCPI connector types, each once, in the order given; at least one.

    >>> [s.value for s in connector_standards_of(["IEC_62196_T2", "CHADEMO", "IEC_62196_T2"])]
    ['IEC_62196_T2', 'CHADEMO']
    """
    found: list[ConnectorStandard] = []
    for value in values:
        try:
            standard = ConnectorStandard(value)
        except ValueError:
            known = ", ".join(s.value for s in ConnectorStandard)
            raise InvalidValue(f"unknown connector type {value!r}; one of {known}") from None
        if standard not in found:
            found.append(standard)
    if not found:
        raise InvalidValue("a vehicle takes at least one connector type")
    return tuple(found)


def _text(what: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidValue(f"the {what} cannot be empty")
    if len(text) > MAX_TEXT:
        raise InvalidValue(f"the {what} has at most {MAX_TEXT} characters")
    return text


def _positive(what: str, value: int, largest: int) -> int:
    if not 0 < value <= largest:
        raise InvalidValue(f"{what} must be a whole number above 0 and at most {largest}")
    return value
