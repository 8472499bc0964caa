"""ID tokens: RFID cards, app and roaming tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from kilowatt.api.deps import BackendDep, Limit, Offset
from kilowatt.api.schemas import TokenCreate, TokenPublic, TokenUpdate
from kilowatt.domain.errors import UnknownToken
from kilowatt.services import registry

router = APIRouter(tags=["tokens"])


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(body: TokenCreate, backend: BackendDep) -> TokenPublic:
    return TokenPublic.of(await registry.create_token(body.model_dump(), backend.ctx))


@router.get("/tokens")
async def list_tokens(
    backend: BackendDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[TokenPublic]:
    found = await backend.queries.tokens(limit=limit, offset=offset)
    return [TokenPublic.of(token) for token in found]


@router.get("/tokens/{uid}")
async def get_token(uid: str, backend: BackendDep) -> TokenPublic:
    async with backend.ctx.uow() as uow:
        token = await uow.tokens.get(uid)
    if token is None:
        raise UnknownToken(f"no token {uid}")
    return TokenPublic.of(token)


@router.patch("/tokens/{uid}")
async def update_token(uid: str, body: TokenUpdate, backend: BackendDep) -> TokenPublic:
    changes = body.model_dump(exclude_unset=True)
    return TokenPublic.of(await registry.update_token(uid, changes, backend.ctx))


@router.delete("/tokens/{uid}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_token(uid: str, backend: BackendDep) -> None:
    await registry.delete_token(uid, backend.ctx)
