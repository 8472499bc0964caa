"""Tariffs as OCPI 2.2.1 Tariff objects, the price shown before charging, and previews."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from kilowatt.api.deps import BackendDep, Limit, Offset
from kilowatt.api.schemas.prices import PricePreviewPublic, UnitPricesPublic
from kilowatt.domain.errors import InvalidValue, NotFound
from kilowatt.domain.tariff_json import jsonable
from kilowatt.domain.tariffs import Tariff
from kilowatt.services import tariffs
from kilowatt.services.tariffs import PriceQuestion

router = APIRouter(tags=["tariffs"])

DRIVER_GROUP_HEADER = "Kilowatt-Driver-Group"
DriverGroup = Annotated[
    str | None,
    Query(max_length=36, description="Offer the tariff only to tokens of this group_id"),
]


@router.put("/tariffs/{tariff_id}")
async def put_tariff(
    tariff_id: str,
    body: Annotated[dict[str, Any], Body(description="An OCPI 2.2.1 Tariff object")],
    backend: BackendDep,
    response: Response,
    driver_group: DriverGroup = None,
) -> dict[str, Any]:
    tariff = Tariff.from_ocpi(body)
    if tariff.id != tariff_id:
        raise InvalidValue(f"the body's id {tariff.id!r} is not the path's {tariff_id!r}")
    offer, created = await tariffs.put_tariff(tariff, driver_group, backend.ctx)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    _group_header(response, offer.driver_group)
    return jsonable(offer.tariff.to_ocpi())  # type: ignore[no-any-return]


@router.get("/tariffs")
async def list_tariffs(
    backend: BackendDep, driver_group: DriverGroup = None, limit: Limit = 100, offset: Offset = 0
) -> list[dict[str, Any]]:
    found = await backend.queries.tariffs(driver_group=driver_group, limit=limit, offset=offset)
    return [jsonable(offer.tariff.to_ocpi()) for offer in found]


@router.get("/tariffs/{tariff_id}")
async def get_tariff(tariff_id: str, backend: BackendDep, response: Response) -> dict[str, Any]:
    async with backend.ctx.uow() as uow:
        offer = await uow.tariffs.get(tariff_id)
    if offer is None:
        raise NotFound(f"no tariff {tariff_id}")
    _group_header(response, offer.driver_group)
    return jsonable(offer.tariff.to_ocpi())  # type: ignore[no-any-return]


@router.delete("/tariffs/{tariff_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_tariff(tariff_id: str, backend: BackendDep) -> None:
    await tariffs.delete_tariff(tariff_id, backend.ctx)


def _group_header(response: Response, group: str | None) -> None:
    if group is not None:
        response.headers[DRIVER_GROUP_HEADER] = group


@router.get("/stations/{station_id}/evses/{evse_id}/prices")
async def unit_prices(
    station_id: str,
    evse_id: int,
    backend: BackendDep,
    connector_id: int | None = None,
    token_uid: str | None = None,
    at: datetime | None = None,
) -> UnitPricesPublic:
    """What a driver pays per kWh, per hour, per parking hour and per session, before
    charging (EU AFIR price transparency); ``token_uid`` omitted: ad hoc payment."""
    moment = _utc(at) or backend.ctx.clock.now()
    async with backend.ctx.uow() as uow:
        where = (station_id, evse_id, connector_id)
        applied = await tariffs.applied_tariff(uow, backend.ctx, where, token_uid, moment)
    return UnitPricesPublic.of(applied, moment)


@router.get("/price-preview")
async def price_preview(
    backend: BackendDep,
    station_id: str,
    evse_id: int,
    energy_wh: Annotated[int, Query(ge=0, le=10_000_000)],
    charging_minutes: Annotated[float, Query(gt=0, le=100_000)],
    parking_minutes: Annotated[float, Query(ge=0, le=100_000)] = 0,
    connector_id: int | None = None,
    token_uid: str | None = None,
    start: datetime | None = None,
) -> PricePreviewPublic:
    """What a session would cost: ``energy_wh`` charged evenly over ``charging_minutes``,
    then ``parking_minutes`` parked, starting at ``start`` (default now)."""
    question = PriceQuestion(
        station_id,
        evse_id,
        connector_id,
        token_uid,
        energy_wh,
        timedelta(minutes=charging_minutes),
        timedelta(minutes=parking_minutes),
        _utc(start),
    )
    return PricePreviewPublic.of(await tariffs.preview_price(question, backend.ctx))


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise InvalidValue("times need a UTC offset, e.g. 2026-11-24T18:00:00Z")
    return moment
