"""Operator API keys: stored as digests, checked on every request."""

from __future__ import annotations

from kilowatt.ports import ApiKey
from kilowatt.services.context import ServiceContext
from kilowatt.services.secrets import api_key_digest, new_api_key

__all__ = ["authenticate", "ensure_key", "issue_key"]


async def authenticate(key: str, ctx: ServiceContext) -> ApiKey | None:
    async with ctx.uow() as uow:
        return await uow.api_keys.get(api_key_digest(key))


async def ensure_key(key: str, name: str, role: str, ctx: ServiceContext) -> None:
    """Store a key given by configuration (KILOWATT_ADMIN_API_KEY), once."""
    async with ctx.uow() as uow:
        uow.api_keys.add(ApiKey(api_key_digest(key), name, role, ctx.clock.now()))
        await uow.commit()


async def issue_key(name: str, role: str, ctx: ServiceContext) -> str:
    """A new random key; only its digest is kept, so it is shown once."""
    key = new_api_key()
    await ensure_key(key, name, role, ctx)
    return key
