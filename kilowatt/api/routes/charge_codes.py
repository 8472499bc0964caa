"""The QR code of an EVSE's public ad hoc page (EU AFIR), to print on the charger.

It encodes ``{public URL}/app/charge/{station id}/{EVSE id}``: anyone who scans it sees the
price and can pay the session by card without an account.
"""

from __future__ import annotations

import io
from typing import Annotated, Literal
from urllib.parse import quote

import segno
from fastapi import APIRouter, Query, Request, Response

from kilowatt.api.deps import KnownStation
from kilowatt.api.routes.evses import EvseId
from kilowatt.domain.errors import NotFound

__all__ = ["charge_url", "router"]

router = APIRouter(tags=["evses"])

_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def charge_url(public_url: str, station_id: str, evse_id: int) -> str:
    """The ad hoc page of one EVSE (what the QR code says)."""
    return f"{public_url.rstrip('/')}/app/charge/{quote(station_id, safe='')}/{evse_id}"


@router.get(
    "/stations/{station_id}/evses/{evse_id}/qr",
    responses={200: {"content": {kind: {} for kind in _TYPES.values()}}},
)
async def evse_qr_code(
    station: KnownStation,
    evse_id: EvseId,
    request: Request,
    image: Annotated[Literal["svg", "png"], Query(alias="format")] = "svg",
    scale: Annotated[int, Query(ge=1, le=40)] = 8,
) -> Response:
    """The QR code of the EVSE's ad hoc page, as SVG (default) or PNG, for printing."""
    if station.evse(evse_id) is None:
        raise NotFound(f"station {station.id} has no EVSE {evse_id}")
    drivers = getattr(request.app.state, "drivers", None)
    public_url = drivers.policy.public_url if drivers is not None else str(request.base_url)
    url = charge_url(public_url, station.id, evse_id)
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind=image, scale=scale, border=4)
    headers = {"X-Charge-Url": url}
    return Response(out.getvalue(), media_type=_TYPES[image], headers=headers)
