"""A driver's favourite locations (the driver app, issue 7): our own published locations and
partner CPOs' published ones (received over OCPI), the latter by their app id
``{country_code}:{party_id}:{id}``."""

from __future__ import annotations

from dataclasses import dataclass

from kilowatt.domain.errors import NotFound
from kilowatt.domain.roaming_objects import UnknownObject
from kilowatt.ports import Favourites, PartnerFavourites, Queries, ReceivedObjects
from kilowatt.services import partner_finder
from kilowatt.services.context import ServiceContext

__all__ = ["PartnerStars", "favourites_of", "star", "unstar"]


@dataclass(frozen=True, slots=True)
class PartnerStars:
    """Where partner locations are found and their stars kept (roaming on)."""

    received: ReceivedObjects
    favourites: PartnerFavourites


async def favourites_of(
    driver_id: str, favourites: Favourites, *, partners: PartnerStars | None = None
) -> list[str]:
    """The app ids of the driver's favourites: ours first, then partners', oldest first."""
    ours = list(await favourites.of(driver_id))
    if partners is None:
        return ours
    return ours + [partner_finder.app_id(key) for key in await partners.favourites.of(driver_id)]


async def star(
    driver_id: str,
    location_id: str,
    ctx: ServiceContext,
    queries: Queries,
    favourites: Favourites,
    *,
    partners: PartnerStars | None = None,
) -> None:
    """Star a published location, ours or a partner's; NotFound for one that does not exist
    or is not published."""
    if partners is not None:
        try:
            key = await partner_finder.published_key(location_id, partners.received)
        except UnknownObject:
            pass  # not a partner's: maybe one of ours (whose id may hold a colon)
        else:
            await partners.favourites.star(driver_id, key, ctx.clock.now())
            return
    location = await queries.location(location_id)
    if location is None or not location.publish:
        raise NotFound(f"no location {location_id}")
    await favourites.star(driver_id, location_id, ctx.clock.now())


async def unstar(
    driver_id: str,
    location_id: str,
    favourites: Favourites,
    *,
    partners: PartnerStars | None = None,
) -> None:
    """Idempotent; a partner location unpublished since can still be unstarred."""
    key = partner_finder.partner_key(location_id)
    if partners is not None and key is not None:
        await partners.favourites.unstar(driver_id, key)
    await favourites.unstar(driver_id, location_id)
