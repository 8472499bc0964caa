"""Local authorization lists: send a station the full list; see what it holds."""

from __future__ import annotations

from fastapi import APIRouter

from kilowatt.api.deps import BackendDep, KnownStation
from kilowatt.api.schemas.local_lists import LocalListPublic
from kilowatt.domain.local_lists import LocalList
from kilowatt.services import local_lists

router = APIRouter(tags=["local lists"])


@router.get("/stations/{station_id}/local-list")
async def local_list(station: KnownStation, backend: BackendDep) -> LocalListPublic:
    """Version 0 and no entries until a list was sent."""
    held = await backend.queries.local_list(station.id)
    return LocalListPublic.of(held or LocalList(station.id))


@router.post("/stations/{station_id}/local-list/sync")
async def sync(station: KnownStation, backend: BackendDep) -> LocalListPublic:
    """SendLocalList Full from the store's tokens (split as the station advertises, at most
    its LocalAuthListMaxLength); token changes follow as differential updates."""
    held = await local_lists.sync(
        station.id, backend.ctx, backend.gateway, timeout_s=backend.call_timeout_s
    )
    return LocalListPublic.of(held)
