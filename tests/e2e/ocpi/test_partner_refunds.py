"""Refunds of sessions our drivers paid for at partner CPOs, end to end over real HTTP with a
scripted partner CPO and localstripe behind the real Stripe SDK: the partner CDR is refunded
by its id ``{country}:{party}:{id}`` with the rules of our own CDRs (roles, never above the
capture, once per idempotency key, latest payment first), and the driver's receipt of that
CDR shows what the card paid and what was given back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import stripe

from kilowatt.services import access
from tests.conftest import RunningServer
from tests.driver_support import SignedUpDriver
from tests.e2e.ocpi.objects import EMSP
from tests.e2e.ocpi.test_driver_roaming_payments import (
    SESSION,
    app_uid,
    cdr,
    partner_cpo,
    payments,
    session,
    stamp,
    start,
)
from tests.e2e.payment_support import driver_with_card, follower_idle, paid, received
from tests.e2e.test_driver_sessions import ok
from tests.stripe_support import localstripe_url, stripe_js

__all__ = ["localstripe_url", "paid", "stripe_js"]  # the fixtures, used by name

PARTNER_CDR = "DE:CPO:CDR1"
REFUNDS = f"/api/v1/cdrs/{PARTNER_CDR}/refunds"


@dataclass
class PaidPartnerCdr:
    driver: SignedUpDriver
    settled: list[dict[str, Any]]  # the driver's payments: 500 from the start, 231 top-up


@pytest.fixture
async def partner_cdr(
    paid: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> AsyncIterator[PaidPartnerCdr]:
    """Ada charged at DE*CPO from the app: held, topped up, and the CDR's 7.31 EUR
    captured as 5.00 from the start hold and 2.31 from the top-up."""
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    async with partner_cpo(paid) as cpo, ada.client(paid) as app:
        await ok(start(app, cpo), 202)
        (asked,) = cpo.commands()
        uid = await app_uid(app)
        await ok(cpo.ocpi.put(SESSION, json=session(uid, asked["authorization_reference"])))
        costly = {"total_cost": {"excl_vat": "3.50", "incl_vat": "4.17"}}
        await ok(cpo.ocpi.patch(SESSION, json=costly | {"last_updated": stamp()}))
        await follower_idle(paid)
        numbers = {"total_cost": {"excl_vat": 6.1437, "incl_vat": 7.3105}}  # as OCPI has them
        await ok(cpo.ocpi.post(f"{EMSP}/cdrs", json=cdr(uid, "", "") | numbers), 201)
        await follower_idle(paid)
        settled = await payments(app)
        assert [(p["kind"], p["captured_minor"]) for p in settled] == [
            ("start", 500),
            ("top_up", 231),
        ]
        yield PaidPartnerCdr(ada, settled)


def by(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_a_partner_cdr_is_refunded_in_part_then_in_full_never_above_its_capture(
    paid: RunningServer,
    partner_cdr: PaidPartnerCdr,
    stripe_js: stripe.StripeClient,
) -> None:
    async with paid.client() as api:
        part = await ok(api.post(REFUNDS, json={"amount_minor": 300}, headers=by("prf-0001")), 201)
        # latest first: all 231 of the top-up, then 69 of the start hold
        assert [(r["amount_minor"], r["cdr_id"]) for r in part] == [
            (231, PARTNER_CDR),
            (69, PARTNER_CDR),
        ]
        again = await ok(api.post(REFUNDS, json={"amount_minor": 300}, headers=by("prf-0001")), 201)
        assert again == part  # the same key replayed: the same refunds, no new ones

        too_much = await api.post(REFUNDS, json={"amount_minor": 432}, headers=by("prf-0002"))
        assert too_much.status_code == 422, too_much.text  # 431 of the 731 is left
        assert "431" in too_much.json()["detail"]
        rest = await ok(api.post(REFUNDS, json={}, headers=by("prf-0003")), 201)
        assert [r["amount_minor"] for r in rest] == [431]
        nothing_left = await api.post(REFUNDS, json={}, headers=by("prf-0004"))
        assert nothing_left.status_code == 422, nothing_left.text

        listed = await ok(api.get(REFUNDS))
        assert sorted(r["amount_minor"] for r in listed) == [69, 231, 431]
        unknown = await api.get("/api/v1/cdrs/DE:CPO:NOPE/refunds")
        assert unknown.status_code == 404
    async with partner_cdr.driver.client(paid) as app:
        assert [(p["state"], p["refunded_minor"]) for p in await payments(app)] == [
            ("refunded", 500),
            ("refunded", 231),
        ]
    pctx = paid.app.payments
    assert pctx is not None
    for payment in partner_cdr.settled:
        found = await pctx.store.get(payment["id"])
        assert found is not None
        assert received(stripe_js, found.reference) == 0  # Stripe gave it all back


async def test_only_support_roles_refund_a_partner_cdr_never_a_driver(
    paid: RunningServer, partner_cdr: PaidPartnerCdr
) -> None:
    viewer = await access.issue_key("dashboard", "viewer", paid.app.ctx)
    support = await access.issue_key("helpdesk", "support", paid.app.ctx)
    async with paid.client(viewer) as client:
        denied = await client.post(REFUNDS, json={}, headers=by("prole-001"))
    assert denied.status_code == 403, denied.text
    async with partner_cdr.driver.client(paid) as app:
        own = await app.post(REFUNDS, json={}, headers=by("prole-002"))
    assert own.status_code in (401, 403), own.text  # not even for the driver's own CDR
    async with paid.client(support) as client:
        done = await ok(
            client.post(REFUNDS, json={"amount_minor": 31}, headers=by("prole-003")), 201
        )
    assert [(r["amount_minor"], r["requested_by"]) for r in done] == [(31, "helpdesk")]


async def test_the_drivers_partner_receipt_shows_what_the_card_paid_and_got_back(
    paid: RunningServer, partner_cdr: PaidPartnerCdr
) -> None:
    receipt = "/app/api/partner-receipts/CDR1"
    async with partner_cdr.driver.client(paid) as app:
        before = await app.get(receipt)
        async with paid.client() as api:
            await ok(api.post(REFUNDS, json={"amount_minor": 100}, headers=by("prct-001")), 201)
        after = await app.get(receipt)
        pdf = await app.get(f"{receipt}/pdf")
    assert before.status_code == 200, before.text
    assert '<dd id="paid-captured">7.31 EUR</dd>' in before.text
    assert "paid-refunded" not in before.text
    assert '<dd id="paid-refunded">1.00 EUR</dd>' in after.text
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
