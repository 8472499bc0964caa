"""Payments after the fact, end to end against localstripe: saved cards in the app, refunds
by an operator (never above the capture, once per idempotency key), Stripe's signed webhook
(replays and late events change nothing, a bad signature is a 400), a reconcile that makes up
for a lost webhook, and a restart that loses no capture."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from typer.testing import CliRunner

from kilowatt.cli import app
from kilowatt.services import access
from tests.conftest import RunningServer
from tests.e2e.payment_support import (
    charged_session,
    driver_with_card,
    follower_idle,
    intent,
    paid,
    paid_api,
    received,
    reference_of,
    start_and_plug_in,
    stop,
)
from tests.e2e.test_api_cdrs import charge_16
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_sessions import AppStation16, connected, ok
from tests.stripe_support import API_KEY, localstripe_url, signed, stripe_js
from tests.support import TAG, eventually

__all__ = ["localstripe_url", "paid", "paid_api", "stripe_js"]  # the fixtures, used by name

WEBHOOK = "/api/v1/payments/stripe/webhook"


def event(event_id: str, kind: str, found: stripe.PaymentIntent) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": found.to_dict()},
    }


async def post_event(client: httpx.AsyncClient, body: bytes, signature: str) -> httpx.Response:
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    return await client.post(WEBHOOK, content=body, headers=headers)


async def test_a_driver_saves_lists_chooses_and_removes_cards_and_nobody_else_can(
    paid: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    bob = await driver_with_card(paid, caplog, stripe_js, "bob@example.com")
    async with ada.client(paid) as app, bob.client(paid) as other:
        (card,) = await ok(app.get("/api/v1/driver/payment-methods"))
        assert (card["brand"], card["last4"], card["default"]) == ("visa", "4242", False)
        (bobs,) = await ok(other.get("/api/v1/driver/payment-methods"))
        assert bobs["id"] != card["id"]

        for method, path in [
            ("PUT", f"/api/v1/driver/payment-methods/{card['id']}/default"),
            ("DELETE", f"/api/v1/driver/payment-methods/{card['id']}"),
        ]:
            assert (await other.request(method, path)).status_code == 404
        assert (await ok(app.get("/api/v1/driver/payment-methods")))[0]["id"] == card["id"]

        chosen = await app.put(f"/api/v1/driver/payment-methods/{card['id']}/default")
        assert chosen.status_code == 204
        assert (await ok(app.get("/api/v1/driver/payment-methods")))[0]["default"] is True
        removed = await app.delete(f"/api/v1/driver/payment-methods/{card['id']}")
        assert removed.status_code == 204
        assert await ok(app.get("/api/v1/driver/payment-methods")) == []


async def test_refunds_full_and_partial_never_above_the_capture_and_once_per_key(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada, payment = await charged_session(paid, paid_api, caplog, stripe_js, "CP-RFD")
    refunds = f"/api/v1/cdrs/{payment['cdr_id']}/refunds"

    def by(key: str) -> dict[str, str]:
        return {"Idempotency-Key": key}

    part = await ok(paid_api.post(refunds, json={"amount_minor": 100}, headers=by("rfd-0001")), 201)
    again = await ok(
        paid_api.post(refunds, json={"amount_minor": 100}, headers=by("rfd-0001")), 201
    )
    assert again == part  # the same request, replayed: the same refund, no second one
    (made,) = part
    assert (made["amount_minor"], made["cdr_id"]) == (100, payment["cdr_id"])

    too_much = await paid_api.post(refunds, json={"amount_minor": 400}, headers=by("rfd-0002"))
    assert too_much.status_code == 422  # 324 is left of the 424 captured
    assert "324" in too_much.json()["detail"]
    rest = await ok(paid_api.post(refunds, json={}, headers=by("rfd-0003")), 201)
    assert [r["amount_minor"] for r in rest] == [324]
    nothing_left = await paid_api.post(refunds, json={}, headers=by("rfd-0004"))
    assert nothing_left.status_code == 422
    no_key = await paid_api.post(refunds, json={"amount_minor": 1})
    assert no_key.status_code == 422

    assert [r["amount_minor"] for r in await ok(paid_api.get(refunds))] == [100, 324]
    async with ada.client(paid) as app:
        (refunded,) = await ok(app.get("/api/v1/driver/payments"))
    assert (refunded["state"], refunded["refunded_minor"]) == ("refunded", 424)
    reference = await reference_of(paid, payment["id"])
    assert received(stripe_js, reference) == 0  # 424 captured, 100 + 324 given back


async def test_only_admin_operator_and_support_keys_refund(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    _, payment = await charged_session(paid, paid_api, caplog, stripe_js, "CP-ROLE")
    refunds = f"/api/v1/cdrs/{payment['cdr_id']}/refunds"
    viewer = await access.issue_key("dashboard", "viewer", paid.app.ctx)
    support = await access.issue_key("helpdesk", "support", paid.app.ctx)
    async with paid.client(viewer) as client:
        denied = await client.post(refunds, json={}, headers={"Idempotency-Key": "role-0001"})
    assert denied.status_code == 403
    async with paid.client(support) as client:
        done = await ok(
            client.post(
                refunds, json={"amount_minor": 24}, headers={"Idempotency-Key": "role-0002"}
            ),
            201,
        )
    assert [(r["amount_minor"], r["requested_by"]) for r in done] == [(24, "helpdesk")]
    async with paid.client(None) as anonymous:
        assert (await anonymous.post(refunds, json={})).status_code == 401


async def test_a_cdr_not_paid_through_kilowatt_has_nothing_to_refund(
    paid: RunningServer, paid_api: httpx.AsyncClient
) -> None:
    await priced_site(paid_api, "CP-CARD")
    async with connected(paid, paid_api, AppStation16, "CP-CARD", "1.6") as station:
        await charge_16(station, TAG, 10)  # an RFID card of the operator's, no hold
    (cdr,) = await eventually(lambda: ok(paid_api.get("/api/v1/cdrs")), bool)
    refunds = f"/api/v1/cdrs/{cdr['id']}/refunds"
    answer = await paid_api.post(refunds, json={}, headers={"Idempotency-Key": "card-0001"})
    assert answer.status_code == 409, answer.text
    assert (
        await paid_api.post(
            "/api/v1/cdrs/NOPE/refunds", json={}, headers={"Idempotency-Key": "card-0002"}
        )
    ).status_code == 404


async def test_a_webhook_is_verified_applied_once_and_never_moves_a_payment_back(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-HOOK")
    async with (
        connected(paid, paid_api, AppStation16, "CP-HOOK", "1.6") as station,
        ada.client(paid) as app,
    ):
        await start_and_plug_in(app, station, "CP-HOOK")
        (held,) = await ok(app.get("/api/v1/driver/payments"))
    reference = await reference_of(paid, held["id"])
    held_intent = intent(stripe_js, reference)
    # captured at Stripe, but our side never heard the answer (a crash, a timeout)
    captured = stripe_js.v1.payment_intents.capture(reference, {"amount_to_capture": 300})

    async with paid.client(None) as stripe_side:
        body, signature = signed(event("evt_late_1", "payment_intent.succeeded", captured))
        first = await post_event(stripe_side, body, signature)
        assert first.status_code == 200, first.text
        assert first.json() == {"received": "processed"}
        replay = await post_event(stripe_side, body, signature)
        assert replay.json() == {"received": "duplicate"}

        older = event("evt_early_0", "payment_intent.amount_capturable_updated", held_intent)
        late = await post_event(stripe_side, *signed(older))
        assert late.json() == {"received": "processed"}

        forged = await post_event(stripe_side, *signed(older, secret="whsec_not_ours"))
        assert forged.status_code == 400
        tampered = await post_event(stripe_side, body.replace(b"succeeded", b"canceled"), signature)
        assert tampered.status_code == 400
        unsigned = await stripe_side.post(WEBHOOK, content=body)
        assert unsigned.status_code == 400

    async with ada.client(paid) as app:
        (payment,) = await ok(app.get("/api/v1/driver/payments"))
    assert (payment["state"], payment["captured_minor"]) == ("captured", 300)


async def test_a_reconcile_makes_up_for_a_lost_webhook_and_the_cdr_charges_no_more(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-LOST")
    async with (
        connected(paid, paid_api, AppStation16, "CP-LOST", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, _ = await start_and_plug_in(app, station, "CP-LOST")
        (held,) = await ok(app.get("/api/v1/driver/payments"))
        reference = await reference_of(paid, held["id"])
        stripe_js.v1.payment_intents.capture(reference, {"amount_to_capture": 424})
        assert await ok(paid_api.post("/api/v1/payments/reconcile")) == {"changed": 1}
        (seen,) = await ok(app.get("/api/v1/driver/payments"))
        assert (seen["state"], seen["captured_minor"]) == ("captured", 424)

        await stop(station, tx, 11000)  # 4.24: already taken, nothing more to charge
        await follower_idle(paid)
        (payment,) = await ok(app.get("/api/v1/driver/payments"))
    assert payment["captured_minor"] == 424 and payment["cdr_id"] is not None
    assert received(stripe_js, reference) == 424


async def test_a_cdr_issued_while_payments_were_down_is_captured_after_the_restart(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-RST")
    async with (
        connected(paid, paid_api, AppStation16, "CP-RST", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, _ = await start_and_plug_in(app, station, "CP-RST")
    with_stripe = paid.settings
    paid.settings = with_stripe.model_copy(update={"stripe_secret_key": None})
    await paid.restart()  # no payments: the CDR is issued, nothing settles it
    async with paid.client() as api:
        async with connected(paid, api, AppStation16, "CP-RST", "1.6") as station:
            await stop(station, tx, 11000)
        await eventually(lambda: ok(api.get("/api/v1/cdrs")), bool)
    paid.settings = with_stripe
    await paid.restart()  # the payment sweep runs at once on start
    async with ada.client(paid) as app:
        (payment,) = await eventually(
            lambda: ok(app.get("/api/v1/driver/payments")),
            lambda ps: ps[0]["state"] != "authorized",
            timeout_s=10,
        )
    assert (payment["state"], payment["captured_minor"]) == ("captured", 424)
    assert received(stripe_js, await reference_of(paid, payment["id"])) == 424


def test_the_cli_reconciles_and_says_when_payments_are_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, localstripe_url: str
) -> None:
    monkeypatch.setenv("KILOWATT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'kw.db'}")
    off = CliRunner().invoke(app, ["payments", "reconcile"])
    assert off.exit_code == 1 and "payments are off" in off.output
    monkeypatch.setenv("KILOWATT_STRIPE_SECRET_KEY", API_KEY)
    monkeypatch.setenv("KILOWATT_STRIPE_API_BASE", localstripe_url)
    done = CliRunner().invoke(app, ["payments", "reconcile"])
    assert done.exit_code == 0, done.output
    assert "0 payment(s) changed" in done.output


async def test_every_payment_route_needs_its_key_and_the_webhook_its_signature(
    paid: RunningServer,
) -> None:
    async with paid.client(None) as anonymous:
        openapi = (await anonymous.get("/openapi.json")).json()
        paths = [
            p for p in openapi["paths"] if "payment" in p or "refunds" in p or "cards/setup" in p
        ]
        assert len(paths) >= 7
        for path in paths:
            for method in openapi["paths"][path]:
                answer = await anonymous.request(
                    method.upper(), path.replace("{", "X").replace("}", ""), json={}
                )
                expected = 400 if path == WEBHOOK else 401
                assert answer.status_code == expected, (method, path, answer.text)
