"""A driver's vehicles: add, list, change, remove, pick the default (``/driver/vehicles``).
Another driver's vehicle id answers 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from kilowatt.api.driver_deps import DriverContextDep, SignedInDriver
from kilowatt.api.schemas.drivers import VehicleCreate, VehiclePublic, VehicleUpdate
from kilowatt.domain.vehicles import VehicleDetails
from kilowatt.services import vehicles

router = APIRouter(prefix="/driver/vehicles", tags=["driver vehicles"])


@router.get("")
async def list_vehicles(driver: SignedInDriver, dctx: DriverContextDep) -> list[VehiclePublic]:
    """The driver's vehicles, oldest first; one of them ``is_default``."""
    return [VehiclePublic.of(v) for v in await vehicles.vehicles_of(driver.id, dctx.ctx)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_vehicle(
    body: VehicleCreate, driver: SignedInDriver, dctx: DriverContextDep
) -> VehiclePublic:
    """422: a detail breaks a rule (empty name, capacity or power not above 0, an unknown
    connector type); 409: the driver already has 20 vehicles."""
    details = VehicleDetails(**_details(body.model_dump(exclude={"is_default"})))
    added = await vehicles.add_vehicle(driver.id, details, dctx.ctx, default=body.is_default)
    return VehiclePublic.of(added)


@router.get("/{vehicle_id}")
async def get_vehicle(
    vehicle_id: str, driver: SignedInDriver, dctx: DriverContextDep
) -> VehiclePublic:
    return VehiclePublic.of(await vehicles.vehicle_of(driver.id, vehicle_id, dctx.ctx))


@router.patch("/{vehicle_id}")
async def change_vehicle(
    vehicle_id: str, body: VehicleUpdate, driver: SignedInDriver, dctx: DriverContextDep
) -> VehiclePublic:
    changes = _details(body.model_dump(exclude_unset=True))
    changed = await vehicles.change_vehicle(driver.id, vehicle_id, changes, dctx.ctx)
    return VehiclePublic.of(changed)


@router.put("/{vehicle_id}/default")
async def make_default(
    vehicle_id: str, driver: SignedInDriver, dctx: DriverContextDep
) -> VehiclePublic:
    """This vehicle becomes the default; the one before is not any more."""
    return VehiclePublic.of(await vehicles.make_default(driver.id, vehicle_id, dctx.ctx))


@router.delete("/{vehicle_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_vehicle(vehicle_id: str, driver: SignedInDriver, dctx: DriverContextDep) -> None:
    """When it was the default, the oldest vehicle left becomes the default."""
    await vehicles.remove_vehicle(driver.id, vehicle_id, dctx.ctx)


def _details(fields: dict[str, Any]) -> dict[str, Any]:
    if "connector_standards" in fields:
        fields["connector_standards"] = tuple(fields["connector_standards"])
    return fields
