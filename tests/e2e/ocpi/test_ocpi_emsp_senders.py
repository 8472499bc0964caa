"""eMSP Senders over real HTTP: our drivers' tokens listed page by page and authorized in
real time from our accounts, CommandResults only from the partner the command went to."""

from __future__ import annotations

import httpx
import pytest

from kilowatt.domain.roaming_objects import SentCommand
from tests.conftest import RunningServer
from tests.driver_support import SignedUpDriver, signed_up
from tests.e2e.ocpi.receiver import OcpiReceiver
from tests.e2e.ocpi.support import ocpi_data, ocpi_error, register, token_header

TOKENS = "/ocpi/emsp/2.2.1/tokens"


@pytest.fixture
async def ada(fast_server: RunningServer, caplog: pytest.LogCaptureFixture) -> SignedUpDriver:
    driver = await signed_up(fast_server, caplog, "ada@example.com")
    async with driver.client(fast_server) as app:
        for uid in ("04AA0001", "04AA0002"):
            added = await app.post("/api/v1/driver/cards", json={"uid": uid})
            assert added.status_code == 201, added.text
        blocked = await app.post("/api/v1/driver/cards/04AA0002/block")
        assert blocked.status_code == 200, blocked.text
    return driver


async def test_our_drivers_tokens_are_listed_page_by_page(
    fast_server: RunningServer, cpo: httpx.AsyncClient, ada: SignedUpDriver
) -> None:
    async with fast_server.client() as api:  # an operator's token is not a driver's: not listed
        made = await api.post("/api/v1/tokens", json={"uid": "OPERATOR1"})
        assert made.status_code == 201, made.text
    first = await cpo.get(TOKENS, params={"limit": 2})
    tokens = ocpi_data(first)
    assert first.headers["X-Total-Count"] == "3" and first.headers["X-Limit"] == "2"
    following = first.headers["Link"].split(";")[0].strip("<>")
    tokens += ocpi_data(await cpo.get(following))
    by_uid = {t["uid"]: t for t in tokens}
    assert set(by_uid) == {
        "04AA0001",
        "04AA0002",
        next(iter(set(by_uid) - {"04AA0001", "04AA0002"})),
    }
    card = by_uid["04AA0001"]
    assert (card["type"], card["contract_id"], card["valid"], card["whitelist"]) == (
        "RFID",
        ada.contract_id,
        True,
        "ALLOWED",
    )
    assert (card["country_code"], card["party_id"]) == ("NL", "KWT")
    assert by_uid["04AA0002"]["valid"] is False
    assert [t["type"] for t in tokens].count("APP_USER") == 1
    later = ocpi_data(await cpo.get(TOKENS, params={"date_from": "2999-01-01T00:00:00Z"}))
    assert later == []


async def test_real_time_authorization_answers_from_our_accounts(
    fast_server: RunningServer, cpo: httpx.AsyncClient, ada: SignedUpDriver
) -> None:
    allowed = ocpi_data(await cpo.post(f"{TOKENS}/04AA0001/authorize", params={"type": "RFID"}))
    assert allowed["allowed"] == "ALLOWED" and allowed["token"]["uid"] == "04AA0001"
    assert allowed["authorization_reference"] and "location" not in allowed
    blocked = ocpi_data(await cpo.post(f"{TOKENS}/04AA0002/authorize"))
    assert blocked["allowed"] == "BLOCKED"
    where = {"location_id": "LOC1", "evse_uids": ["3256"]}
    at = ocpi_data(await cpo.post(f"{TOKENS}/04AA0001/authorize", json=where))
    assert at["location"] == where
    ocpi_error(await cpo.post(f"{TOKENS}/NOBODY/authorize"), 404, 2004)
    ocpi_error(await cpo.post(f"{TOKENS}/04AA0001/authorize", params={"type": "X"}), 400, 2001)
    bad_place = {"evse_uids": "3256"}
    ocpi_error(await cpo.post(f"{TOKENS}/04AA0001/authorize", json=bad_place), 400, 2001)


async def test_a_command_result_counts_only_from_the_partner_it_was_sent_to(
    fast_server: RunningServer, cpo: httpx.AsyncClient
) -> None:
    assert fast_server.app.sender is not None
    partners = await fast_server.app.sender.roaming.partners.all()
    (partner,) = [p for p in partners if p.registered]
    now = fast_server.app.ctx.clock.now()
    sent = SentCommand("c-1", partner.id, "START_SESSION", {}, now, now, response="ACCEPTED")
    await fast_server.app.sender.commands.save(sent)
    url = "/ocpi/emsp/2.2.1/commands/START_SESSION/c-1"
    ocpi_error(await cpo.post(url, json={"result": "MAYBE"}), 400, 2001)
    ocpi_error(await cpo.post(url.replace("c-1", "c-2"), json={"result": "ACCEPTED"}), 404, 2000)
    other = OcpiReceiver()
    await other.start()
    try:
        token = await register(fast_server, other)
        async with httpx.AsyncClient(
            base_url=fast_server.base_url, headers=token_header(token)
        ) as o:
            ocpi_error(await o.post(url, json={"result": "FAILED"}), 404, 2000)
    finally:
        await other.stop()
    message = [{"language": "en", "text": "charging"}]
    ocpi_data(await cpo.post(url, json={"result": "ACCEPTED", "message": message}))
    async with fast_server.client() as api:
        shown = (await api.get("/api/v1/ocpi/commands/c-1")).json()
    assert (shown["response"], shown["result"], shown["message"]) == (
        "ACCEPTED",
        "ACCEPTED",
        "charging",
    )
