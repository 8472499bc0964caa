"""Pay-as-you-go payments: a hold (pre-authorisation) at the start of a session, the exact
total captured at the CDR, the rest released, refunds by an operator.

    AUTHORIZED ──capture(n > 0)──▶ CAPTURED ──refund(all of it)──▶ REFUNDED
        │                            └──refund(part)──▶ CAPTURED (refunded_minor grows)
        └──capture(0) / release──▶ RELEASED

Amounts are integers in the currency's minor unit (cents): ``to_minor`` converts a Decimal
total exactly, and refuses what does not fit (never rounds money silently).

A long session may hold more than once (a top-up when the cost nears what is held): the CDR
total is then spread over the holds in order (``split``), so the captures add up to exactly
the total. What the provider reports (a webhook, a poll) only ever moves a payment forward
(``observe``): a late or replayed report cannot undo a capture or a release.

A refused top-up stops the session; why is kept on the session's latest hold
(``stop_reason``, see ``top_up_refusal``), so the driver is told, now and after a reload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum

from kilowatt.domain.errors import Conflict, DomainError, InvalidValue

__all__ = [
    "HoldKind",
    "Payment",
    "PaymentDeclined",
    "PaymentRefund",
    "PaymentState",
    "split",
    "stop_reason_of",
    "to_minor",
    "to_minor_nearest",
    "to_minor_up",
    "top_up_refusal",
]

# ISO 4217 minor units of the currencies we expect; others have 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "HUF": 2, "KWD": 3, "BHD": 3}


class PaymentDeclined(DomainError):
    """The card was declined (the reason is the provider's message, fit for the driver)."""


class PaymentState(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    RELEASED = "released"


class HoldKind(StrEnum):
    START = "start"  # placed before the station is asked to start
    TOP_UP = "top_up"  # placed while the session runs, as its cost nears what is held
    SHORTFALL = "shortfall"  # the part of a CDR total above all the holds, charged at the end


def to_minor(amount: Decimal, currency: str) -> int:
    """An exact amount in minor units.

    >>> to_minor(Decimal("4.24"), "EUR")
    424
    """
    scaled = amount.scaleb(_EXPONENTS.get(currency, 2))
    if scaled != scaled.to_integral_value():
        raise InvalidValue(f"{amount} {currency} has more decimals than the currency")
    if scaled < 0:
        raise InvalidValue("a payment amount cannot be negative")
    return int(scaled)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """Minor units as an amount.

    >>> from_minor(424, "EUR")
    Decimal('4.24')
    """
    return Decimal(amount_minor).scaleb(-_EXPONENTS.get(currency, 2))


def to_minor_nearest(amount: Decimal, currency: str) -> int:
    """A partner's price (it may carry more decimals than the currency) in minor units,
    rounded half up, as it is charged.

    >>> to_minor_nearest(Decimal("4.2450"), "EUR")
    425
    """
    scaled = amount.scaleb(_EXPONENTS.get(currency, 2)).to_integral_value(ROUND_HALF_UP)
    if scaled < 0:
        raise InvalidValue("a payment amount cannot be negative")
    return int(scaled)


def to_minor_up(amount: Decimal, currency: str) -> int:
    """An estimate in minor units, rounded up (to hold against, never to charge).

    >>> to_minor_up(Decimal("4.2412"), "EUR")
    425
    """
    scaled = amount.scaleb(_EXPONENTS.get(currency, 2)).to_integral_value(ROUND_CEILING)
    return max(int(scaled), 0)


@dataclass(slots=True)
class Payment:
    """One session's payment; ``reference`` is the provider's id (a Stripe PaymentIntent)."""

    id: str
    driver_id: str
    reference: str
    currency: str
    authorized_minor: int
    created_at: datetime
    updated_at: datetime
    state: PaymentState = PaymentState.AUTHORIZED
    captured_minor: int = 0
    refunded_minor: int = 0
    transaction_pk: str | None = None
    cdr_id: str | None = None
    kind: HoldKind = HoldKind.START
    station_id: str | None = None
    evse_id: int | None = None
    remote_start_id: int | None = None
    idempotency_key: str = ""  # the one the hold was placed with
    # A session at a partner CPO (OCPI): where it was asked to start, the
    # authorization_reference sent with START_SESSION, the partner's session once linked.
    roaming_partner: str | None = None
    roaming_location: str | None = None
    roaming_reference: str | None = None
    roaming_session: str | None = None
    # Why payments stopped the session this pays for (a refused top-up), for the driver.
    stop_reason: str | None = None

    @property
    def is_final(self) -> bool:
        """Nothing more will happen to it on its own (refunds aside)."""
        return self.state is not PaymentState.AUTHORIZED

    @property
    def refundable_minor(self) -> int:
        return self.captured_minor - self.refunded_minor

    def capture(self, amount_minor: int, cdr_id: str, now: datetime) -> None:
        """Take ``amount_minor`` of the hold (the rest is released); 0 releases it all."""
        if self.state is not PaymentState.AUTHORIZED:
            raise Conflict(f"payment {self.id} is {self.state}, not authorized")
        if not 0 <= amount_minor <= self.authorized_minor:
            raise InvalidValue(
                f"cannot capture {amount_minor}: the hold is {self.authorized_minor}"
            )
        self.captured_minor = amount_minor
        self.state = PaymentState.CAPTURED if amount_minor else PaymentState.RELEASED
        self.cdr_id, self.updated_at = cdr_id, now

    def release(self, now: datetime) -> None:
        """Give the whole hold back (the start did not happen)."""
        if self.state is not PaymentState.AUTHORIZED:
            raise Conflict(f"payment {self.id} is {self.state}, not authorized")
        self.state, self.updated_at = PaymentState.RELEASED, now

    def refund(self, amount_minor: int, now: datetime) -> None:
        """Give back part or all of what was captured, never more."""
        if self.state is not PaymentState.CAPTURED:
            raise Conflict(f"payment {self.id} is {self.state}: nothing to refund")
        if not 0 < amount_minor <= self.refundable_minor:
            raise InvalidValue(
                f"a refund is 1 to {self.refundable_minor} minor units, not {amount_minor}"
            )
        self.refunded_minor += amount_minor
        if self.refunded_minor == self.captured_minor:
            self.state = PaymentState.REFUNDED
        self.updated_at = now

    def stopped(self, refusal: Exception, now: datetime) -> None:
        """The top-up after this hold was refused, so the session is being stopped."""
        self.stop_reason, self.updated_at = top_up_refusal(refusal), now

    def observe(self, status: str, received_minor: int, now: datetime) -> bool:
        """What the provider reports (PaymentIntent ``status`` and the amount it received);
        True when that moved the payment forward. Never moves it back."""
        if self.state is not PaymentState.AUTHORIZED:
            return False
        if status == "succeeded":
            self.captured_minor = min(received_minor, self.authorized_minor)
            self.state = PaymentState.CAPTURED if received_minor else PaymentState.RELEASED
        elif status == "canceled":
            self.state = PaymentState.RELEASED
        else:
            return False
        self.updated_at = now
        return True


@dataclass(frozen=True, slots=True)
class PaymentRefund:
    """Money given back from one payment, against a CDR, asked for by an operator."""

    id: str
    payment_id: str
    cdr_id: str | None
    amount_minor: int
    reference: str  # the provider's refund id
    idempotency_key: str
    requested_by: str
    created_at: datetime
    reason: str | None = None


def split(total_minor: int, available_minor: list[int]) -> list[int]:
    """Spread ``total_minor`` over parts with room ``available_minor``, first parts first;
    the shares add up to the total exactly (the caller covers any rest left over).

    >>> split(6000, [5000, 5000])
    [5000, 1000]
    """
    shares: list[int] = []
    for room in available_minor:
        share = min(room, total_minor - sum(shares))
        shares.append(max(share, 0))
    return shares


def top_up_refusal(error: Exception) -> str:
    """Why a session was stopped when its next hold (a top-up) was refused, for the driver.

    >>> top_up_refusal(PaymentDeclined("Your card has insufficient funds."))
    'your card was declined for the next part of the session (Your card has insufficient funds.)'
    """
    if isinstance(error, PaymentDeclined):
        return f"your card was declined for the next part of the session ({error})"
    if isinstance(error, DomainError):
        return f"the next part of the session could not be paid ({error})"
    return "the next part of the session could not be paid (the card could not be charged)"


def stop_reason_of(payments: Sequence[Payment]) -> str | None:
    """What the driver is told of a session that payments stopped ("stopped: …"); None when
    they did not stop it."""
    for payment in payments:
        if payment.stop_reason:
            return f"stopped: {payment.stop_reason}"
    return None
