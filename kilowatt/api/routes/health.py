"""Liveness: no key needed."""

from __future__ import annotations

from fastapi import APIRouter

import kilowatt
from kilowatt.api.deps import BackendDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(backend: BackendDep) -> dict[str, object]:
    return {
        "status": "ok",
        "version": kilowatt.__version__,
        "stations_connected": len(backend.gateway.connected_stations()),
    }
