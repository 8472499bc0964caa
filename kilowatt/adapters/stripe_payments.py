"""``ports.PaymentGateway``, ``ports.SavedCards`` and ``ports.PaymentLookup`` on Stripe's own
SDK (``stripe.StripeClient``, async over httpx).

Stripe's errors are translated here and only here: a card error becomes ``PaymentDeclined``
with Stripe's message (fit to show the driver), a bad webhook signature ``AccessDenied``;
anything else propagates as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import stripe

from kilowatt.domain.errors import AccessDenied
from kilowatt.domain.payments import PaymentDeclined
from kilowatt.ports import IntentStatus, PaymentHold, ProviderEvent, SavedCard

__all__ = ["StripePayments"]


class StripePayments:
    def __init__(
        self, api_key: str, api_base: str | None = None, webhook_secret: str | None = None
    ) -> None:
        self._webhook_secret = webhook_secret
        self._http = stripe.HTTPXClient()
        self._client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base} if api_base else {}, http_client=self._http
        )

    @property
    def client(self) -> stripe.StripeClient:
        """The SDK client, for the other Stripe adapters to share its HTTP connections."""
        return self._client

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

    # --- saved cards (ports.SavedCards) ---

    async def setup_intent(self, customer: str, idempotency_key: str) -> str:
        params: stripe.params.SetupIntentCreateParams = {
            "customer": customer,
            "usage": "off_session",
        }
        intent = await self._client.v1.setup_intents.create_async(
            params, {"idempotency_key": idempotency_key}
        )
        assert intent.client_secret is not None
        return intent.client_secret

    async def cards(self, customer: str) -> Sequence[SavedCard]:
        found = await self._client.v1.payment_methods.list_async(
            {"customer": customer, "type": "card"}
        )
        default = await self._default_card(customer)
        return [_card(method, default) for method in found.data if method.card is not None]

    async def saved_by(self, setup_intent: str) -> str | None:
        found = await self._client.v1.setup_intents.retrieve_async(setup_intent)
        method: Any = found.payment_method
        if found.status != "succeeded" or method is None:
            return None
        return method if isinstance(method, str) else str(method["id"])

    async def set_default(self, customer: str, payment_method: str) -> None:
        await self._client.v1.customers.update_async(
            customer, {"invoice_settings": {"default_payment_method": payment_method}}
        )

    async def detach(self, payment_method: str) -> None:
        await self._client.v1.payment_methods.detach_async(payment_method)

    async def _default_card(self, customer: str) -> str | None:
        found = await self._client.v1.customers.retrieve_async(customer)
        settings: Any = found["invoice_settings"] if "invoice_settings" in found else None
        chosen = settings["default_payment_method"] if settings else None
        return chosen if isinstance(chosen, str) or chosen is None else str(chosen["id"])

    # --- the provider's side (ports.PaymentLookup) ---

    async def intent(self, reference: str) -> IntentStatus:
        found = await self._client.v1.payment_intents.retrieve_async(reference)
        return _status(found.to_dict())

    def verify(self, payload: bytes, signature: str) -> ProviderEvent:
        if not self._webhook_secret:
            raise AccessDenied("no webhook secret is configured")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise AccessDenied(f"bad webhook: {error}") from error
        body = event.to_dict()
        found = body.get("data", {}).get("object", {})
        intent = _status(found) if found.get("object") == "payment_intent" else None
        ended = found.get("id") if body["type"] == "customer.subscription.deleted" else None
        return ProviderEvent(str(body["id"]), str(body["type"]), intent, ended)


def _card(method: stripe.PaymentMethod, default: str | None) -> SavedCard:
    card = method.card
    assert card is not None
    return SavedCard(
        method.id, card.brand, card.last4, card.exp_month, card.exp_year, method.id == default
    )


def _status(intent: dict[str, Any]) -> IntentStatus:
    """Stripe has ``amount_received``; localstripe lacks it, so fall back on the charge
    (what it took minus what went back: the released part of a partial capture)."""
    received = intent.get("amount_received")
    if received is None:
        charges = intent.get("charges", {}).get("data") or []
        latest = intent.get("latest_charge")
        charge = charges[0] if charges else latest if isinstance(latest, dict) else None
        received = charge["amount"] - charge["amount_refunded"] if charge else 0
    status = str(intent["status"])
    return IntentStatus(str(intent["id"]), status, int(received) if status == "succeeded" else 0)


def _reason(error: stripe.StripeError) -> str:
    return error.user_message or str(error) or "the card was declined"
