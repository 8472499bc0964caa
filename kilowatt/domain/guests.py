"""Ad hoc charging without an account (EU AFIR): a guest who pays one session by card.

A guest is known only by an unguessable secret (in the URL of their session page) and the
token Kilowatt made for that one session; its card lives at the payment provider under a
customer of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Guest", "guest_secret_digest"]


@dataclass(slots=True)
class Guest:
    """One ad hoc session at one EVSE. ``id`` is also the ``driver_id`` of its payments."""

    id: str
    secret_digest: str  # SHA-256 of the secret: a stolen database does not open sessions
    station_id: str
    evse_id: int
    customer: str  # the provider's customer that holds the card
    setup_intent: str  # the SetupIntent the card was confirmed with (in the browser)
    created_at: datetime
    token_uid: str | None = None  # made at the start, authorized for this session only
    email: str | None = None  # where the receipt goes, if the guest asked for it


def guest_secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
