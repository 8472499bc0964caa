"""Why payments stopped a driver's session, as the session API and the live pages tell it:
"stopped: your card was declined for the next part of the session (reason)" once a top-up
was refused. The reason is kept on the session's latest hold (``Payment.stop_reason``), so
a reload still shows it; None when payments did not stop the session (or are off).
"""

from __future__ import annotations

from kilowatt.domain.payments import stop_reason_of
from kilowatt.domain.roaming_objects import ObjectKey
from kilowatt.services.payment_context import PaymentContext
from kilowatt.services.roaming_payments import session_key

__all__ = ["partner_stop_reason", "stop_reason"]


async def stop_reason(session_id: str, pctx: PaymentContext | None) -> str | None:
    """Of one of our sessions (``session_id``: its transaction's key)."""
    if pctx is None:
        return None
    return stop_reason_of(await pctx.store.of_transaction(session_id))


async def partner_stop_reason(key: ObjectKey, pctx: PaymentContext | None) -> str | None:
    """Of a session at a partner CPO (its key as the partner sent it)."""
    if pctx is None:
        return None
    return stop_reason_of(await pctx.store.of_roaming_session(session_key(key)))
