"""A driver's vehicles: add, list, change, remove, and pick the default one. Each use case
loads the driver's garage (20 vehicles at most), applies the domain's rules and stores what
changed in one unit of work. Another driver's vehicle is "not found", never "forbidden"."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from kilowatt.domain.vehicles import Garage, Vehicle, VehicleDetails
from kilowatt.ports import UnitOfWork
from kilowatt.services.context import ServiceContext

__all__ = [
    "add_vehicle",
    "change_vehicle",
    "make_default",
    "remove_vehicle",
    "vehicle_of",
    "vehicles_of",
]

T = TypeVar("T")


async def vehicles_of(driver_id: str, ctx: ServiceContext) -> Sequence[Vehicle]:
    """The driver's vehicles, oldest first."""
    async with ctx.uow() as uow:
        return await uow.vehicles.of(driver_id)


async def vehicle_of(driver_id: str, vehicle_id: str, ctx: ServiceContext) -> Vehicle:
    async with ctx.uow() as uow:
        return (await _garage(uow, driver_id)).get(vehicle_id)


async def add_vehicle(
    driver_id: str, details: VehicleDetails, ctx: ServiceContext, *, default: bool = False
) -> Vehicle:
    """A new vehicle; the driver's first one, or one added with ``default``, is the default."""
    vehicle_id = str(uuid.uuid4())
    return await _in_garage(
        driver_id, ctx, lambda g: g.add(vehicle_id, details, ctx.clock.now(), default=default)
    )


async def change_vehicle(
    driver_id: str, vehicle_id: str, changes: Mapping[str, Any], ctx: ServiceContext
) -> Vehicle:
    """Change some of the details (``VehicleDetails`` field names); the rest stay."""
    return await _in_garage(
        driver_id, ctx, lambda g: g.change(vehicle_id, changes, ctx.clock.now())
    )


async def make_default(driver_id: str, vehicle_id: str, ctx: ServiceContext) -> Vehicle:
    return await _in_garage(driver_id, ctx, lambda g: g.make_default(vehicle_id, ctx.clock.now()))


async def remove_vehicle(driver_id: str, vehicle_id: str, ctx: ServiceContext) -> None:
    """Remove it; if it was the default, the oldest vehicle left becomes the default."""
    await _in_garage(driver_id, ctx, lambda g: g.remove(vehicle_id, ctx.clock.now()))


async def _in_garage(driver_id: str, ctx: ServiceContext, change: Callable[[Garage], T]) -> T:
    async with ctx.uow() as uow:
        garage = await _garage(uow, driver_id)
        result = change(garage)
        for vehicle_id in garage.removed:
            uow.vehicles.remove(vehicle_id)
        for vehicle in garage.to_save:
            uow.vehicles.save(vehicle)
        await uow.commit()
    return result


async def _garage(uow: UnitOfWork, driver_id: str) -> Garage:
    return Garage(driver_id, list(await uow.vehicles.of(driver_id)))
