"""The app's own data endpoints (``/app/api``): locations with the driver's prices and
favourites, a session pushed live (Server-Sent Events), receipts in HTML and PDF.

Charging itself (start, stop, the lists of sessions and CDRs) goes through the driver API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from kilowatt.domain.errors import NotFound
from kilowatt.domain.locations import Location
from kilowatt.domain.price_display import UnitPrices
from kilowatt.domain.roaming_objects import UnknownObject
from kilowatt.domain.tariffs import Price
from kilowatt.services import (
    favourites,
    finder,
    live_sessions,
    partner_finder,
    partner_receipts,
    receipts,
    session_stops,
)
from kilowatt.services.finder import EvseCard, Filter, LocationCard
from kilowatt.services.live_sessions import WatchedSession
from kilowatt.web.deps import AnyDriver, Backend, SignedInDriver, WebBackend
from kilowatt.web.pdf import receipt_pdf

__all__ = ["prices_of", "router", "stream_of"]

router = APIRouter()

_FOUR = Decimal("0.0001")


@router.get("/locations")
async def list_locations(
    driver: AnyDriver,
    backend: Backend,
    connector: Annotated[list[str] | None, Query()] = None,
    min_power_kw: Annotated[float | None, Query(ge=0, le=10_000)] = None,
    available: bool = False,
) -> list[dict[str, Any]]:
    """Locations with an EVSE that matches; prices are the signed-in driver's (else ad hoc).
    ``connector`` may repeat: an EVSE with any of them matches."""
    min_power_w = round(min_power_kw * 1000) if min_power_kw else None
    wanted = Filter(frozenset(c for c in connector or () if c), min_power_w, available)
    ctx, driver_id = backend.drivers.ctx, driver.id if driver else None
    cards = await finder.find_locations(
        driver_id, wanted, ctx, backend.queries, backend.gateway.is_connected
    )
    starred = set(await _starred(driver_id, backend))
    ours = [_location(card, card.location.id in starred) for card in cards]
    partners = [p for p in await _partners(backend) if _matches(p, wanted)]
    return ours + [p | {"favourite": p["id"] in starred} for p in partners]


@router.get("/locations/{location_id}")
async def get_location(location_id: str, driver: AnyDriver, backend: Backend) -> dict[str, Any]:
    ctx, driver_id = backend.drivers.ctx, driver.id if driver else None
    starred = await _starred(driver_id, backend)
    if ":" in location_id and backend.received is not None:  # a partner's: CC:PTY:id
        with contextlib.suppress(UnknownObject):  # else one of ours with a colon in its id
            now = backend.drivers.ctx.clock.now()
            found = await partner_finder.partner_location(location_id, backend.received, now)
            return found | {"favourite": location_id in starred}
    card = await finder.location_card(
        driver_id, location_id, ctx, backend.queries, backend.gateway.is_connected
    )
    return _location(card, location_id in starred)


async def _starred(driver_id: str | None, backend: WebBackend) -> list[str]:
    """The app ids of the driver's favourites (none for an anonymous visitor)."""
    if driver_id is None:
        return []
    partners = _partner_stars(backend)
    return await favourites.favourites_of(driver_id, backend.favourites, partners=partners)


def _partner_stars(backend: WebBackend) -> favourites.PartnerStars | None:
    if backend.received is None or backend.partner_favourites is None:
        return None  # no roaming: only our own locations can be starred
    return favourites.PartnerStars(backend.received, backend.partner_favourites)


async def _partners(backend: WebBackend) -> list[dict[str, Any]]:
    if backend.received is None:
        return []
    return await partner_finder.partner_locations(backend.received, backend.drivers.ctx.clock.now())


def _matches(location: dict[str, Any], wanted: Filter) -> bool:
    """The finder's filter on a partner location: an EVSE with all that is asked."""
    return any(
        (
            not wanted.connector_standards
            or not wanted.connector_standards.isdisjoint(evse["connector_standards"])
        )
        and (not wanted.min_power_w or (evse["max_power_w"] or 0) >= wanted.min_power_w)
        and (not wanted.available_now or evse["status"] == "AVAILABLE")
        for evse in location["evses"]
    )


@router.get("/favourites")
async def list_favourites(driver: SignedInDriver, backend: Backend) -> list[str]:
    """Location ids, ours and partners' (``CC:PTY:id``), oldest star first."""
    return await _starred(driver.id, backend)


@router.put("/favourites/{location_id}", status_code=status.HTTP_204_NO_CONTENT)
async def star(location_id: str, driver: SignedInDriver, backend: Backend) -> None:
    ctx, partners = backend.drivers.ctx, _partner_stars(backend)
    await favourites.star(
        driver.id, location_id, ctx, backend.queries, backend.favourites, partners=partners
    )


@router.delete("/favourites/{location_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unstar(location_id: str, driver: SignedInDriver, backend: Backend) -> None:
    partners = _partner_stars(backend)
    await favourites.unstar(driver.id, location_id, backend.favourites, partners=partners)


@router.get("/sessions/{session_id}/live")
async def live_session(
    session_id: str, driver: SignedInDriver, backend: Backend
) -> StreamingResponse:
    """Server-Sent Events: the session (OCPI Session, cost so far, ``power_w``) now, then at
    each meter value and at least every keep-alive interval; ends once it has completed."""
    watched = await live_sessions.watch(driver.id, session_id, backend.drivers.ctx)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        stream_of(watched, backend), media_type="text/event-stream", headers=headers
    )


async def stream_of(watched: WatchedSession, backend: WebBackend) -> AsyncIterator[str]:
    """The events of one watched session (a driver's or an ad hoc guest's)."""
    with backend.live.listening(watched.key) as changed:
        while True:
            changed.clear()
            session = await live_sessions.snapshot(watched, backend.drivers.ctx, backend.queries)
            reason = await session_stops.stop_reason(watched.session_id, backend.payments)
            if reason is not None:  # a refused top-up stopped it: say why
                session["stopped_reason"] = reason
            yield f"event: session\ndata: {json.dumps(session)}\n\n"
            if session["status"] != "ACTIVE":
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), backend.keepalive_s)


@router.get("/receipts/{cdr_id}", response_class=HTMLResponse)
async def receipt_html(
    cdr_id: str, request: Request, driver: SignedInDriver, backend: Backend
) -> HTMLResponse:
    """The receipt as an HTML fragment (the receipt page puts it in place)."""
    return _fragment(request, await paid_receipt(driver.id, cdr_id, backend))


@router.get("/receipts/{cdr_id}/pdf")
async def receipt_as_pdf(cdr_id: str, driver: SignedInDriver, backend: Backend) -> Response:
    return _pdf(await paid_receipt(driver.id, cdr_id, backend))


@router.get("/partner-receipts/{cdr_id}", response_class=HTMLResponse)
async def partner_receipt_html(
    cdr_id: str, request: Request, driver: SignedInDriver, backend: Backend
) -> HTMLResponse:
    """The receipt of a CDR a partner CPO sent for the driver, as an HTML fragment."""
    return _fragment(request, await partner_receipt(driver.id, cdr_id, backend))


def _fragment(request: Request, receipt: object) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, "receipt_body.html", {"receipt": receipt}
    )
    return response


@router.get("/partner-receipts/{cdr_id}/pdf")
async def partner_receipt_as_pdf(cdr_id: str, driver: SignedInDriver, backend: Backend) -> Response:
    return _pdf(await partner_receipt(driver.id, cdr_id, backend))


async def partner_receipt(driver_id: str, cdr_id: str, backend: WebBackend) -> receipts.Receipt:
    if backend.received is None:  # no roaming: no partner CDRs
        raise NotFound(f"no CDR {cdr_id}")
    ctx = backend.drivers.ctx
    store = backend.payments.store if backend.payments is not None else None
    return await partner_receipts.partner_receipt(backend.received, ctx, driver_id, cdr_id, store)


def _pdf(found: receipts.Receipt) -> Response:
    disposition = f'attachment; filename="kilowatt-receipt-{_safe(found.cdr_id)}.pdf"'
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return Response(receipt_pdf(found), media_type="application/pdf", headers=headers)


async def paid_receipt(driver_id: str, cdr_id: str, backend: WebBackend) -> receipts.Receipt:
    found = await receipts.receipt_of(driver_id, cdr_id, backend.drivers.ctx, backend.queries)
    if backend.payments is None:
        return found
    return await receipts.with_payment(found, backend.payments.store)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _location(card: LocationCard, favourite: bool) -> dict[str, Any]:
    location = card.location
    return {
        "id": location.id,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "postal_code": location.postal_code,
        "latitude": float(location.latitude),
        "longitude": float(location.longitude),
        "opening_hours": _hours(location),
        "favourite": favourite,
        "available_evses": card.available_evses,
        "evses": [_evse(evse) for evse in card.evses],
    }


def _evse(evse: EvseCard) -> dict[str, Any]:
    return {
        "station_id": evse.station_id,
        "evse_id": evse.evse_id,
        "uid": evse.uid,
        "evse_code": evse.evse_code,
        "status": evse.status,
        "connector_standards": list(evse.connector_standards),
        "power_types": list(evse.power_types),
        "max_power_w": evse.max_power_w,
        "prices": prices_of(evse.prices),
    }


def prices_of(prices: UnitPrices) -> dict[str, Any]:
    """Unit prices as the app shows them: per kWh, minute, session and parking minute."""
    return {
        "currency": prices.currency,
        "per_kwh": _money(prices.per_kwh),
        "per_minute": _money(prices.per_hour, 60),
        "per_session": _money(prices.per_session),
        "per_parking_minute": _money(prices.per_parking_hour, 60),
    }


def _money(price: Price | None, per: int = 1) -> dict[str, str] | None:
    """Amounts as exact decimal strings; ``per``: divided (an hourly price per minute)."""
    if price is None:
        return None
    incl = price.incl_vat if price.incl_vat is not None else price.excl_vat
    return {"excl_vat": _text(price.excl_vat / per), "incl_vat": _text(incl / per)}


def _text(amount: Decimal) -> str:
    return f"{amount.quantize(_FOUR):f}"


def _hours(location: Location) -> str:
    hours = location.opening_hours
    if hours.twentyfourseven:
        return "24/7"
    days = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return ", ".join(
        f"{days[r.weekday]} {r.period_begin}-{r.period_end}" for r in hours.regular_hours
    )
