"""Our drivers pay for sessions at partner CPOs as at our own stations, end to end over real
HTTP, with a scripted partner CPO speaking OCPI and localstripe behind the real Stripe SDK:

- a hold before START_SESSION, whose ``authorization_reference`` goes with the command;
- the partner's Session claims that hold; a top-up as its cost nears what is held;
- the partner CDR's total (more decimals than the euro has) captured exactly over the holds,
  rounded half up to the cent; the same CDR again changes nothing;
- a declined card never reaches the partner (402), a refused or failed start gives the hold
  back, a session the partner declares INVALID releases it;
- a postpaid driver is never held, and the partner's CDR goes on the monthly invoice."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from ocpp.v16 import call

from kilowatt.adapters.clock import FixedClock
from tests.conftest import RunningServer
from tests.driver_support import SignedUpDriver
from tests.e2e.ocpi import objects
from tests.e2e.ocpi.objects import EMSP, LOCATION, example
from tests.e2e.ocpi.receiver import OcpiReceiver
from tests.e2e.ocpi.support import as_cpo, roaming_pair
from tests.e2e.ocpi.test_driver_roaming import finished, listed
from tests.e2e.ocpi.test_ocpi_commands import station
from tests.e2e.payment_support import driver_with_card, follower_idle, paid, received
from tests.e2e.test_api_tariffs import priced_site
from tests.e2e.test_driver_sessions import ok
from tests.e2e.test_invoices import DECEMBER, billing, clock
from tests.stripe_support import API_KEY, DECLINED_ON_CHARGE, localstripe_url, stripe_js
from tests.support import eventually, now_iso

__all__ = ["billing", "clock", "localstripe_url", "paid", "stripe_js"]  # the fixtures, used by name

ROAMING = "/api/v1/driver/roaming"
SESSION = f"{EMSP}/sessions/DE/CPO/SES1"


@dataclass
class PartnerCpo:
    """A partner CPO (DE*CPO) registered with us, with one location LOC1 (EVSE 3256)."""

    receiver: OcpiReceiver
    ocpi: httpx.AsyncClient  # its calls to our eMSP interfaces
    partner_id: str

    def commands(self) -> list[dict[str, Any]]:
        return [r.body for r in self.receiver.received if r.path.startswith("commands/")]


@contextlib.asynccontextmanager
async def partner_cpo(server: RunningServer, answer: str = "ACCEPTED") -> AsyncIterator[PartnerCpo]:
    receiver = OcpiReceiver(command_answer=answer)
    async with as_cpo(server, receiver) as ocpi, server.client() as operator:
        location = await ocpi.put(LOCATION, json=example("location_example.json"))
        assert location.status_code == 200, location.text
        (partner,) = await ok(operator.get("/api/v1/ocpi/partners"))
        yield PartnerCpo(receiver, ocpi, partner["id"])


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def token(uid: str) -> dict[str, str]:
    return {"uid": uid, "type": "APP_USER", "contract_id": "NL-KWT-C00000001"}


def session(uid: str, reference: str | None, **changes: Any) -> dict[str, Any]:
    """The partner's Session SES1 at LOC1, started just now, costing nothing yet."""
    claimed = {} if reference is None else {"authorization_reference": reference}
    return (
        objects.session(
            start_date_time=stamp(),
            cdr_token=token(uid),
            total_cost={"excl_vat": "0.00", "incl_vat": "0.00"},
            last_updated=stamp(),
            **claimed,
        )
        | changes
    )


def cdr(uid: str, excl_vat: str, incl_vat: str, **changes: Any) -> dict[str, Any]:
    """The partner's CDR1 of SES1: 12 kWh in the last hour at LOC1."""
    start = stamp(datetime.now(UTC) - timedelta(hours=1))
    where = {"name": "Gent Zuid", "address": "F.Rooseveltlaan 3A", "city": "Gent"}
    return (
        objects.cdr(
            start_date_time=start,
            end_date_time=stamp(),
            cdr_token=token(uid),
            cdr_location=objects.cdr()["cdr_location"] | where | {"evse_id": "BE*BEC*E041503003"},
            charging_periods=[
                {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": 12}]}
            ],
            total_cost={"excl_vat": excl_vat, "incl_vat": incl_vat},
            total_energy=12,
            last_updated=stamp(),
        )
        | changes
    )


async def start(app: httpx.AsyncClient, cpo: PartnerCpo) -> httpx.Response:
    where = {"partner_id": cpo.partner_id, "location_id": "LOC1", "evse_uid": "3256"}
    return await app.post(f"{ROAMING}/sessions", json=where)


async def app_uid(app: httpx.AsyncClient) -> str:
    tokens = await ok(app.get("/api/v1/driver/tokens"))
    (uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
    return str(uid)


async def payments(app: httpx.AsyncClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await ok(app.get("/api/v1/driver/payments"))
    return sorted(found, key=lambda p: p["created_at"])


async def test_a_partner_session_is_held_topped_up_and_its_cdr_captured_exactly(
    paid: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    async with partner_cpo(paid) as cpo, ada.client(paid) as app:
        begun = await start(app, cpo)
        assert begun.status_code == 202, begun.text
        assert begun.json()["response"] == "ACCEPTED"
        (asked,) = cpo.commands()
        reference = asked["authorization_reference"]
        (hold,) = await payments(app)
        assert (hold["kind"], hold["state"], hold["authorized_minor"]) == (
            "start",
            "authorized",
            500,
        )

        uid = await app_uid(app)
        put = await cpo.ocpi.put(SESSION, json=session(uid, reference))
        assert put.status_code == 200, put.text
        await follower_idle(paid)
        (hold,) = await payments(app)
        assert hold["partner_session"] == "DE:CPO:SES1"  # claimed by its reference

        costly = {"kwh": 10, "total_cost": {"excl_vat": "3.50", "incl_vat": "4.17"}}
        patched = await cpo.ocpi.patch(SESSION, json=costly | {"last_updated": stamp()})
        assert patched.status_code == 200, patched.text
        await follower_idle(paid)
        _, top_up = await payments(app)  # 4.17 + 1.00 is within reach of the 5.00 held
        assert (top_up["kind"], top_up["partner_session"]) == ("top_up", "DE:CPO:SES1")

        sent = cdr(uid, "6.1437", "7.3105")  # 7.3105 EUR is 731 cents, rounded half up
        posted = await cpo.ocpi.post(f"{EMSP}/cdrs", json=sent)
        assert posted.status_code == 201, posted.text
        await follower_idle(paid)
        settled = await payments(app)
        assert [(p["state"], p["captured_minor"]) for p in settled] == [
            ("captured", 500),
            ("captured", 231),
        ]
        assert {p["cdr_id"] for p in settled} == {"DE:CPO:CDR1"}

        again = await cpo.ocpi.post(f"{EMSP}/cdrs", json=sent)  # a replayed CDR
        assert again.status_code == 201, again.text
        await follower_idle(paid)
        assert await payments(app) == settled
    taken = [received(stripe_js, await _reference_of(paid, p["id"])) for p in settled]
    assert taken == [500, 231]  # what Stripe took, to the cent


async def _reference_of(server: RunningServer, payment_id: str) -> str:
    """The PaymentIntent behind one of our payments (a driver never sees it)."""
    pctx = server.app.payments
    assert pctx is not None
    found = await pctx.store.get(payment_id)
    assert found is not None
    return found.reference


async def test_a_declined_card_never_reaches_the_partner(
    paid: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> None:
    bob = await driver_with_card(paid, caplog, stripe_js, "bob@example.com", DECLINED_ON_CHARGE)
    async with partner_cpo(paid) as cpo, bob.client(paid) as app:
        refused = await start(app, cpo)
        assert refused.status_code == 402, refused.text
        assert "declined" in refused.json()["detail"].lower()
        assert cpo.commands() == []


async def test_a_start_the_partner_refuses_or_fails_gives_the_hold_back(
    paid: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    async with partner_cpo(paid, answer="REJECTED") as cpo, ada.client(paid) as app:
        begun = await start(app, cpo)
        assert begun.status_code == 202 and begun.json()["response"] == "REJECTED"
        (hold,) = await payments(app)
        assert hold["state"] == "released"

        cpo.receiver.command_answer = "ACCEPTED"  # accepted, then its result says FAILED
        accepted = await ok(start(app, cpo), 202)
        (_, asked) = cpo.commands()
        result = {"result": "FAILED", "message": "the EVSE did not answer"}
        answered = await cpo.ocpi.post(asked["response_url"], json=result)
        assert answered.status_code == 200, answered.text
        await follower_idle(paid)
        assert [p["state"] for p in await payments(app)] == ["released", "released"]
        assert accepted["id"] in asked["response_url"]


async def test_a_session_the_partner_declares_invalid_releases_its_hold(
    paid: RunningServer, caplog: pytest.LogCaptureFixture, stripe_js: stripe.StripeClient
) -> None:
    ada = await driver_with_card(paid, caplog, stripe_js, "ada@example.com")
    async with partner_cpo(paid) as cpo, ada.client(paid) as app:
        await ok(start(app, cpo), 202)
        uid = await app_uid(app)
        # no reference copied: the driver's token at that location, started just now
        put = await cpo.ocpi.put(SESSION, json=session(uid, None))
        assert put.status_code == 200, put.text
        await follower_idle(paid)
        (hold,) = await payments(app)
        assert (hold["partner_session"], hold["state"]) == ("DE:CPO:SES1", "authorized")
        invalid = {"status": "INVALID", "last_updated": stamp()}
        assert (await cpo.ocpi.patch(SESSION, json=invalid)).status_code == 200
        await follower_idle(paid)
        (hold,) = await payments(app)
        assert hold["state"] == "released"


async def test_a_postpaid_drivers_partner_cdr_goes_on_the_monthly_invoice(
    billing: RunningServer,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    ada: SignedUpDriver = await driver_with_card(billing, caplog, stripe_js, "ada@example.com")
    async with partner_cpo(billing) as cpo, ada.client(billing) as app, billing.client() as api:
        driver_id = (await ok(app.get("/api/v1/driver/me")))["id"]
        await ok(api.put(f"/api/v1/drivers/{driver_id}/postpaid", json={"postpaid": True}))
        begun = await ok(start(app, cpo), 202)
        assert begun["response"] == "ACCEPTED"
        assert await payments(app) == []  # postpaid: never held
        uid = await app_uid(app)
        late_november = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
        sent = cdr(uid, "6.1437", "7.3105", last_updated=stamp(late_november))
        assert (await cpo.ocpi.post(f"{EMSP}/cdrs", json=sent)).status_code == 201

        clock.moment = DECEMBER
        run = await ok(api.post("/api/v1/invoices/runs", json={"month": "2026-11"}))
        (invoice,) = run["issued"]
        (line,) = invoice["lines"]
        assert (line["cdr_id"], line["roaming"]) == ("DE:CPO:CDR1", True)
        assert line["description"].startswith("Roaming at DE:CPO: Charging 12 kWh at Gent Zuid")
        assert (line["excl_vat_minor"], line["vat_minor"]) == (614, 117)
        assert invoice["total_minor"] == 731
        assert invoice["state"] == "paid"
        again = await ok(api.post("/api/v1/invoices/runs", json={"month": "2026-11"}))
        assert again["issued"] == []  # on one invoice only
        mine = await ok(app.get("/api/v1/driver/invoices"))
        assert [i["number"] for i in mine] == [invoice["number"]]


async def test_between_two_kilowatts_the_cpos_cdr_is_captured_from_the_drivers_hold(
    fast_server: RunningServer,
    tmp_path: Path,
    localstripe_url: str,
    caplog: pytest.LogCaptureFixture,
    stripe_js: stripe.StripeClient,
) -> None:
    """The CPO is another Kilowatt with a real 1.6 station: its Session and CDR carry the
    START_SESSION's authorization_reference, so they claim the hold by it, and the CDR's exact
    total is captured."""
    async with fast_server.client() as cpo_api:
        await priced_site(cpo_api, "CP-PAY")
    paying = {"stripe_secret_key": API_KEY, "stripe_api_base": localstripe_url}
    async with roaming_pair(fast_server, tmp_path, **paying) as pair:
        ada = await driver_with_card(pair.emsp, caplog, stripe_js, "ada@example.com")
        async with ada.client(pair.emsp) as app, station(fast_server, "CP-PAY") as cp:
            where = {"partner_id": pair.partner_id, "location_id": "AMS-1"}
            begun = await ok(app.post(f"{ROAMING}/sessions", json=where), 202)
            assert (await finished(app, begun["id"]))["result"] == "ACCEPTED"
            uid = await app_uid(app)
            started = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag=uid, meter_start=0, timestamp=now_iso()
                ),
                suppress=False,
            )
            await cp.call(
                call.StopTransaction(
                    meter_stop=10_000, timestamp=now_iso(), transaction_id=started.transaction_id
                ),
                suppress=False,
            )
            (cdr,) = await eventually(lambda: listed(app, "cdrs"), bool, timeout_s=10)
            total = Decimal(str(cdr["object"]["total_cost"]["incl_vat"]))
            reference = begun["request"]["authorization_reference"]
            assert cdr["object"]["authorization_reference"] == reference
            (session,) = await listed(app, "sessions")
            assert session["object"]["authorization_reference"] == reference

            async def captured() -> list[dict[str, Any]]:
                await follower_idle(pair.emsp)
                return await payments(app)

            (payment,) = await eventually(captured, lambda ps: ps[0]["state"] == "captured")
            assert payment["captured_minor"] == int(total * 100) > 0
            assert payment["partner_session"] == f"NL:KWT:{cdr['object']['session_id']}"
            assert received(stripe_js, await _reference_of(pair.emsp, payment["id"])) == int(
                total * 100
            )
