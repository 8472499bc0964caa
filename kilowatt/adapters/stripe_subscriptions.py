"""``ports.SubscriptionBilling`` on Stripe's legacy Products + Plans API.

localstripe has no Prices (``/v1/prices`` is a 404) and refuses ``items=[{"price": ...}]``,
so plans are Plans; moving to Prices later touches this module only.
"""

from __future__ import annotations

from typing import Any

import stripe

from kilowatt.domain.payments import PaymentDeclined

__all__ = ["StripeSubscriptions"]


class StripeSubscriptions:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    async def create_plan(
        self, name: str, amount_minor: int, currency: str, interval: str, idempotency_key: str
    ) -> str:
        # localstripe still wants the legacy Product ``type`` field, which the SDK types lack
        product_params: Any = {"name": name, "type": "service"}
        product = await self._client.v1.products.create_async(
            product_params, {"idempotency_key": f"{idempotency_key}-product"}
        )
        plan_params: Any = {
            "product": product.id,
            "amount": amount_minor,
            "currency": currency.lower(),
            "interval": interval,
        }
        plan = await self._client.v1.plans.create_async(
            plan_params, {"idempotency_key": idempotency_key}
        )
        return plan.id

    async def subscribe(
        self, customer: str, plan: str, payment_method: str, idempotency_key: str
    ) -> str:
        # localstripe refuses the subscription's own default_payment_method: invoices are
        # paid with the customer's default, so the card becomes that (it usually is already)
        await self._client.v1.customers.update_async(
            customer, {"invoice_settings": {"default_payment_method": payment_method}}
        )
        params: Any = {"customer": customer, "items": [{"plan": plan}]}
        try:
            found = await self._client.v1.subscriptions.create_async(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe.CardError as error:
            raise PaymentDeclined(error.user_message or str(error)) from error
        if found.status not in ("active", "trialing"):
            await self.cancel(found.id)
            raise PaymentDeclined(f"the first period could not be paid ({found.status})")
        return found.id

    async def cancel(self, reference: str) -> None:
        await self._client.v1.subscriptions.cancel_async(reference)

    async def status(self, reference: str) -> str:
        found = await self._client.v1.subscriptions.retrieve_async(reference)
        return str(found.status)
