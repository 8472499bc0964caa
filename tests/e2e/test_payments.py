"""Pay-as-you-go end to end, over real HTTP and real OCPP stations, against localstripe
through the real Stripe SDK: a hold before the station is asked to start, a declined card
that stops the start with a 402, the exact CDR total captured and the rest released, top-ups
in a long session, and every driver seeing only their own payments."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest
import stripe
from ocpp.routing import on
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from kilowatt.domain.events import CdrIssued
from kilowatt.domain.payments import to_minor
from tests.conftest import RunningServer
from tests.driver_support import signed_up
from tests.e2e.payment_support import (
    driver_with_card,
    follower_idle,
    intent,
    meter,
    paid,
    paid_api,
    received,
    reference_of,
    start_and_plug_in,
    start_at,
    stop,
)
from tests.e2e.test_api_cdrs import at
from tests.e2e.test_api_locations import location
from tests.e2e.test_api_tariffs import per_kwh, priced_site
from tests.e2e.test_driver_sessions import AppStation16, AppStation201, connected, ok
from tests.stripe_support import DECLINED_ON_CHARGE, localstripe_url, stripe_js
from tests.support import eventually, register_station

__all__ = ["localstripe_url", "paid", "paid_api", "stripe_js"]  # the fixtures, used by name


async def settled(app: httpx.AsyncClient, count: int = 1) -> list[dict[str, Any]]:
    """The driver's payments once ``count`` of them are no longer authorized."""
    found: list[dict[str, Any]] = await eventually(
        lambda: ok(app.get("/api/v1/driver/payments")),
        lambda ps: sum(p["state"] != "authorized" for p in ps) >= count,
        timeout_s=10,
    )
    return found


async def test_a_start_holds_first_and_the_cdr_captures_the_exact_total(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    bob = await driver_with_card(paid, caplog, stripe_js, "bob@example.com")
    await priced_site(paid_api, "CP-PAY")
    async with (
        connected(paid, paid_api, AppStation16, "CP-PAY", "1.6") as station,
        ada.client(paid) as app,
        bob.client(paid) as other,
    ):
        tx, session_id = await start_and_plug_in(app, station, "CP-PAY")
        (held,) = await ok(app.get("/api/v1/driver/payments"))
        assert (held["state"], held["authorized_minor"], held["kind"]) == (
            "authorized",
            500,
            "start",
        )
        assert held["session_id"] == session_id  # linked when the station started
        reference = (await paid.app.payments.store.get(held["id"])).reference  # type: ignore[union-attr]
        found = intent(stripe_js, reference)
        assert (found.status, found.amount, found.capture_method) == (
            "requires_capture",
            500,
            "manual",
        )

        await meter(station, tx, 6000, 30)
        await follower_idle(paid)  # 2.42 so far: no top-up
        await stop(station, tx, 11000)  # 10 kWh x 0.30 + 0.50, 21 % VAT: 4.24
        (payment,) = await settled(app)

    assert payment["state"] == "captured"
    assert (payment["captured_minor"], payment["refunded_minor"]) == (424, 0)
    assert payment["cdr_id"] is not None
    assert received(stripe_js, reference) == 424  # the other 76 cents are released
    # Bob sees none of it, not even by naming the session
    async with bob.client(paid) as other:
        assert await ok(other.get("/api/v1/driver/payments")) == []
        mine = await ok(other.get("/api/v1/driver/payments", params={"session_id": session_id}))
        assert mine == []
    async with ada.client(paid) as app:
        again = await ok(app.get("/api/v1/driver/payments", params={"session_id": session_id}))
        assert again == [payment]


async def test_a_declined_card_means_no_start_and_a_402_with_the_reason(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com", DECLINED_ON_CHARGE)
    await priced_site(paid_api, "CP-DEC")
    async with (
        connected(paid, paid_api, AppStation16, "CP-DEC", "1.6") as station,
        ada.client(paid) as app,
    ):
        answer = await app.post("/api/v1/driver/sessions", json=start_at("CP-DEC"))
        assert answer.status_code == 402, answer.text
        assert "declined" in answer.json()["detail"].lower()
        assert station.received == []  # the station was never asked
        assert await ok(app.get("/api/v1/driver/payments")) == []


async def test_a_driver_without_a_card_is_asked_to_add_one(
    paid: RunningServer, paid_api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(paid, caplog, "ada@example.com")
    await priced_site(paid_api, "CP-NOC")
    async with (
        connected(paid, paid_api, AppStation16, "CP-NOC", "1.6") as station,
        ada.client(paid) as app,
    ):
        answer = await app.post("/api/v1/driver/sessions", json=start_at("CP-NOC"))
        assert answer.status_code == 402
        assert "add a card" in answer.json()["detail"]
        assert station.received == []


async def test_a_start_the_station_refuses_releases_the_hold(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-REF")
    async with (
        connected(paid, paid_api, AppStation201, "CP-REF", "2.0.1") as station,
        ada.client(paid) as app,
    ):
        answer = await ok(app.post("/api/v1/driver/sessions", json=start_at("CP-REF")), 202)
        assert answer == {"status": "Rejected"}
        assert len(station.received) == 1
    async with ada.client(paid) as app:
        (payment,) = await ok(app.get("/api/v1/driver/payments"))
    assert (payment["state"], payment["captured_minor"]) == ("released", 0)
    stored = await paid.app.payments.store.get(payment["id"])  # type: ignore[union-attr]
    assert stored is not None
    assert intent(stripe_js, stored.reference).status == "canceled"


class PayingStation201(ChargePoint201):  # type: ignore[misc]
    """Accepts remote starts; the test then plays the transaction, echoing remoteStartId."""

    received: list[tuple[str, dict[str, Any]]]

    @on(Action201.request_start_transaction)  # type: ignore[untyped-decorator]
    async def on_start(self, **request: Any) -> result201.RequestStartTransaction:
        self.received.append(("RequestStartTransaction", request))
        return result201.RequestStartTransaction(status="Accepted")


def _event201(kind: str, seq: int, minutes: float, wh: int, **info: Any) -> Any:
    sampled = {"value": wh, "measurand": "Energy.Active.Import.Register"}
    return call201.TransactionEvent(
        event_type=kind,
        timestamp=at(minutes),
        trigger_reason="RemoteStart" if kind == "Started" else "EVDeparted",
        seq_no=seq,
        transaction_info={"transaction_id": "T-PAY-201", "charging_state": "Charging"} | info,
        evse={"id": 1, "connector_id": 1},
        meter_value=[{"timestamp": at(minutes), "sampled_value": [sampled]}],
    )


async def test_a_201_session_started_from_the_app_is_paid_at_its_cdr(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-P201")
    async with (
        connected(paid, paid_api, PayingStation201, "CP-P201", "2.0.1") as station,
        ada.client(paid) as app,
    ):
        answer = await ok(app.post("/api/v1/driver/sessions", json=start_at("CP-P201")), 202)
        assert answer == {"status": "Accepted"}
        ((_, request),) = station.received
        token = request["id_token"]
        start_id = request["remote_start_id"]
        started = _event201("Started", 0, 0, 0, remote_start_id=start_id)
        await station.call(
            call201.TransactionEvent(**(vars(started) | {"id_token": token})), suppress=False
        )
        await follower_idle(paid)
        await station.call(
            _event201("Ended", 1, 60, 10000, stopped_reason="EVDisconnected"), suppress=False
        )
        (payment,) = await settled(app)
    assert (payment["state"], payment["captured_minor"]) == ("captured", 424)
    stored = await paid.app.payments.store.get(payment["id"])  # type: ignore[union-attr]
    assert stored is not None and stored.remote_start_id == start_id
    assert received(stripe_js, stored.reference) == 424


async def test_a_long_session_tops_up_and_the_captures_add_up_to_the_cdr_total(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-TOP")
    async with (
        connected(paid, paid_api, AppStation16, "CP-TOP", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, session_id = await start_and_plug_in(app, station, "CP-TOP")
        await meter(station, tx, 14000, 30)  # 13 kWh so far: 5.32 incl. VAT, near the 5.00 held
        await follower_idle(paid)
        payments = await ok(app.get("/api/v1/driver/payments"))
        assert sorted(p["kind"] for p in payments) == ["start", "top_up"]
        assert all(p["state"] == "authorized" and p["session_id"] == session_id for p in payments)

        await stop(station, tx, 21000)  # 20 kWh: 6.50 excl., 7.87 incl. VAT
        payments = await settled(app, 2)
        (cdr,) = await ok(app.get("/api/v1/driver/cdrs"))

    total_minor = to_minor(Decimal(str(cdr["total_cost"]["incl_vat"])), "EUR")
    assert total_minor == 787
    by_kind = {p["kind"]: p for p in payments}
    assert by_kind["start"]["captured_minor"] == 500  # the first hold in full
    assert by_kind["top_up"]["captured_minor"] == 287  # the rest from the top-up
    store = paid.app.payments.store  # type: ignore[union-attr]
    taken = 0
    for payment in payments:
        stored = await store.get(payment["id"])
        assert stored is not None
        taken += received(stripe_js, stored.reference)
    assert taken == total_minor


async def test_a_total_above_every_hold_is_charged_in_full(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-SHT")
    async with (
        connected(paid, paid_api, AppStation16, "CP-SHT", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, _ = await start_and_plug_in(app, station, "CP-SHT")
        await stop(station, tx, 21000)  # no meter values on the way: no top-up, 7.87 due
        payments = await settled(app, 2)
    assert {p["kind"]: p["captured_minor"] for p in payments} == {"start": 500, "shortfall": 287}


async def test_the_same_cdr_issued_event_twice_captures_once(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-TWICE")
    async with (
        connected(paid, paid_api, AppStation16, "CP-TWICE", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, _ = await start_and_plug_in(app, station, "CP-TWICE")
        await stop(station, tx, 11000)
        (payment,) = await settled(app)
    follower = paid.app.payment_follower
    assert follower is not None
    cdr_id = payment["cdr_id"]
    replayed = CdrIssued(cdr_id, "CP-TWICE", str(tx), credit=False)
    await asyncio.gather(follower.on_event(replayed), follower.on_event(replayed))
    await follower.idle()
    async with ada.client(paid) as app:
        (again,) = await ok(app.get("/api/v1/driver/payments"))
    assert again == payment
    stored = await paid.app.payments.store.get(payment["id"])  # type: ignore[union-attr]
    assert stored is not None and received(stripe_js, stored.reference) == 424


async def test_a_free_session_releases_its_hold(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await paid_api.post("/api/v1/locations", json=location())
    await ok(paid_api.put("/api/v1/tariffs/FREE", json=per_kwh("FREE", 0.0)), 201)
    connector = {"connector_id": 1, "tariff_ids": ["FREE"]}
    evses = [{"evse_id": 1, "connectors": [connector]}]
    await register_station(paid_api, "CP-FREE", location_id="AMS-1", evses=evses)
    async with (
        connected(paid, paid_api, AppStation16, "CP-FREE", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, _ = await start_and_plug_in(app, station, "CP-FREE")
        await stop(station, tx, 11000)
        (payment,) = await settled(app)
        (cdr,) = await ok(app.get("/api/v1/driver/cdrs"))
    assert cdr["total_cost"]["excl_vat"] == 0
    assert (payment["state"], payment["captured_minor"]) == ("released", 0)
    assert payment["cdr_id"] == cdr["id"]
    reference = await reference_of(paid, payment["id"])
    assert intent(stripe_js, reference).status == "canceled"


async def test_a_refused_top_up_stops_the_session(
    paid: RunningServer,
    paid_api: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    await priced_site(paid_api, "CP-STOP")
    async with (
        connected(paid, paid_api, AppStation16, "CP-STOP", "1.6") as station,
        ada.client(paid) as app,
    ):
        tx, _ = await start_and_plug_in(app, station, "CP-STOP")
        (card,) = await ok(app.get("/api/v1/driver/payment-methods"))
        assert (await app.delete(f"/api/v1/driver/payment-methods/{card['id']}")).status_code == 204
        await meter(station, tx, 14000, 30)  # a top-up is due, and there is no card for it
        await follower_idle(paid)
        assert station.received[-1] == ("RemoteStopTransaction", {"transaction_id": tx})
        (payment,) = await ok(app.get("/api/v1/driver/payments"))
        assert payment["kind"] == "start"  # no top-up was placed


async def test_with_payments_off_there_are_no_payment_routes(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as app, server.client() as api:
        assert (await app.get("/api/v1/driver/payment-methods")).status_code == 404
        assert (await app.get("/api/v1/driver/payments")).status_code == 404
        assert (await api.post("/api/v1/payments/reconcile")).status_code == 404
