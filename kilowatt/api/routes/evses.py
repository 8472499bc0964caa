"""EVSEs (with their connectors) as sub-resources of a station."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kilowatt.api.deps import BackendDep, KnownStation
from kilowatt.api.schemas import EvseBody, EvsePublic
from kilowatt.domain.errors import NotFound
from kilowatt.services import registry

router = APIRouter(tags=["evses"])

EvseId = Annotated[int, Path(ge=1, description="The station's own numbering (1.6: connectorId)")]


@router.get("/stations/{station_id}/evses")
async def list_evses(station: KnownStation) -> list[EvsePublic]:
    return [EvsePublic.of(evse) for evse in station.evses]


@router.get("/stations/{station_id}/evses/{evse_id}")
async def get_evse(station: KnownStation, evse_id: EvseId) -> EvsePublic:
    evse = station.evse(evse_id)
    if evse is None:
        raise NotFound(f"station {station.id} has no EVSE {evse_id}")
    return EvsePublic.of(evse)


@router.put(
    "/stations/{station_id}/evses/{evse_id}",
    responses={201: {"description": "Created", "model": EvsePublic}},
)
async def put_evse(
    station_id: str, evse_id: EvseId, body: EvseBody, backend: BackendDep, response: Response
) -> EvsePublic:
    """Create or replace one EVSE with its connectors (200 replaced, 201 created)."""
    evse = body.build(station_id, evse_id)
    if await registry.put_evse(station_id, evse, backend.ctx):
        response.status_code = status.HTTP_201_CREATED
    return EvsePublic.of(evse)


@router.delete("/stations/{station_id}/evses/{evse_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_evse(station_id: str, evse_id: EvseId, backend: BackendDep) -> None:
    await registry.delete_evse(station_id, evse_id, backend.ctx)
