"""Driver accounts in the store (issue 7): accounts, their secrets and the tokens they own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from kilowatt.domain.drivers import Driver, DriverSecret, SecretPurpose
from kilowatt.domain.tokens import IdToken
from kilowatt.store import mapping, tables
from kilowatt.store.repositories import _Repository

__all__ = ["DriverRepository"]

_DRIVER_FIELDS = tuple(Driver.__dataclass_fields__)
_SECRET_FIELDS = tuple(DriverSecret.__dataclass_fields__)


class DriverRepository(_Repository):
    async def get(self, driver_id: str) -> Driver | None:
        return await self._driver(tables.drivers.c.id == driver_id)

    async def by_email(self, email: str) -> Driver | None:
        return await self._driver(tables.drivers.c.email == email)

    async def by_contract_id(self, contract_id: str) -> Driver | None:
        return await self._driver(tables.drivers.c.contract_id == contract_id)

    async def _driver(self, condition: Any) -> Driver | None:
        row = await self._context.fetch_one(select(tables.drivers).where(condition))
        return Driver(**row) if row else None

    def add(self, driver: Driver) -> None:
        self._stage(self._sql.insert(tables.drivers, _row(driver, _DRIVER_FIELDS)))

    def save(self, driver: Driver) -> None:
        self._stage(self._sql.upsert(tables.drivers, _row(driver, _DRIVER_FIELDS)))

    async def secret(self, digest: str) -> DriverSecret | None:
        t = tables.driver_secrets
        row = await self._context.fetch_one(select(t).where(t.c.digest == digest))
        if row is None:
            return None
        return DriverSecret(**(row | {"purpose": SecretPurpose(row["purpose"])}))

    def add_secret(self, secret: DriverSecret) -> None:
        self._stage(self._sql.insert(tables.driver_secrets, _secret_row(secret)))

    def save_secret(self, secret: DriverSecret) -> None:
        self._stage(self._sql.upsert(tables.driver_secrets, _secret_row(secret)))

    def revoke_sessions(self, driver_id: str) -> None:
        key = {"driver_id": driver_id, "purpose": SecretPurpose.SESSION.value}
        self._stage(self._sql.delete(tables.driver_secrets, key))

    def link_token(self, driver_id: str, uid: str, linked_at: datetime) -> None:
        row = {"token_uid": uid, "driver_id": driver_id, "linked_at": linked_at}
        self._stage(self._sql.insert(tables.driver_tokens, row))

    async def tokens(self, driver_id: str) -> Sequence[IdToken]:
        t, link = tables.id_tokens, tables.driver_tokens
        statement = (
            select(t)
            .join(link, link.c.token_uid == t.c.uid)
            .where(link.c.driver_id == driver_id)
            .order_by(link.c.linked_at, t.c.uid)
        )
        return [mapping.token_from_row(row) for row in await self._context.fetch_all(statement)]

    async def owner_of(self, uid: str) -> str | None:
        link = tables.driver_tokens
        row = await self._context.fetch_one(select(link).where(link.c.token_uid == uid))
        return None if row is None else str(row["driver_id"])


def _row(item: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(item, name) for name in fields}


def _secret_row(secret: DriverSecret) -> dict[str, Any]:
    return _row(secret, _SECRET_FIELDS) | {"purpose": secret.purpose.value}
