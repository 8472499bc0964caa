"""Alert webhooks over HTTP (ports.WebhookSender): a signed POST with httpx.

The receiver checks ``X-Kilowatt-Signature: sha256=<hex>``, the HMAC-SHA256 with the shared
secret of ``<X-Kilowatt-Timestamp>.<raw body>``, and may refuse old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac

import httpx

from kilowatt.domain.errors import DeliveryFailed
from kilowatt.ports import Clock, WebhookDelivery

__all__ = ["HttpWebhookSender", "signature"]


def signature(secret: str, timestamp: str, body: str) -> str:
    """The value of the X-Kilowatt-Signature header."""
    message = f"{timestamp}.{body}".encode()
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class HttpWebhookSender:
    def __init__(self, client: httpx.AsyncClient, url: str, secret: str, clock: Clock) -> None:
        self._client = client
        self._url = url
        self._secret = secret
        self._clock = clock

    async def send(self, delivery: WebhookDelivery) -> None:
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "X-Kilowatt-Event": delivery.event,
            "X-Kilowatt-Delivery": delivery.id,
            "X-Kilowatt-Timestamp": timestamp,
            "X-Kilowatt-Signature": signature(self._secret, timestamp, delivery.body),
        }
        try:
            response = await self._client.post(self._url, content=delivery.body, headers=headers)
        except httpx.HTTPError as error:  # the one seam where httpx errors become ours
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}")
