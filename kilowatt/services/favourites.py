"""A driver's favourite locations (the driver app, issue 7)."""

from __future__ import annotations

from collections.abc import Sequence

from kilowatt.domain.errors import NotFound
from kilowatt.ports import Favourites, Queries
from kilowatt.services.context import ServiceContext

__all__ = ["favourites_of", "star", "unstar"]


async def favourites_of(driver_id: str, favourites: Favourites) -> Sequence[str]:
    return await favourites.of(driver_id)


async def star(
    driver_id: str,
    location_id: str,
    ctx: ServiceContext,
    queries: Queries,
    favourites: Favourites,
) -> None:
    """Star a published location; NotFound for one that does not exist or is not published."""
    location = await queries.location(location_id)
    if location is None or not location.publish:
        raise NotFound(f"no location {location_id}")
    await favourites.star(driver_id, location_id, ctx.clock.now())


async def unstar(driver_id: str, location_id: str, favourites: Favourites) -> None:
    await favourites.unstar(driver_id, location_id)
