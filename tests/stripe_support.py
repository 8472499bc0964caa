"""localstripe (a stateful fake Stripe server from PyPI) on a free loopback port for the
whole run, the app's side of Stripe.js (only Stripe sees card numbers), and webhook payloads
signed the way Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe

API_KEY = "sk_test_kilowatt"
WEBHOOK_SECRET = "whsec_kilowatt_test"
VISA, DECLINED_ON_CHARGE = "4242424242424242", "4000000000000341"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.localstripe_server", str(port)],
        cwd=Path(__file__).parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def stripe_js(localstripe_url: str) -> stripe.StripeClient:
    """Plays the app's side: only the provider sees card numbers, we get a payment method id."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": localstripe_url})


def tokenised(stripe_js: stripe.StripeClient, number: str) -> str:
    # a raw card number, as Stripe.js sends it (localstripe has no Stripe.js); never to us
    card: Any = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = stripe_js.v1.payment_methods.create({"type": "card", "card": card})
    return method.id


def signed(event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature: t=<time>,v1=HMAC-SHA256(secret, "t.body")."""
    body = json.dumps(event).encode()
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={mac}"
