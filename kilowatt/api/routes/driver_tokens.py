"""A driver's tokens: the app token and RFID cards (register, block, replace)."""

from __future__ import annotations

from fastapi import APIRouter, status

from kilowatt.api.driver_deps import DriverContextDep, SignedInDriver
from kilowatt.api.schemas.drivers import CardCreate, CardReplace, DriverTokenPublic
from kilowatt.services import driver_tokens

router = APIRouter(prefix="/driver", tags=["driver tokens"])


@router.get("/tokens")
async def list_tokens(driver: SignedInDriver, dctx: DriverContextDep) -> list[DriverTokenPublic]:
    found = await driver_tokens.tokens_of(driver.id, dctx.ctx)
    return [DriverTokenPublic.of(token) for token in found]


@router.get("/tokens/{uid}")
async def get_token(uid: str, driver: SignedInDriver, dctx: DriverContextDep) -> DriverTokenPublic:
    return DriverTokenPublic.of(await driver_tokens.token_of(driver.id, uid, dctx.ctx))


@router.post("/cards", status_code=status.HTTP_201_CREATED)
async def register_card(
    body: CardCreate, driver: SignedInDriver, dctx: DriverContextDep
) -> DriverTokenPublic:
    card = await driver_tokens.register_card(driver, body.uid, body.visual_number, dctx.ctx)
    return DriverTokenPublic.of(card)


@router.post("/cards/{uid}/block")
async def block_card(uid: str, driver: SignedInDriver, dctx: DriverContextDep) -> DriverTokenPublic:
    return DriverTokenPublic.of(await driver_tokens.block_card(driver.id, uid, dctx.ctx))


@router.post("/cards/{uid}/replace", status_code=status.HTTP_201_CREATED)
async def replace_card(
    uid: str, body: CardReplace, driver: SignedInDriver, dctx: DriverContextDep
) -> DriverTokenPublic:
    """Block the card ``uid`` and register the new one in its place."""
    card = await driver_tokens.replace_card(driver, uid, body.uid, body.visual_number, dctx.ctx)
    return DriverTokenPublic.of(card)
