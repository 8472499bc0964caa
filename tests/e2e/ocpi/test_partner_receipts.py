"""A partner CPO (DE*CPO, over real OCPI HTTP) sends us CDRs for our drivers' app tokens: each
driver gets a receipt of their own (HTML and PDF, in the zone of the partner's location, the
lines priced by the tariff the CDR carries, VAT only as the CDR states it) and the CDR from the
driver API; another driver gets "not found". Drivers star the partner's published locations
like our own."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.conftest import RunningServer
from tests.driver_support import SignedUpDriver, signed_up
from tests.e2e.ocpi.objects import EMSP, cdr, example
from tests.e2e.ocpi.support import ocpi_data

ROAMING = "/api/v1/driver/roaming"
RECEIPTS = "/app/api/partner-receipts"
GENT = "DE:CPO:LOC1"  # the partner location's app id
UNPRICED = "\N{EN DASH}"  # a line's unit price when no tariff prices it


def priced_cdr(token_uid: str, **changes: Any) -> dict[str, Any]:
    """90 minutes at Gent Zuid: 12 kWh, an hour charging, half an hour parked, all under the
    partner's tariff T1 (0.30/kWh, 2.00/h charging, 0.50 a session, 21 % VAT)."""
    tariff = {
        "country_code": "DE",
        "party_id": "CPO",
        "id": "T1",
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.30, "vat": 21.0, "step_size": 1},
                    {"type": "TIME", "price": 2.00, "vat": 21.0, "step_size": 60},
                    {"type": "FLAT", "price": 0.50, "vat": 21.0, "step_size": 1},
                ]
            }
        ],
        "last_updated": "2026-10-01T00:00:00Z",
    }
    where = {
        "id": "LOC1",
        "name": "Gent Zuid",
        "address": "F.Rooseveltlaan 3A",
        "city": "Gent",
        "postal_code": "9000",
        "country": "BEL",
        "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
        "evse_uid": "3256",
        "evse_id": "BE*BEC*E041503001",
        "connector_id": "1",
    }
    periods = [
        {
            "start_date_time": "2026-11-01T10:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 1}],
            "tariff_id": "T1",
        },
        {
            "start_date_time": "2026-11-01T11:00:00Z",
            "dimensions": [
                {"type": "ENERGY", "volume": 2},
                {"type": "PARKING_TIME", "volume": 0.5},
            ],
            "tariff_id": "T1",
        },
    ]
    body = cdr(
        id="CDR-GENT",
        end_date_time="2026-11-01T11:30:00Z",
        cdr_token={"uid": token_uid, "type": "APP_USER", "contract_id": "NL-KWT-C1"},
        cdr_location=where,
        tariffs=[tariff],
        charging_periods=periods,
        total_cost={"excl_vat": 6.10, "incl_vat": 7.38},
        total_energy=12,
        total_time=1.5,
    )
    return body | changes


async def app_token(driver: httpx.AsyncClient) -> str:
    tokens = (await driver.get("/api/v1/driver/tokens")).json()
    (uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
    return str(uid)


async def partner_sends_gent(cpo: httpx.AsyncClient) -> None:
    """The partner's location LOC1 (Gent Zuid, Europe/Brussels, run by BeCharged) and an
    unpublished one, LOC2."""
    stated = {
        "name": "Gent Zuid",
        "time_zone": "Europe/Brussels",
        "operator": {"name": "BeCharged"},
    }
    gent = example("location_example.json") | stated
    ocpi_data(await cpo.put(f"{EMSP}/locations/DE/CPO/LOC1", json=gent))
    hidden = gent | {"id": "LOC2", "publish": False}
    ocpi_data(await cpo.put(f"{EMSP}/locations/DE/CPO/LOC2", json=hidden))


async def drivers(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> tuple[SignedUpDriver, SignedUpDriver]:
    ada = await signed_up(server, caplog, "ada@example.com")
    bob = await signed_up(server, caplog, "bob@example.com")
    return ada, bob


async def test_a_partner_cdr_has_a_receipt_in_the_locations_zone_priced_by_its_tariff(
    fast_server: RunningServer, cpo: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await partner_sends_gent(cpo)
    ada, bob = await drivers(fast_server, caplog)
    async with ada.client(fast_server) as driver, bob.client(fast_server) as other:
        posted = await cpo.post(f"{EMSP}/cdrs", json=priced_cdr(await app_token(driver)))
        ocpi_data(posted)

        html = await driver.get(f"{RECEIPTS}/CDR-GENT")
        assert html.status_code == 200, html.text
        for shown in (
            '<dd id="receipt-operator">BeCharged (DE*CPO)</dd>',
            '<dd id="receipt-location">Gent Zuid</dd>',
            "F.Rooseveltlaan 3A, 9000 Gent",
            '<dd id="receipt-evse">BE*BEC*E041503001</dd>',
            '<dd id="receipt-started">2026-11-01 11:00 Europe/Brussels</dd>',  # UTC+1 in November
            '<dd id="receipt-ended">2026-11-01 12:30 Europe/Brussels</dd>',
            '<dd id="receipt-duration">1 h 30 min</dd>',
            '<dd id="receipt-energy">12 kWh</dd>',
            '<td id="total-excl">6.10 EUR</td>',
            '<td id="total-vat">1.28 EUR</td>',
            '<td id="total-incl">7.38 EUR</td>',
        ):
            assert shown in html.text
        assert _lines(html.text) == [
            ["11:00", "Energy", "10 kWh", "0.3000", "3.00"],
            ["11:00", "Charging time", "1 h", "2.0000", "2.00"],
            ["12:00", "Energy", "2 kWh", "0.3000", "0.60"],
            ["12:00", "Parking time", "0.5 h", UNPRICED, "0.00"],  # the tariff prices no parking
            ["11:00", "Session fee", "1 session", "0.5000", "0.50"],
        ]

        pdf = await driver.get(f"{RECEIPTS}/CDR-GENT/pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
        text = _pdf_text(pdf.content)
        for shown in ("BeCharged (DE*CPO)", "Europe/Brussels", "6.10 EUR", "1.28 EUR", "7.38 EUR"):
            assert shown in text

        api = await driver.get(f"{ROAMING}/cdrs/CDR-GENT")
        assert api.status_code == 200, api.text
        assert (api.json()["party_id"], api.json()["object"]["total_cost"]["incl_vat"]) == (
            "CPO",
            7.38,
        )

        for path in (
            f"{RECEIPTS}/CDR-GENT",
            f"{RECEIPTS}/CDR-GENT/pdf",
            f"{ROAMING}/cdrs/CDR-GENT",
        ):
            assert (await other.get(path)).status_code == 404, path  # not Bob's
        for path in (f"{RECEIPTS}/NOPE", f"{RECEIPTS}/NOPE/pdf", f"{ROAMING}/cdrs/NOPE"):
            assert (await driver.get(path)).status_code == 404, path
    async with fast_server.client(None) as anonymous:
        assert (await anonymous.get(f"{RECEIPTS}/CDR-GENT")).status_code == 401
        assert (await anonymous.get(f"{ROAMING}/cdrs/CDR-GENT")).status_code == 401


async def test_a_cdr_without_vat_says_so_and_one_from_an_unknown_location_shows_utc(
    fast_server: RunningServer, cpo: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(fast_server, caplog, "ada@example.com")
    async with ada.client(fast_server) as driver:
        token = {"uid": await app_token(driver), "type": "APP_USER", "contract_id": "NL-KWT-C1"}
        elsewhere = {"id": "NEVER-SENT", "evse_uid": "E1", "connector_id": "1"}
        bare = cdr(id="CDR-BARE", cdr_token=token, cdr_location=elsewhere)  # 2.50 excl. VAT
        ocpi_data(await cpo.post(f"{EMSP}/cdrs", json=bare))

        html = (await driver.get(f"{RECEIPTS}/CDR-BARE")).text
        assert '<td id="total-excl">2.50 EUR</td>' in html
        assert '<td id="total-vat">not stated</td>' in html  # never invented
        assert '<dd id="receipt-started">2026-11-01 10:00 UTC</dd>' in html
        assert '<dd id="receipt-operator">DE*CPO</dd>' in html
        assert ["10:00", "Energy", "5 kWh", UNPRICED, "0.00"] in _lines(html)  # no tariff sent
        text = _pdf_text((await driver.get(f"{RECEIPTS}/CDR-BARE/pdf")).content)
        assert "2.50 EUR" in text and "not stated" in text


async def test_drivers_star_published_partner_locations_each_their_own(
    fast_server: RunningServer, cpo: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await partner_sends_gent(cpo)
    ada, bob = await drivers(fast_server, caplog)
    async with ada.client(fast_server) as driver, bob.client(fast_server) as other:
        assert (await driver.put(f"/app/api/favourites/{GENT}")).status_code == 204
        assert (await driver.put(f"/app/api/favourites/{GENT}")).status_code == 204  # idempotent
        assert (await driver.get("/app/api/favourites")).json() == [GENT]
        assert (await driver.get(f"/app/api/locations/{GENT}")).json()["favourite"] is True
        listed = (await driver.get("/app/api/locations")).json()
        assert [loc["favourite"] for loc in listed if loc["id"] == GENT] == [True]

        assert (await other.get("/app/api/favourites")).json() == []
        assert (await other.get(f"/app/api/locations/{GENT}")).json()["favourite"] is False

        for unknown in ("DE:CPO:LOC2", "DE:CPO:NOPE", "NL:XYZ:LOC1", "DE:CPO"):
            answer = await driver.put(f"/app/api/favourites/{unknown}")
            assert answer.status_code == 404, unknown  # unpublished, never sent, or no id

        assert (await driver.delete(f"/app/api/favourites/{GENT}")).status_code == 204
        assert (await driver.get("/app/api/favourites")).json() == []
        assert (await driver.get(f"/app/api/locations/{GENT}")).json()["favourite"] is False


def _lines(html: str) -> list[list[str]]:
    """The receipt's lines as the cells of its table body."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = body.split("<tr>")[1:]
    return [[cell.split("</td>")[0].strip() for cell in row.split("<td>")[1:]] for row in rows]


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
