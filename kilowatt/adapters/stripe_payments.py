"""``ports.PaymentGateway`` on Stripe's own SDK (``stripe.StripeClient``, async over httpx).

Stripe's errors are translated here and only here: a card error becomes ``PaymentDeclined``
with Stripe's message (fit to show the driver); anything else propagates as it is.
"""

from __future__ import annotations

import stripe

from kilowatt.domain.payments import PaymentDeclined
from kilowatt.ports import PaymentHold

__all__ = ["StripePayments"]


class StripePayments:
    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        self._http = stripe.HTTPXClient()
        self._client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base} if api_base else {}, http_client=self._http
        )

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def create_customer(self, email: str, idempotency_key: str) -> str:
        customer = await self._client.v1.customers.create_async(
            {"email": email}, {"idempotency_key": idempotency_key}
        )
        return customer.id

    async def attach_card(self, customer: str, payment_method: str) -> None:
        try:
            await self._client.v1.payment_methods.attach_async(
                payment_method, {"customer": customer}
            )
        except stripe.CardError as error:
            raise PaymentDeclined(_reason(error)) from error

    async def hold(self, hold: PaymentHold) -> str:
        params: stripe.params.PaymentIntentCreateParams = {
            "amount": hold.amount_minor,
            "currency": hold.currency.lower(),
            "customer": hold.customer,
            "payment_method": hold.payment_method,
            "capture_method": "manual",
            "confirm": True,
            "off_session": True,
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params, {"idempotency_key": hold.idempotency_key}
            )
        except stripe.CardError as error:
            raise PaymentDeclined(_reason(error)) from error
        if intent.status != "requires_capture":
            await self.release(intent.id, f"{hold.idempotency_key}-release")
            raise PaymentDeclined(f"the card could not be held ({intent.status})")
        return intent.id

    async def capture(self, reference: str, amount_minor: int, idempotency_key: str) -> None:
        await self._client.v1.payment_intents.capture_async(
            reference, {"amount_to_capture": amount_minor}, {"idempotency_key": idempotency_key}
        )

    async def release(self, reference: str, idempotency_key: str) -> None:
        await self._client.v1.payment_intents.cancel_async(
            reference, None, {"idempotency_key": idempotency_key}
        )

    async def refund(self, reference: str, amount_minor: int, idempotency_key: str) -> str:
        refund = await self._client.v1.refunds.create_async(
            {"payment_intent": reference, "amount": amount_minor},
            {"idempotency_key": idempotency_key},
        )
        return refund.id


def _reason(error: stripe.StripeError) -> str:
    return error.user_message or str(error) or "the card was declined"
