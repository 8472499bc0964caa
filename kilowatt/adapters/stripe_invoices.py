"""``ports.InvoiceCharges`` on Stripe: an invoice is charged as one off-session
PaymentIntent, confirmed and captured at once, on the SDK client ``StripePayments`` made.

Kilowatt issues the invoice itself (number, VAT, PDF); Stripe only moves the money, so
Stripe Invoices (which localstripe lacks for customers without a subscription) are not used.
"""

from __future__ import annotations

import stripe

from kilowatt.domain.payments import PaymentDeclined
from kilowatt.ports import PaymentHold

__all__ = ["StripeInvoiceCharges"]


class StripeInvoiceCharges:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    async def charge(self, charge: PaymentHold) -> str:
        params: stripe.params.PaymentIntentCreateParams = {
            "amount": charge.amount_minor,
            "currency": charge.currency.lower(),
            "customer": charge.customer,
            "payment_method": charge.payment_method,
            "confirm": True,
            "off_session": True,
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params, {"idempotency_key": charge.idempotency_key}
            )
        except stripe.CardError as error:
            raise PaymentDeclined(error.user_message or str(error) or "declined") from error
        if intent.status != "succeeded":  # 3-D Secure: the driver is not there to confirm
            raise PaymentDeclined(f"the card needs the cardholder ({intent.status})")
        return intent.id
