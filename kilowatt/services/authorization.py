"""May this token charge? A chain of authorizers (local tokens now; driver accounts and roaming
partners later), then the rule that one token drives one transaction at a time."""

from __future__ import annotations

from kilowatt.domain.tokens import (
    Authorization,
    AuthorizationRequest,
    AuthorizationStatus,
    decide,
)
from kilowatt.ports import Authorizer, Clock, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.context import ServiceContext

__all__ = ["AuthorizerChain", "LocalTokens", "authorize", "check_token"]


class LocalTokens:
    """Tokens in our own store (RFID cards, app tokens, tokens pushed by partners)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def authorize(self, request: AuthorizationRequest) -> Authorization | None:
        async with self._uow() as uow:
            token = await uow.tokens.get(request.uid)
        return None if token is None else decide(token, self._clock.now())


class AuthorizerChain:
    """Asks each authorizer in turn; the first that knows the token decides."""

    def __init__(self, *authorizers: Authorizer) -> None:
        self.authorizers = list(authorizers)

    async def authorize(self, request: AuthorizationRequest) -> Authorization | None:
        for authorizer in self.authorizers:
            decision = await authorizer.authorize(request)
            if decision is not None:
                return decision
        return None


async def authorize(
    request: AuthorizationRequest,
    authorizer: Authorizer,
    uow: UnitOfWork,
    *,
    this_transaction: str | None = None,
) -> Authorization:
    """The decision for a station, ConcurrentTx when the token already charges elsewhere."""
    decision = await authorizer.authorize(request)
    if decision is None:
        return Authorization(AuthorizationStatus.INVALID)
    if decision.status is not AuthorizationStatus.ACCEPTED:
        return decision
    active = await uow.transactions.active_with_token(request.uid)
    if any(transaction.pk != this_transaction for transaction in active):
        return Authorization(AuthorizationStatus.CONCURRENT_TX, group_id=decision.group_id)
    return decision


async def check_token(request: AuthorizationRequest, ctx: ServiceContext) -> Authorization:
    """An Authorize request from a station."""
    async with ctx.uow() as uow:
        return await authorize(request, ctx.authorizer, uow)
