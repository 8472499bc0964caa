"""Deployment: the operator registers locations, stations (with EVSEs and connectors) and
ID tokens, and approves stations that booted as Pending."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kilowatt.domain import events
from kilowatt.domain.errors import AlreadyExists, InvalidValue, NotFound, UnknownStation
from kilowatt.domain.locations import ChargingStation, Evse, Location, RegistrationStatus
from kilowatt.domain.tokens import IdToken
from kilowatt.ports import LocationRepository, UnitOfWork
from kilowatt.services.context import ServiceContext
from kilowatt.services.secrets import hash_password

__all__ = [
    "create_location",
    "create_station",
    "create_token",
    "delete_evse",
    "delete_location",
    "delete_station",
    "delete_token",
    "put_evse",
    "update_location",
    "update_station",
    "update_token",
]


async def create_location(fields: Mapping[str, Any], ctx: ServiceContext) -> Location:
    now = ctx.clock.now()
    location = Location(**fields, created_at=now, updated_at=now)
    async with ctx.uow() as uow:
        if await uow.locations.get(location.id) is not None:
            raise AlreadyExists(f"location {location.id} already exists")
        uow.locations.add(location)
        await uow.commit()
    await _locations_changed(ctx, location.id)
    return location


async def update_location(
    location_id: str, changes: Mapping[str, Any], ctx: ServiceContext
) -> Location:
    async with ctx.uow() as uow:
        location = await uow.locations.get(location_id)
        if location is None:
            raise NotFound(f"no location {location_id}")
        updated = dataclasses.replace(location, **changes, updated_at=ctx.clock.now())
        uow.locations.save(updated)
        await uow.commit()
    await _locations_changed(ctx, location_id)
    return updated


async def delete_location(
    location_id: str, ctx: ServiceContext, *, station_ids: Sequence[str] = ()
) -> None:
    """Remove a location; its stations (``station_ids``) stay registered, at no location."""
    async with ctx.uow() as uow:
        if await uow.locations.get(location_id) is None:
            raise NotFound(f"no location {location_id}")
        for station_id in station_ids:
            station = await uow.stations.get(station_id)
            # Detach explicitly: the foreign key clears the row, not a cached copy of it.
            if station is not None and station.location_id == location_id:
                station.location_id = None
                station.updated_at = ctx.clock.now()
                uow.stations.save(station)
        uow.locations.delete(location_id)
        await uow.commit()


async def create_station(
    fields: Mapping[str, Any], password: str | None, ctx: ServiceContext
) -> ChargingStation:
    now = ctx.clock.now()
    fields = dict(fields)
    fields.setdefault("registration_status", RegistrationStatus.ACCEPTED)
    fields.setdefault("heartbeat_interval_s", ctx.policy.heartbeat_interval_s)
    password_hash = _password_hash(password, fields.get("security_profile", 1))
    station = ChargingStation(**fields, password_hash=password_hash, created_at=now, updated_at=now)
    _check_evses(station.evses)
    async with ctx.uow() as uow:
        if await uow.stations.get(station.id) is not None:
            raise AlreadyExists(f"station {station.id} already exists")
        await _check_location(uow.locations, station.location_id)
        uow.stations.add(station)
        await uow.commit()
    await _locations_changed(ctx, station.location_id)
    return station


async def update_station(
    station_id: str,
    changes: Mapping[str, Any],
    ctx: ServiceContext,
    *,
    password: str | None = None,
) -> ChargingStation:
    """Change what the operator manages: location, registration status, password, EVSEs."""

    def edit(station: ChargingStation) -> None:
        for name, value in changes.items():
            setattr(station, name, value)
        if password is not None:
            station.password_hash = _password_hash(password, station.security_profile)

    return await _edit_station(station_id, edit, ctx, with_evses="evses" in changes)


async def put_evse(station_id: str, evse: Evse, ctx: ServiceContext) -> bool:
    """Create or replace one EVSE (with its connectors); True when it is new."""
    created = False

    def edit(station: ChargingStation) -> None:
        nonlocal created
        others = [e for e in station.evses if e.evse_id != evse.evse_id]
        created = len(others) == len(station.evses)
        station.evses = sorted([*others, evse], key=lambda e: e.evse_id)

    await _edit_station(station_id, edit, ctx, with_evses=True)
    return created


async def delete_evse(station_id: str, evse_id: int, ctx: ServiceContext) -> None:
    def edit(station: ChargingStation) -> None:
        if station.evse(evse_id) is None:
            raise NotFound(f"station {station_id} has no EVSE {evse_id}")
        station.evses = [e for e in station.evses if e.evse_id != evse_id]

    await _edit_station(station_id, edit, ctx, with_evses=True)


async def _edit_station(
    station_id: str,
    edit: Callable[[ChargingStation], None],
    ctx: ServiceContext,
    *,
    with_evses: bool,
) -> ChargingStation:
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
        if station is None:
            raise UnknownStation(f"no station {station_id}")
        was_at = station.location_id
        edit(station)  # on a failure below, the unit of work drops the edited cached copy
        station.__post_init__()
        _check_evses(station.evses)
        await _check_location(uow.locations, station.location_id)
        station.updated_at = ctx.clock.now()
        uow.stations.save(station, with_evses=with_evses)
        await uow.commit()
    await _locations_changed(ctx, was_at, station.location_id)
    return station


async def delete_station(station_id: str, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
        if station is None:
            raise UnknownStation(f"no station {station_id}")
        uow.stations.delete(station_id)
        uow.stations.forget_cached(station_id)
        await uow.commit()
    await _locations_changed(ctx, station.location_id)


async def _locations_changed(ctx: ServiceContext, *location_ids: str | None) -> None:
    """What stands at a location changed: roaming partners are sent the location anew."""
    changed = dict.fromkeys(i for i in location_ids if i is not None)
    await ctx.events.publish([events.LocationChanged(i) for i in changed])


def _password_hash(password: str | None, security_profile: int) -> str | None:
    if password is None:
        if security_profile in (1, 2):
            raise InvalidValue(f"security profile {security_profile} needs a password")
        return None
    if not 16 <= len(password) <= 40:
        raise InvalidValue("an OCPP basic auth password has 16 to 40 characters")
    return hash_password(password)


def _check_evses(evses: list[Evse]) -> None:
    ids = [evse.evse_id for evse in evses]
    if len(ids) != len(set(ids)):
        raise InvalidValue("EVSE ids must be unique within a station")
    for evse in evses:
        connector_ids = [c.connector_id for c in evse.connectors]
        if len(connector_ids) != len(set(connector_ids)):
            raise InvalidValue(f"connector ids must be unique within EVSE {evse.evse_id}")


async def _check_location(locations: LocationRepository, location_id: str | None) -> None:
    if location_id is not None and await locations.get(location_id) is None:
        raise NotFound(f"no location {location_id}")


async def create_token(fields: Mapping[str, Any], ctx: ServiceContext) -> IdToken:
    now = ctx.clock.now()
    token = IdToken(**fields, created_at=now, updated_at=now)
    async with ctx.uow() as uow:
        if await uow.tokens.get(token.uid) is not None:
            raise AlreadyExists(f"token {token.uid} already exists")
        uow.tokens.add(token)
        await _commit_token_change(uow, token.uid, ctx)
    return token


async def update_token(uid: str, changes: Mapping[str, Any], ctx: ServiceContext) -> IdToken:
    async with ctx.uow() as uow:
        token = await uow.tokens.get(uid)
        if token is None:
            raise NotFound(f"no token {uid}")
        updated = dataclasses.replace(token, **changes, updated_at=ctx.clock.now())
        uow.tokens.save(updated)
        await _commit_token_change(uow, uid, ctx)
    return updated


async def delete_token(uid: str, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        if await uow.tokens.get(uid) is None:
            raise NotFound(f"no token {uid}")
        uow.tokens.delete(uid)
        await _commit_token_change(uow, uid, ctx)


async def _commit_token_change(uow: UnitOfWork, uid: str, ctx: ServiceContext) -> None:
    uow.record(events.TokenChanged(uid))
    await uow.commit()
    await ctx.events.publish(uow.collect_events())
