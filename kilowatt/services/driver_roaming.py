"""A driver's charging at partner CPOs (eMSP role), for the driver app: start with the app
token, stop, follow the commands, and the sessions and CDRs partner CPOs sent us for the
driver's tokens. Another driver's session, CDR or command is "not found", never shown."""

from __future__ import annotations

from collections.abc import Sequence

from kilowatt.domain.errors import NotFound
from kilowatt.domain.roaming_objects import ReceivedModule, ReceivedObject, SentCommand
from kilowatt.ports import ReceivedObjects
from kilowatt.services import driver_tokens, roaming_payments
from kilowatt.services import roaming_sent_commands as sent
from kilowatt.services.context import ServiceContext
from kilowatt.services.invoices import InvoiceContext, is_postpaid
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.roaming_sent_commands import CommandSender

__all__ = [
    "cdr_of",
    "cdrs_of",
    "command_of",
    "owned_command",
    "session_in",
    "session_of",
    "sessions_of",
    "start_session",
    "stop_session",
]


async def sessions_of(
    sender: CommandSender, ctx: ServiceContext, driver_id: str, *, limit: int, offset: int
) -> Sequence[ReceivedObject]:
    """The driver's sessions at partner CPOs, the most recently updated first."""
    uids = await _token_uids(driver_id, ctx)
    page = await sender.received.of_tokens(
        ReceivedModule.SESSIONS, uids, limit=limit, offset=offset
    )
    return page.items


async def session_of(
    sender: CommandSender, ctx: ServiceContext, driver_id: str, session_id: str
) -> ReceivedObject:
    return await session_in(sender.received, ctx, driver_id, session_id)


async def session_in(
    received: ReceivedObjects, ctx: ServiceContext, driver_id: str, session_id: str
) -> ReceivedObject:
    """The driver's session ``session_id`` among the partner objects ``received``."""
    uids = await _token_uids(driver_id, ctx)
    page = await received.of_tokens(
        ReceivedModule.SESSIONS, uids, limit=1, offset=0, object_id=session_id
    )
    if not page.items:
        raise NotFound(f"no session {session_id}")
    return page.items[0]


async def cdrs_of(
    sender: CommandSender, ctx: ServiceContext, driver_id: str, *, limit: int, offset: int
) -> Sequence[ReceivedObject]:
    """The CDRs partner CPOs sent for the driver's tokens, the most recent first."""
    uids = await _token_uids(driver_id, ctx)
    page = await sender.received.of_tokens(ReceivedModule.CDRS, uids, limit=limit, offset=offset)
    return page.items


async def start_session(
    sender: CommandSender,
    ctx: ServiceContext,
    driver_id: str,
    where: sent.StartRequest,
    *,
    payments: PaymentContext | None = None,
    invoicing: InvoiceContext | None = None,
) -> SentCommand:
    """START_SESSION with the driver's app token. With ``payments`` the driver's card is
    held first, as at our stations (PaymentDeclined: the partner is not asked); a postpaid
    driver is not held (the partner's CDR goes on the monthly invoice)."""
    if payments is not None and not (invoicing and await is_postpaid(driver_id, invoicing)):
        return await roaming_payments.start_paid(sender, ctx, payments, driver_id, where)
    return await sent.driver_start_session(sender, ctx, driver_id, where)


async def cdr_of(
    received: ReceivedObjects, ctx: ServiceContext, driver_id: str, cdr_id: str
) -> ReceivedObject:
    """One CDR a partner CPO sent for one of the driver's tokens; NotFound for any other."""
    uids = await _token_uids(driver_id, ctx)
    page = await received.of_tokens(ReceivedModule.CDRS, uids, limit=1, offset=0, object_id=cdr_id)
    if not page.items:
        raise NotFound(f"no CDR {cdr_id}")
    return page.items[0]


async def stop_session(
    sender: CommandSender, ctx: ServiceContext, driver_id: str, session_id: str
) -> SentCommand:
    """STOP_SESSION of one of the driver's sessions, at the partner that sent it."""
    found = await session_of(sender, ctx, driver_id, session_id)
    return await sent.driver_stop_session(sender, ctx, driver_id, found.partner_id, session_id)


async def command_of(
    sender: CommandSender, ctx: ServiceContext, driver_id: str, command_id: str
) -> SentCommand:
    """A command sent for the driver: with one of its tokens, or about one of its sessions."""
    found = await sent.command(sender, command_id)
    return await owned_command(found, sender.received, ctx, driver_id)


async def owned_command(
    found: SentCommand, received: ReceivedObjects, ctx: ServiceContext, driver_id: str
) -> SentCommand:
    """``found`` if it was sent for the driver, else ``NotFound``."""
    token = found.request.get("token")
    if isinstance(token, dict) and token.get("uid") in await _token_uids(driver_id, ctx):
        return found
    session_id = found.request.get("session_id")
    if isinstance(session_id, str):
        await session_in(received, ctx, driver_id, session_id)  # NotFound unless the driver's
        return found
    raise NotFound(f"no command {found.id}")


async def _token_uids(driver_id: str, ctx: ServiceContext) -> list[str]:
    return [token.uid for token in await driver_tokens.tokens_of(driver_id, ctx)]
