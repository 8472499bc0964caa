"""A driver's tokens: the app token made at sign-up and the RFID cards they register, block
and replace. Another driver's token is "not found", never "forbidden": ids do not leak."""

from __future__ import annotations

from collections.abc import Sequence

from kilowatt.domain import events
from kilowatt.domain.drivers import Driver
from kilowatt.domain.errors import AlreadyExists, Conflict, UnknownToken
from kilowatt.domain.tokens import IdToken, TokenStatus, TokenType
from kilowatt.ports import UnitOfWork
from kilowatt.services.context import ServiceContext

__all__ = ["app_token", "block_card", "register_card", "replace_card", "token_of", "tokens_of"]


async def tokens_of(driver_id: str, ctx: ServiceContext) -> Sequence[IdToken]:
    async with ctx.uow() as uow:
        return await uow.drivers.tokens(driver_id)


async def token_of(driver_id: str, uid: str, ctx: ServiceContext) -> IdToken:
    async with ctx.uow() as uow:
        return await _owned(uow, driver_id, uid)


async def app_token(driver_id: str, ctx: ServiceContext) -> IdToken:
    """The account's APP_USER token (one per account)."""
    for token in await tokens_of(driver_id, ctx):
        if token.type is TokenType.APP_USER:
            return token
    raise UnknownToken("this account has no app token")


async def register_card(
    driver: Driver, uid: str, visual_number: str | None, ctx: ServiceContext
) -> IdToken:
    """Link a new RFID card to the account; it carries the account's contract id."""
    async with ctx.uow() as uow:
        card = await _add_card(uow, driver, uid, visual_number, ctx)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    return card


async def block_card(driver_id: str, uid: str, ctx: ServiceContext) -> IdToken:
    """Block a lost or stolen card: stations refuse it from now on."""
    async with ctx.uow() as uow:
        card = await _owned_card(uow, driver_id, uid)
        _block(uow, card, ctx)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    return card


async def replace_card(
    driver: Driver, old_uid: str, new_uid: str, visual_number: str | None, ctx: ServiceContext
) -> IdToken:
    """Block ``old_uid`` and register ``new_uid`` in its place, in one step."""
    async with ctx.uow() as uow:
        old = await _owned_card(uow, driver.id, old_uid)
        _block(uow, old, ctx)
        card = await _add_card(uow, driver, new_uid, visual_number, ctx)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    return card


async def _add_card(
    uow: UnitOfWork, driver: Driver, uid: str, visual_number: str | None, ctx: ServiceContext
) -> IdToken:
    now = ctx.clock.now()
    card = IdToken(
        uid=uid.strip().upper(),
        type=TokenType.RFID,
        created_at=now,
        updated_at=now,
        contract_id=driver.contract_id,
        visual_number=visual_number,
        issuer=ctx.billing.party_id,
        country_code=ctx.billing.country_code,
        party_id=ctx.billing.party_id,
    )
    if await uow.tokens.get(card.uid) is not None:
        raise AlreadyExists(f"card {card.uid} is already registered")
    uow.tokens.add(card)
    uow.drivers.link_token(driver.id, card.uid, now)
    uow.record(events.TokenChanged(card.uid))  # roaming partners get the new card
    return card


def _block(uow: UnitOfWork, card: IdToken, ctx: ServiceContext) -> None:
    card.status = TokenStatus.BLOCKED
    card.updated_at = ctx.clock.now()
    uow.tokens.save(card)
    uow.record(events.TokenChanged(card.uid))  # roaming partners refuse it from now on


async def _owned(uow: UnitOfWork, driver_id: str, uid: str) -> IdToken:
    token = await uow.tokens.get(uid)
    if token is None or await uow.drivers.owner_of(uid) != driver_id:
        raise UnknownToken(f"no token {uid}")
    return token


async def _owned_card(uow: UnitOfWork, driver_id: str, uid: str) -> IdToken:
    card = await _owned(uow, driver_id, uid)
    if card.type is not TokenType.RFID:
        raise Conflict("only RFID cards can be blocked or replaced here")
    return card
