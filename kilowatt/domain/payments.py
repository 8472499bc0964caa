"""Pay-as-you-go payments: a hold (pre-authorisation) at the start of a session, the exact
total captured at the CDR, the rest released, refunds by an operator.

    AUTHORIZED ──capture(n > 0)──▶ CAPTURED ──refund(all of it)──▶ REFUNDED
        │                            └──refund(part)──▶ CAPTURED (refunded_minor grows)
        └──capture(0) / release──▶ RELEASED

Amounts are integers in the currency's minor unit (cents): ``to_minor`` converts a Decimal
total exactly, and refuses what does not fit (never rounds money silently).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from kilowatt.domain.errors import Conflict, DomainError, InvalidValue

__all__ = ["Payment", "PaymentDeclined", "PaymentState", "to_minor"]

# ISO 4217 minor units of the currencies we expect; others have 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "HUF": 2, "KWD": 3, "BHD": 3}


class PaymentDeclined(DomainError):
    """The card was declined (the reason is the provider's message, fit for the driver)."""


class PaymentState(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    RELEASED = "released"


def to_minor(amount: Decimal, currency: str) -> int:
    """>>> to_minor(Decimal("4.24"), "EUR")
    424
    """
    scaled = amount.scaleb(_EXPONENTS.get(currency, 2))
    if scaled != scaled.to_integral_value():
        raise InvalidValue(f"{amount} {currency} has more decimals than the currency")
    if scaled < 0:
        raise InvalidValue("a payment amount cannot be negative")
    return int(scaled)


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
