"""A driver's session at a partner CPO is pushed to the app (Server-Sent Events): the session
now, then each update the partner PUTs or PATCHes at our Sessions receiver as it arrives,
until the partner's CDR ends it; a START_SESSION from its CommandResult until the session it
started arrives. Another driver's session or command is 404, as in the JSON API."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kilowatt.domain.roaming_objects import SentCommand
from tests.conftest import RunningServer
from tests.driver_support import signed_up
from tests.e2e.ocpi.objects import EMSP, cdr, session
from tests.e2e.ocpi.support import ocpi_data

LIVE = "/app/api/roaming/sessions/{}/live"
COMMAND_LIVE = "/app/api/roaming/commands/{}/live"


class Stream:
    """The data of the events of one open Server-Sent Events response."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self, within_s: float = 2.0) -> dict[str, Any] | None:
        """The next event's data; None once the server ended the stream."""
        return await asyncio.wait_for(self._read(), within_s)

    async def _read(self) -> dict[str, Any] | None:
        async for line in self._lines:
            if line.startswith("data: "):
                found: dict[str, Any] = json.loads(line[6:])
                return found
        return None


async def app_uid(driver: httpx.AsyncClient) -> str:
    tokens = (await driver.get("/api/v1/driver/tokens")).json()
    (uid,) = [t["uid"] for t in tokens if t["type"] == "APP_USER"]
    return str(uid)


async def test_the_partner_session_is_pushed_as_the_partner_updates_it_until_its_cdr(
    fast_server: RunningServer, cpo: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(fast_server, caplog, "ada@example.com")
    bob = await signed_up(fast_server, caplog, "bob@example.com")
    async with ada.client(fast_server) as driver, bob.client(fast_server) as other:
        token = {"uid": await app_uid(driver), "type": "APP_USER", "contract_id": "DE-MSP-C1"}
        ocpi_data(await cpo.put(f"{EMSP}/sessions/DE/CPO/SES1", json=session(cdr_token=token)))
        assert (await other.get(LIVE.format("SES1"))).status_code == 404
        assert (await driver.get(LIVE.format("NOPE"))).status_code == 404

        async with driver.stream("GET", LIVE.format("SES1")) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = Stream(response)
            now = await events.next()
            assert now is not None
            assert (now["status"], now["kwh"], now["operator"], now["ended"]) == (
                "ACTIVE",
                "0",
                "DE*CPO",
                False,
            )

            update = {
                "kwh": 1.5,
                "total_cost": {"excl_vat": 0.45, "incl_vat": 0.54},
                "last_updated": "2026-11-01T10:10:00Z",
            }
            ocpi_data(await cpo.patch(f"{EMSP}/sessions/DE/CPO/SES1", json=update))
            patched = await events.next()  # pushed: no request of ours in between
            assert patched is not None
            assert (patched["kwh"], patched["total_cost"]["incl_vat"]) == ("1.5", 0.54)
            assert patched["power_w"] == 9000.0  # 1.5 kWh in the 10 minutes since the last

            posted = await cpo.post(f"{EMSP}/cdrs", json=cdr(cdr_token=token))
            assert posted.status_code == 201, posted.text
            final = await events.next()
            assert final is not None
            assert (final["status"], final["kwh"], final["ended"]) == ("COMPLETED", "5", True)
            assert final["cdr"]["id"] == "CDR1"
            assert await events.next() is None  # the stream ended with the session


async def test_a_start_is_pushed_from_its_result_to_the_session_it_started(
    fast_server: RunningServer, cpo: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(fast_server, caplog, "ada@example.com")
    bob = await signed_up(fast_server, caplog, "bob@example.com")
    kw = fast_server.app
    assert kw.roaming is not None and kw.sender is not None
    (partner,) = [p for p in await kw.roaming.partners.all() if p.registered]
    async with ada.client(fast_server) as driver, bob.client(fast_server) as other:
        token = {"uid": await app_uid(driver), "type": "APP_USER", "contract_id": "DE-MSP-C1"}
        now = datetime.now(UTC)
        where = {"token": token, "location_id": "LOC1", "evse_uid": "3256"}
        sent = SentCommand("C1", partner.id, "START_SESSION", where, now, now, "ACCEPTED")
        await kw.sender.commands.save(sent)
        assert (await other.get(COMMAND_LIVE.format("C1"))).status_code == 404

        async with driver.stream("GET", COMMAND_LIVE.format("C1")) as response:
            events = Stream(response)
            waiting = await events.next()
            assert waiting is not None
            assert (waiting["result"], waiting["session_id"], waiting["settled"]) == (
                None,
                None,
                False,
            )
            result = {"result": "ACCEPTED"}
            ocpi_data(await cpo.post(f"{EMSP}/commands/START_SESSION/C1", json=result))
            accepted = await events.next()
            assert accepted is not None
            assert (accepted["result"], accepted["settled"]) == ("ACCEPTED", False)

            started = session(cdr_token=token)
            ocpi_data(await cpo.put(f"{EMSP}/sessions/DE/CPO/SES1", json=started))
            begun = await events.next()
            assert begun is not None
            assert (begun["session_id"], begun["settled"]) == ("SES1", True)
            assert await events.next() is None
