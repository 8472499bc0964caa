"""Postpaid monthly invoices end to end, over real HTTP and a real 1.6 station, charged on
localstripe through the real Stripe SDK: a postpaid driver starts without a hold, the month's
CDRs (a credit among them) become one invoice per driver with exact totals and VAT, numbers
are gapless, a rerun issues nothing, a declined charge is retried, every driver sees only
their own invoices, and the PDF shows the number and the total."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import stripe
from ocpp.v16 import call

from kilowatt.adapters.clock import FixedClock
from kilowatt.ports import PaymentHold
from kilowatt.services import access
from tests.conftest import RunningServer, settings_for
from tests.driver_support import SignedUpDriver
from tests.e2e.payment_support import driver_with_card, intent, start_at
from tests.e2e.test_api_cdrs import at
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_sessions import AppStation16, connected, ok
from tests.stripe_support import API_KEY, DECLINED_ON_CHARGE, VISA, localstripe_url, stripe_js
from tests.stripe_support import tokenised as card_token
from tests.support import eventually

__all__ = ["localstripe_url", "stripe_js"]  # the fixtures, used by name

MID_NOVEMBER = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
OCTOBER = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)  # driver sign-ins last 30 days


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MID_NOVEMBER)


@pytest.fixture
async def billing(
    database_url: str, localstripe_url: str, clock: FixedClock
) -> AsyncIterator[RunningServer]:
    """Payments on (a 5.00 hold for pay as you go) on a clock set in mid-November 2026."""
    settings = settings_for(
        database_url,
        stripe_secret_key=API_KEY,
        stripe_api_base=localstripe_url,
        preauth_amount=Decimal("5.00"),
        payments_reconcile_interval_s=3600,
        running_cost_interval_s=3600,
        cdr_sweep_interval_s=0.2,  # a CDR the handler could not issue comes soon after
        invoice_seller_name="Kilowatt Charging B.V.",
        invoice_seller_address="Stationsplein 1; 1012 AB Amsterdam",
        invoice_seller_vat_id="NL000099998B57",
    )
    running = RunningServer(settings, clock)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def operator(billing: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with billing.client() as client:
        yield client


async def postpaid(operator: httpx.AsyncClient, driver: SignedUpDriver) -> None:
    body = {"postpaid": True}
    answer = await ok(operator.put(f"/api/v1/drivers/{driver.id}/postpaid", json=body))
    assert answer == {"driver_id": driver.id, "postpaid": True}


async def charge(app: httpx.AsyncClient, station: Any, kwh: int, start_minute: float) -> None:
    """From the app, then the station: ``kwh`` over half an hour from ``start_minute``."""
    answer = await ok(app.post("/api/v1/driver/sessions", json=start_at(station.id)), 202)
    assert answer == {"status": "Accepted"}
    uid = station.received[-1][1]["id_tag"]
    started = await station.call(
        call.StartTransaction(
            connector_id=1, id_tag=uid, meter_start=1000, timestamp=at(start_minute)
        ),
        suppress=False,
    )
    stopped = call.StopTransaction(
        meter_stop=1000 + kwh * 1000,
        timestamp=at(start_minute + 30),
        transaction_id=started.transaction_id,
    )
    await station.call(stopped, suppress=False)


async def cdrs_of(app: httpx.AsyncClient, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await eventually(
        lambda: ok(app.get("/api/v1/driver/cdrs")), lambda c: len(c) >= count, timeout_s=10
    )
    assert len(found) == count
    return found


async def postpaid_charged_10_kwh(
    billing: RunningServer,
    operator: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    station_id: str,
) -> SignedUpDriver:
    """Ada, postpaid with a card saved, charged 10 kWh at ``station_id`` (a priced 1.6 site:
    0.30 per kWh + 0.50 a session, 21 % VAT: 3.50 + 0.74 VAT = 4.24); her CDR is issued."""
    ada = await driver_with_card(billing, caplog, stripe_js, "ada@example.com")
    await postpaid(operator, ada)
    await priced_site(operator, station_id)
    async with (
        connected(billing, operator, AppStation16, station_id, "1.6") as station,
        ada.client(billing) as ada_app,
    ):
        await charge(ada_app, station, 10, 0)
        await cdrs_of(ada_app, 1)
    return ada


async def run(operator: httpx.AsyncClient, month: str) -> dict[str, Any]:
    found: dict[str, Any] = await ok(operator.post("/api/v1/invoices/runs", json={"month": month}))
    return found


async def refunds_are_limited_and_once_per_key(
    operator: httpx.AsyncClient, stripe_js: stripe.StripeClient, number: str, reference: str
) -> None:
    """6.66 paid: 2.00 back, the same request again changes nothing, 5.00 more is refused
    (only 4.66 is left), then all that is left; Stripe gave back exactly the 6.66."""
    path = f"/api/v1/invoices/{number}/refunds"
    first_key = {"Idempotency-Key": "refund-0001"}
    body = {"amount_minor": 200, "reason": "a broken connector"}
    made = await ok(operator.post(path, json=body, headers=first_key), 201)
    assert made == await ok(operator.post(path, json=body, headers=first_key), 201)
    too_much = await operator.post(
        path, json={"amount_minor": 500}, headers={"Idempotency-Key": "refund-0002"}
    )
    assert too_much.status_code == 422, too_much.text
    rest = await ok(operator.post(path, json={}, headers={"Idempotency-Key": "refund-0003"}), 201)
    assert rest["amount_minor"] == 466
    refunded = await ok(operator.get(path))
    assert sorted(r["amount_minor"] for r in refunded) == [200, 466]
    invoice = await ok(operator.get(f"/api/v1/invoices/{number}"))
    assert (invoice["state"], invoice["refunded_minor"]) == ("paid", 666)
    nothing_left = await operator.post(path, json={}, headers={"Idempotency-Key": "refund-0004"})
    assert nothing_left.status_code == 422, nothing_left.text
    at_stripe = stripe_js.v1.refunds.list({"limit": 100}).data
    assert sorted(r.amount for r in at_stripe if r.payment_intent == reference) == [200, 466]


def pdf_text(document: bytes) -> str:
    """The text drawn in a PDF of fpdf2 (its page streams are deflated). The stream is
    taken up to ``endstream`` whole and the decompressor ignores what follows its end: a
    deflated stream may itself end in a CR byte, which ``\r?\nendstream`` would cut off."""
    text = document.decode("latin-1")
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", document, re.S):
        try:
            text += zlib.decompressobj().decompress(stream).decode("latin-1")
        except zlib.error:
            continue
    return text


async def test_a_postpaid_month_is_invoiced_once_exactly_and_charged(
    billing: RunningServer,
    operator: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    clock: FixedClock,
) -> None:
    ada = await driver_with_card(billing, caplog, stripe_js, "ada@example.com")
    bob = await driver_with_card(billing, caplog, stripe_js, "bob@example.com", DECLINED_ON_CHARGE)
    await postpaid(operator, ada)
    await postpaid(operator, bob)
    await priced_site(operator, "CP-INV")  # 0.30 per kWh + 0.50 a session, 21 % VAT
    async with (
        connected(billing, operator, AppStation16, "CP-INV", "1.6") as station,
        ada.client(billing) as ada_app,
        bob.client(billing) as bob_app,
    ):
        await charge(ada_app, station, 10, 0)  # 3.50 + 0.74 VAT = 4.24
        await cdrs_of(ada_app, 1)
        await charge(ada_app, station, 5, 40)  # 2.00 + 0.42 VAT = 2.42
        first = [c for c in await cdrs_of(ada_app, 2) if c["total_energy"] == 10]
        await charge(bob_app, station, 10, 80)  # 4.24
        await cdrs_of(bob_app, 1)
        fixed = await ok(
            operator.post(f"/api/v1/cdrs/{first[0]['id']}/corrections", json={}), 201
        )  # a credit of -4.24 and the same again as revision 1
        await cdrs_of(ada_app, 4)
        assert await ok(ada_app.get("/api/v1/driver/payments")) == []  # never held
        assert await ok(bob_app.get("/api/v1/driver/payments")) == []

    early = await operator.post("/api/v1/invoices/runs", json={"month": "2026-11"})
    assert early.status_code == 409, early.text  # November has not ended yet
    clock.moment = DECEMBER
    report = await run(operator, "2026-11")

    by_driver = {invoice["driver_id"]: invoice for invoice in report["issued"]}
    ada_invoice, bob_invoice = by_driver[ada.id], by_driver[bob.id]
    numbers = sorted(invoice["number"] for invoice in report["issued"])
    assert numbers == ["KW-2026-000001", "KW-2026-000002"]  # gapless, one each
    lines = ada_invoice["lines"]
    assert sorted(line["incl_vat_minor"] for line in lines) == [-424, 242, 424, 424]
    (credit,) = [line for line in lines if line["credit"]]
    assert credit["cdr_id"] == fixed["credit"]["id"]
    assert (credit["excl_vat_minor"], credit["vat_minor"]) == (-350, -74)
    assert ada_invoice["subtotal_minor"] == 350 + 200 - 350 + 350 == 550
    assert ada_invoice["vat"] == [{"rate": "21", "base_minor": 550, "vat_minor": 116}]
    assert (ada_invoice["vat_minor"], ada_invoice["total_minor"]) == (116, 666)
    assert ada_invoice["seller"]["vat_id"] == "NL000099998B57"
    assert ada_invoice["buyer"]["address"][0] == "ada@example.com"
    assert (ada_invoice["state"], ada_invoice["attempts"]) == ("paid", 1)
    assert bob_invoice["total_minor"] == 424
    assert bob_invoice["state"] == "unpaid"
    assert "declined" in bob_invoice["failure_reason"].lower()

    invoices = billing.app.invoices
    assert invoices is not None
    paid = await invoices.store.get(ada_invoice["number"])
    assert paid is not None and paid.payment_reference is not None
    found = intent(stripe_js, paid.payment_reference)
    assert (found.status, found.amount, found.currency) == ("succeeded", 666, "eur")

    await refunds_are_limited_and_once_per_key(
        operator, stripe_js, ada_invoice["number"], paid.payment_reference
    )

    again = await run(operator, "2026-11")
    assert (again["issued"], again["already_invoiced"]) == ([], 2)
    listed = await ok(operator.get("/api/v1/invoices", params={"month": "2026-11"}))
    assert sorted(i["number"] for i in listed) == ["KW-2026-000001", "KW-2026-000002"]

    # Bob saves a card that works, makes it his default, and the operator charges again
    async with bob.client(billing) as bob_app:
        assert billing.app.payments is not None
        customer = await billing.app.payments.store.customer(bob.id)
        assert customer is not None
        method = card_token(stripe_js, VISA)
        stripe_js.v1.payment_methods.attach(method, {"customer": customer})
        made_default = await bob_app.put(f"/api/v1/driver/payment-methods/{method}/default")
        assert made_default.status_code == 204, made_default.text
    retry = f"/api/v1/invoices/{bob_invoice['number']}/charge"
    retried = await ok(operator.post(retry))
    assert (retried["state"], retried["attempts"], retried["failure_reason"]) == ("paid", 2, None)
    once_more = await ok(operator.post(retry))
    assert (once_more["state"], once_more["attempts"]) == ("paid", 2)  # never charged twice


async def test_drivers_see_only_their_own_invoices_and_the_pdf_shows_them(
    billing: RunningServer,
    operator: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    clock: FixedClock,
) -> None:
    ada = await driver_with_card(billing, caplog, stripe_js, "ada@example.com")
    bob = await driver_with_card(billing, caplog, stripe_js, "bob@example.com")
    await postpaid(operator, ada)
    await priced_site(operator, "CP-OWN")
    async with (
        connected(billing, operator, AppStation16, "CP-OWN", "1.6") as station,
        ada.client(billing) as ada_app,
    ):
        await charge(ada_app, station, 10, 0)
        await cdrs_of(ada_app, 1)
    clock.moment = DECEMBER
    (issued,) = (await run(operator, "2026-11"))["issued"]
    number = issued["number"]

    async with ada.client(billing) as ada_app, bob.client(billing) as bob_app:
        (mine,) = await ok(ada_app.get("/api/v1/driver/invoices"))
        assert mine == await ok(ada_app.get(f"/api/v1/driver/invoices/{number}"))
        assert (mine["number"], mine["total_minor"], mine["state"]) == (number, 424, "paid")
        assert await ok(bob_app.get("/api/v1/driver/invoices")) == []
        for path in (f"/api/v1/driver/invoices/{number}", f"/api/v1/driver/invoices/{number}/pdf"):
            assert (await bob_app.get(path)).status_code == 404
        pdf = await ada_app.get(f"/api/v1/driver/invoices/{number}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    for shown in (number, "Total incl. VAT: EUR 4.24", "VAT 21 %", "Kilowatt Charging B.V."):
        assert shown in text, shown
    by_operator = await operator.get(f"/api/v1/invoices/{number}/pdf")
    assert by_operator.status_code == 200 and by_operator.content.startswith(b"%PDF")
    assert (await operator.get("/api/v1/invoices/KW-2026-999999")).status_code == 404


async def test_the_cli_runs_a_month_like_the_api(
    billing: RunningServer,
    operator: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    clock: FixedClock,
    localstripe_url: str,
) -> None:
    clock.moment = OCTOBER  # the CLI runs on the system clock: October 2026 has ended
    await postpaid_charged_10_kwh(billing, operator, caplog, stripe_js, "CP-CLI")

    env = {
        "KILOWATT_DATABASE_URL": billing.settings.database_url,
        "KILOWATT_STRIPE_SECRET_KEY": API_KEY,
        "KILOWATT_STRIPE_API_BASE": localstripe_url,
        "KILOWATT_MIGRATE_ON_START": "false",
    }
    outputs = []
    for _ in range(2):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kilowatt",
            "invoices",
            "run",
            "--month",
            "2026-10",
            env=env | {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        assert process.returncode == 0, output.decode()
        outputs.append(" ".join(output.decode().split()))
    assert "1 invoice(s) issued for 2026-10; 0 driver(s) invoiced before" in outputs[0]
    assert "0 invoice(s) issued for 2026-10; 1 driver(s) invoiced before" in outputs[1]
    (invoice,) = await ok(operator.get("/api/v1/invoices", params={"month": "2026-10"}))
    assert (invoice["number"], invoice["total_minor"], invoice["state"]) == (
        "KW-2026-000001",
        424,
        "paid",
    )


async def test_only_admin_and_operator_keys_bill_and_pay_as_you_go_holds_again(
    billing: RunningServer,
    operator: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(billing, caplog, stripe_js, "ada@example.com")
    support = await access.issue_key("helpdesk", "support", billing.app.ctx)
    async with billing.client(support) as helpdesk:
        denied = [
            await helpdesk.put(f"/api/v1/drivers/{ada.id}/postpaid", json={"postpaid": True}),
            await helpdesk.post("/api/v1/invoices/runs", json={"month": "2026-10"}),
            await helpdesk.post("/api/v1/invoices/KW-2026-000001/charge"),
        ]
        assert [answer.status_code for answer in denied] == [403, 403, 403]
        assert (await ok(helpdesk.get("/api/v1/invoices"))) == []  # reading is allowed
    async with billing.client(None) as anonymous:
        assert (await anonymous.get("/api/v1/invoices")).status_code == 401
        assert (await anonymous.get("/api/v1/driver/invoices")).status_code == 401
    unknown = await operator.put("/api/v1/drivers/nobody/postpaid", json={"postpaid": True})
    assert unknown.status_code == 404

    await postpaid(operator, ada)
    off = await ok(operator.put(f"/api/v1/drivers/{ada.id}/postpaid", json={"postpaid": False}))
    assert off == {"driver_id": ada.id, "postpaid": False}
    await priced_site(operator, "CP-PAYG")
    async with (
        connected(billing, operator, AppStation16, "CP-PAYG", "1.6") as station,
        ada.client(billing) as ada_app,
    ):
        answer = await ok(ada_app.post("/api/v1/driver/sessions", json=start_at(station.id)), 202)
        assert answer == {"status": "Accepted"}
        (held,) = await ok(ada_app.get("/api/v1/driver/payments"))
    assert (held["kind"], held["state"], held["authorized_minor"]) == ("start", "authorized", 500)


class StripeDown:
    """Stripe cannot be reached (the one thing localstripe cannot play here)."""

    async def charge(self, charge: PaymentHold) -> str:
        raise ConnectionError("stripe is down")


async def test_an_invoice_a_run_could_not_charge_is_charged_by_the_next_run(
    billing: RunningServer,
    operator: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    clock: FixedClock,
) -> None:
    await postpaid_charged_10_kwh(billing, operator, caplog, stripe_js, "CP-DOWN")
    clock.moment = DECEMBER
    invoices = billing.app.invoices
    assert invoices is not None
    stripe_up = invoices.charges
    object.__setattr__(invoices, "charges", StripeDown())
    try:
        (stuck,) = (await run(operator, "2026-11"))["issued"]
    finally:
        object.__setattr__(invoices, "charges", stripe_up)
    assert (stuck["state"], stuck["attempts"]) == ("open", 1)

    again = await run(operator, "2026-11")
    assert (again["issued"], again["already_invoiced"]) == ([], 1)
    healed = await ok(operator.get(f"/api/v1/invoices/{stuck['number']}"))
    assert (healed["state"], healed["attempts"]) == ("paid", 1)  # the same attempt, resumed


async def test_a_correction_in_the_next_month_is_billed_then_and_a_zero_invoice_is_not_charged(
    billing: RunningServer,
    operator: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
    clock: FixedClock,
) -> None:
    clock.moment = OCTOBER
    ada = await driver_with_card(billing, caplog, stripe_js, "ada@example.com")
    await postpaid(operator, ada)
    await priced_site(operator, "CP-FIX")
    async with (
        connected(billing, operator, AppStation16, "CP-FIX", "1.6") as station,
        ada.client(billing) as ada_app,
    ):
        await charge(ada_app, station, 10, 0)
        (issued,) = await cdrs_of(ada_app, 1)
        clock.moment = MID_NOVEMBER
        (october,) = (await run(operator, "2026-10"))["issued"]
        assert (october["total_minor"], october["state"]) == (424, "paid")
        corrected = f"/api/v1/cdrs/{issued['id']}/corrections"
        await ok(operator.post(corrected, json={"remark": "same again"}), 201)
        await cdrs_of(ada_app, 3)

    clock.moment = DECEMBER
    (november,) = (await run(operator, "2026-11"))["issued"]
    assert sorted(line["incl_vat_minor"] for line in november["lines"]) == [-424, 424]
    assert (november["total_minor"], november["state"], november["attempts"]) == (
        0,
        "nothing_due",
        0,
    )
    invoices = billing.app.invoices
    assert invoices is not None
    stored = await invoices.store.get(november["number"])
    assert stored is not None and stored.payment_reference is None  # Stripe never asked
    assert [october["number"], november["number"]] == ["KW-2026-000001", "KW-2026-000002"]
