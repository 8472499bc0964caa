"""Our drivers pay for sessions at partner CPOs (roaming, eMSP role) as at our stations:

    start at a partner's location from the app ──▶ hold on the driver's card, then
    START_SESSION carrying the hold's ``authorization_reference``
        declined ──▶ PaymentDeclined (402), the partner is never asked
        the CPO refuses, fails, cannot be reached, or its CommandResult is not ACCEPTED
            ──▶ the hold is released
    a Session arrives (PUT, PATCH) ──▶ linked to its hold: by the authorization_reference
        the CPO copied onto it, else the driver's token at the location the start was for,
        started within ``LINK_WINDOW`` of the hold
        its total_cost nears what is held ──▶ one more hold (top-up); refused ──▶ STOP_SESSION,
            and why is kept on the latest hold for the driver (``Payment.stop_reason``)
        INVALID ──▶ the holds are released (nothing to charge)
    the CDR arrives ──▶ its total is captured over the session's holds, exactly as our own
        CDRs are (``payment_settlement.capture_total``); a partner's price may carry more
        decimals than the currency, so the total is rounded half up to the minor unit first

A postpaid driver is never held: partner CDRs go on the monthly invoice. A partner session
is known to payments as ``{country}:{party}:{session id}`` (``session_key``).
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from kilowatt.domain.payments import (
    HoldKind,
    Payment,
    PaymentState,
    to_minor_nearest,
    to_minor_up,
)
from kilowatt.domain.roaming_objects import ObjectKey, ReceivedModule, SentCommand
from kilowatt.services import roaming_sent_commands as sent
from kilowatt.services.context import ServiceContext
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.payment_settlement import capture_total
from kilowatt.services.payments import give_back, hold_card, top_up_or_stop
from kilowatt.services.roaming_sent_commands import CommandSender, StartRequest

__all__ = [
    "LINK_WINDOW",
    "on_cdr",
    "on_command_result",
    "on_session",
    "session_key",
    "settle_partner",
    "start_paid",
]

log = logging.getLogger(__name__)

#: A partner's session (by its own clock) started this close to the hold is the hold's.
LINK_WINDOW: Final = timedelta(minutes=15)

_ACCEPTED = "ACCEPTED"


def session_key(key: ObjectKey) -> str:
    return f"{key.country_code}:{key.party_id}:{key.id}"


async def start_paid(
    sender: CommandSender,
    ctx: ServiceContext,
    pctx: PaymentContext,
    driver_id: str,
    where: StartRequest,
) -> SentCommand:
    """Hold, then START_SESSION with the hold's reference; the command as answered."""
    reference = uuid.uuid4().hex
    key = f"hold-roaming-{reference}"
    payment = await hold_card(driver_id, key, pctx.policy.preauth_minor, pctx)
    payment.roaming_partner, payment.roaming_location = where.partner_id, where.location_id
    payment.roaming_reference = reference
    await pctx.store.save(payment)
    asked = dataclasses.replace(where, authorization_reference=reference)
    try:
        command = await sent.driver_start_session(sender, ctx, driver_id, asked)
    except BaseException:
        await give_back(payment, pctx)
        raise
    if command.response != _ACCEPTED or command.result not in (None, _ACCEPTED):
        await give_back(payment, pctx)
    return command


async def on_command_result(command_id: str, sender: CommandSender, pctx: PaymentContext) -> int:
    """A START_SESSION that did not start (its result is not ACCEPTED) gives its hold back,
    unless a session claimed it already; how many holds were released."""
    command = await sender.commands.get(command_id)
    if command is None or command.command != "START_SESSION":
        return 0
    reference = command.request.get("authorization_reference")
    if command.result in (None, _ACCEPTED) or not isinstance(reference, str):
        return 0
    released = 0
    for payment in await pctx.store.by_roaming_reference(reference):
        if payment.state is PaymentState.AUTHORIZED and payment.roaming_session is None:
            await give_back(payment, pctx)
            released += 1
    return released


async def on_session(key: ObjectKey, sender: CommandSender, pctx: PaymentContext) -> Payment | None:
    """Link the partner's session to its hold; a top-up when its cost nears what is held
    (the top-up placed, if any)."""
    found = await sender.received.get(ReceivedModule.SESSIONS, key)
    if found is None:
        return None
    body, session = found.body, session_key(key)
    async with pctx.locks.hold(session):
        payments = await _linked(session, found.partner_id, _Claim.of_session(body), pctx)
        held = [p for p in payments if p.state is PaymentState.AUTHORIZED]
        if not held:
            return None
        if body.get("status") == "INVALID":
            for payment in held:
                await give_back(payment, pctx)
            return None
        if body.get("status") not in ("ACTIVE", "PENDING", "RESERVATION"):
            return None  # COMPLETED: the CDR settles it
        if not _nears(body, held, pctx):
            return None
        return await _top_up(key, found.partner_id, payments, sender, pctx)


async def on_cdr(key: ObjectKey, sender: CommandSender, pctx: PaymentContext) -> list[Payment]:
    """Capture the partner's CDR total over the session's holds (nothing when the session
    was not paid from the app); the payments touched."""
    found = await sender.received.get(ReceivedModule.CDRS, key)
    if found is None or found.body.get("credit"):
        return []
    body = found.body
    session_id = body.get("session_id")
    session = session_key(
        ObjectKey(key.country_code, key.party_id, str(session_id)) if session_id else key
    )
    async with pctx.locks.hold(session):
        payments = await _linked(session, found.partner_id, _Claim.of_cdr(body), pctx)
        if not payments:
            return []
        currency = str(body["currency"])
        if currency != payments[0].currency:
            log.error(
                "CDR %s is in %s, its holds in %s: settle it by hand",
                key,
                currency,
                payments[0].currency,
            )
            return []
        total = to_minor_nearest(_cost(body), currency)
        return await capture_total(payments, session_key(key), total, pctx)


async def settle_partner(payment: Payment, sender: CommandSender, pctx: PaymentContext) -> int:
    """For the reconcile sweep: a held partner session whose CDR came while nothing settled
    it (a lost event, a restart) is settled now; how many payments changed."""
    if payment.roaming_session is None:
        return 0
    country, party, session_id = payment.roaming_session.split(":", 2)
    cdr = await sender.received.cdr_of_session(ObjectKey(country, party, session_id))
    if cdr is None:  # a CDR without a session_id is keyed by itself
        cdr = await sender.received.get(ReceivedModule.CDRS, ObjectKey(country, party, session_id))
    return 0 if cdr is None else len(await on_cdr(cdr.key, sender, pctx))


@dataclasses.dataclass(frozen=True, slots=True)
class _Claim:
    """What a Session or CDR says about whose hold it is."""

    token_uid: str
    location_id: str
    started_at: datetime | None
    reference: str | None

    @classmethod
    def of_session(cls, body: Mapping[str, Any]) -> _Claim:
        return cls(
            str(body["cdr_token"]["uid"]),
            str(body.get("location_id")),
            _when(body.get("start_date_time")),
            _reference(body),
        )

    @classmethod
    def of_cdr(cls, body: Mapping[str, Any]) -> _Claim:
        location = body.get("cdr_location") or {}
        return cls(
            str(body["cdr_token"]["uid"]),
            str(location.get("id")),
            _when(body.get("start_date_time")),
            _reference(body),
        )


async def _linked(
    session: str, partner_id: str, claim: _Claim, pctx: PaymentContext
) -> list[Payment]:
    """The session's holds, linking its start hold first if none is linked yet."""
    payments = list(await pctx.store.of_roaming_session(session))
    if payments:
        return payments
    start = await _start_hold(partner_id, claim, pctx)
    if start is None:
        return []
    start.roaming_session = session
    await pctx.store.save(start)
    return [start]


async def _start_hold(partner_id: str, claim: _Claim, pctx: PaymentContext) -> Payment | None:
    if claim.reference is not None:
        for payment in await pctx.store.by_roaming_reference(claim.reference):
            if payment.roaming_session is None and payment.roaming_partner == partner_id:
                return payment
    async with pctx.ctx.uow() as uow:
        driver_id = await uow.drivers.owner_of(claim.token_uid)
    if driver_id is None or claim.started_at is None:
        return None
    candidates = await pctx.store.unlinked_roaming(driver_id, partner_id, claim.location_id)
    started = claim.started_at
    near = [p for p in candidates if abs(started - p.created_at) <= LINK_WINDOW]
    return min(near, key=lambda p: abs(started - p.created_at)) if near else None


def _nears(body: Mapping[str, Any], held: Sequence[Payment], pctx: PaymentContext) -> bool:
    if body.get("currency") != held[0].currency or body.get("total_cost") is None:
        return False
    cost = to_minor_up(_cost(body), held[0].currency)
    return cost + pctx.policy.topup_threshold_minor >= sum(p.authorized_minor for p in held)


async def _top_up(
    key: ObjectKey,
    partner_id: str,
    payments: Sequence[Payment],
    sender: CommandSender,
    pctx: PaymentContext,
) -> Payment | None:
    first = payments[0]

    async def stop() -> None:
        await sent.stop_session(sender, partner_id, key.id)

    hold_key = f"top-up-{session_key(key)}-{len(payments)}"
    payment = await top_up_or_stop(payments, hold_key, stop, pctx)
    if payment is None:
        return None
    payment.kind, payment.roaming_session = HoldKind.TOP_UP, first.roaming_session
    payment.roaming_partner, payment.roaming_location = partner_id, first.roaming_location
    await pctx.store.save(payment)
    return payment


def _cost(body: Mapping[str, Any]) -> Decimal:
    cost = body["total_cost"]
    return Decimal(str(cost.get("incl_vat", cost["excl_vat"])))


def _reference(body: Mapping[str, Any]) -> str | None:
    found = body.get("authorization_reference")
    return str(found) if found else None


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)
