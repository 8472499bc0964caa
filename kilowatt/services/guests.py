"""Ad hoc charging without an account (EU AFIR, issue 7): every EVSE has a public page where
anyone sees the price and pays one session by card.

    offer(station, EVSE) ──▶ the ad hoc price (the tariff engine without a driver group)
    open_guest ──▶ (at most so many per client address and per EVSE in a window: RateLimited)
                   a customer at the provider + a SetupIntent (its client secret goes to
                   Stripe.js in the browser: card data never reaches Kilowatt) + the guest's
                   secret, the only key to this session (its digest is stored)
    start ──▶ the card the SetupIntent saved ──▶ a token of its own (AD_HOC_USER) ──▶ the
              hold and the remote start of an app start (``payments.start_paid``)
    TransactionEnded ──▶ the token is blocked: it was good for this one session (and a start
                         only within 15 minutes: after that it has expired)
    CDR ──▶ captured exactly like an app session; the receipt is read with the secret

Without payments there is no card step: the page shows the price and no start (no free
charging).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kilowatt.domain import events
from kilowatt.domain.errors import Conflict, NotFound, UnknownTransaction
from kilowatt.domain.guests import Guest, guest_secret_digest
from kilowatt.domain.payments import PaymentDeclined
from kilowatt.domain.price_display import UnitPrices
from kilowatt.domain.rate_limits import GuestLimits
from kilowatt.domain.tokens import IdToken, TokenStatus, TokenType
from kilowatt.domain.transactions import Transaction
from kilowatt.ports import CdrFilter, CdrRecord, Queries, StationGateway
from kilowatt.services import remote_control
from kilowatt.services.context import ServiceContext
from kilowatt.services.live_sessions import WatchedSession
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.payments import start_paid
from kilowatt.services.remote_control import RemoteStart, RemoteStop
from kilowatt.services.tariffs import applied_tariff

__all__ = [
    "GuestTokens",
    "Offer",
    "OpenedGuest",
    "Visitor",
    "cdr_of",
    "guest_of",
    "offer",
    "open_guest",
    "start",
    "stop",
    "watch",
]

# The OCPP idToken type of a guest's token: the central system vouches for it (as for apps).
_CENTRAL = "Central"
_START_WINDOW = timedelta(minutes=15)  # from the guest's start to the station's


@dataclass(frozen=True, slots=True)
class Offer:
    """What a passer-by sees at an EVSE before paying."""

    station_id: str
    evse_id: int
    evse_code: str | None
    prices: UnitPrices


@dataclass(frozen=True, slots=True)
class OpenedGuest:
    secret: str  # the guest's key to its session (in the page URL); shown once
    client_secret: str  # the SetupIntent's, for Stripe.js


async def offer(station_id: str, evse_id: int, ctx: ServiceContext) -> Offer:
    """The ad hoc price at the EVSE now; NotFound for an EVSE we do not have."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
        evse = station.evse(evse_id) if station is not None else None
        if evse is None:
            raise NotFound(f"no EVSE {evse_id} at station {station_id}")
        applied = await applied_tariff(uow, ctx, (station_id, evse_id, None), None, now)
    return Offer(station_id, evse_id, evse.evse_code, applied.unit_prices(now))


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who asks for a guest: the client's network address, and its email if given."""

    address: str
    email: str | None = None


async def open_guest(
    station_id: str,
    evse_id: int,
    pctx: PaymentContext,
    visitor: Visitor,
    limits: GuestLimits | None = None,
) -> OpenedGuest:
    """A guest at the EVSE with a customer and a SetupIntent for its card. ``RateLimited``
    (nothing made, at the provider or here) once the address or the EVSE had enough."""
    await offer(station_id, evse_id, pctx.ctx)  # an unknown EVSE is 404 and counts for nothing
    if limits is not None:
        limits.admit(visitor.address, (station_id, evse_id), pctx.ctx.clock.now())
    email = visitor.email
    guest_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(32)
    customer = await pctx.gateway.create_customer(email or "", f"customer-{guest_id}")
    client_secret = await pctx.cards.setup_intent(customer, f"setup-{guest_id}")
    setup_intent = client_secret.split("_secret_")[0]
    now = pctx.ctx.clock.now()
    guest = Guest(
        guest_id, guest_secret_digest(secret), station_id, evse_id, customer, setup_intent, now
    )
    guest.email = email
    async with pctx.ctx.uow() as uow:
        uow.guests.save(guest)
        await uow.commit()
    return OpenedGuest(secret, client_secret)


async def guest_of(secret: str, ctx: ServiceContext) -> Guest:
    """The guest whose secret this is; NotFound (404) for any other string."""
    async with ctx.uow() as uow:
        guest = await uow.guests.by_secret(guest_secret_digest(secret))
    if guest is None:
        raise NotFound("no such ad hoc session")
    return guest


async def start(
    secret: str, pctx: PaymentContext, gateway: StationGateway, *, timeout_s: float
) -> dict[str, Any]:
    """Hold on the card the guest confirmed, then ask the station (PaymentDeclined: not
    asked); the station's answer. One start per guest."""
    guest = await guest_of(secret, pctx.ctx)
    if guest.token_uid is not None:
        raise Conflict("this ad hoc session has already been started")
    card = await pctx.cards.saved_by(guest.setup_intent)
    if card is None:
        raise PaymentDeclined("the card has not been confirmed yet")
    if card not in {c.id for c in await pctx.cards.cards(guest.customer)}:
        await pctx.gateway.attach_card(guest.customer, card)  # Stripe attached it; a fake may not
    token = await _new_token(guest, pctx.ctx)
    request = RemoteStart(token.uid, guest.evse_id, id_token_type=_CENTRAL)
    try:
        answer = await start_paid(
            guest.id, guest.station_id, request, pctx, gateway, timeout_s=timeout_s
        )
    except BaseException:
        await _block(token.uid, pctx.ctx)
        raise
    if answer.get("status") != "Accepted":
        await _block(token.uid, pctx.ctx)
    return answer


async def _new_token(guest: Guest, ctx: ServiceContext) -> IdToken:
    now = ctx.clock.now()
    # 20 characters, OCPP 1.6's limit for an idTag: "AH" and 72 random bits; it authorizes
    # a start only within the window (a car that never came leaves no usable token behind)
    uid = f"AH{secrets.token_hex(9).upper()}"
    token = IdToken(uid, TokenType.AD_HOC_USER, now, now, expires_at=now + _START_WINDOW)
    async with ctx.uow() as uow:
        uow.tokens.add(token)
        guest.token_uid = token.uid
        uow.guests.save(guest)
        await uow.commit()
    return token


async def _block(uid: str, ctx: ServiceContext) -> None:
    async with ctx.uow() as uow:
        token = await uow.tokens.get(uid)
        if token is None or token.status is TokenStatus.BLOCKED:
            return
        token.status, token.updated_at = TokenStatus.BLOCKED, ctx.clock.now()
        uow.tokens.save(token)
        await uow.commit()


async def watch(secret: str, ctx: ServiceContext, queries: Queries) -> WatchedSession:
    """The guest's session (for the live page); 404 before the station started it."""
    guest = await guest_of(secret, ctx)
    found: Sequence[Transaction] = []
    if guest.token_uid is not None:
        found = await queries.transactions(
            station_id=guest.station_id, status=None, id_token=guest.token_uid, limit=1, offset=0
        )
    if not found:
        raise UnknownTransaction("the session has not started (yet)")
    transaction = found[0]
    return WatchedSession(transaction.pk, transaction.station_id, transaction.transaction_id)


async def stop(
    secret: str, ctx: ServiceContext, queries: Queries, gateway: StationGateway, *, timeout_s: float
) -> dict[str, Any]:
    watched = await watch(secret, ctx, queries)
    async with ctx.uow() as uow:
        transaction = await uow.transactions.by_pk(watched.session_id)
    if transaction is None or not transaction.is_active:
        raise Conflict("the session has already ended")
    stopping = RemoteStop(transaction.transaction_id)
    return await remote_control.send(
        transaction.station_id, stopping, ctx, gateway, timeout_s=timeout_s
    )


async def cdr_of(secret: str, ctx: ServiceContext, queries: Queries) -> CdrRecord:
    """The CDR of the guest's session (its latest revision); 404 until there is one."""
    guest = await guest_of(secret, ctx)
    found: list[CdrRecord] = []
    if guest.token_uid is not None:
        found = list(await queries.cdrs(CdrFilter(id_token=guest.token_uid), limit=10, offset=0))
    if not found:
        raise NotFound("no receipt yet: the session has not ended")
    return found[0]


class GuestTokens:
    """The subscriber that blocks a guest's token once its session ended (one session each)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.TransactionEnded):
            return
        async with self._ctx.uow() as uow:
            transaction = await uow.transactions.get(event.station_id, event.transaction_id)
            uid = transaction.id_token if transaction is not None else None
            guest = await uow.guests.by_token(uid) if uid is not None else None
        if guest is not None and guest.token_uid is not None:
            await _block(guest.token_uid, self._ctx)
