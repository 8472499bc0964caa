"""Message routing (OCPI 2.2.1 transport_and_format): our requests to a partner's functional
modules name us (OCPI-from-) and the partner's party (OCPI-to-), configuration modules carry
no routing headers; a request to us that names its parties must come from one of the
caller's and be to us, and one without them is peer to peer and accepted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import RunningServer
from tests.e2e.ocpi.receiver import OcpiReceiver, Received
from tests.e2e.ocpi.support import register, token_header
from tests.e2e.test_api_cdrs import charge_16
from tests.e2e.test_api_tariffs import priced_site
from tests.support import TAG, eventually, station_16

TO_THE_EMSP = {
    "ocpi-from-country-code": "NL",
    "ocpi-from-party-id": "KWT",
    "ocpi-to-country-code": "DE",
    "ocpi-to-party-id": "MSP",
}
LOCATIONS = "/ocpi/cpo/2.2.1/locations"


def routed(sender: tuple[str, str] | None, to: tuple[str, str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if sender is not None:
        headers |= {"OCPI-from-country-code": sender[0], "OCPI-from-party-id": sender[1]}
    if to is not None:
        headers |= {"OCPI-to-country-code": to[0], "OCPI-to-party-id": to[1]}
    return headers


async def test_pushes_name_us_and_the_partners_emsp_party_and_the_handshake_names_no_one(
    fast_server: RunningServer, receiver: OcpiReceiver
) -> None:
    async with fast_server.client() as api:
        await priced_site(api, "CP-R1")
    await register(fast_server, receiver)
    async with station_16(fast_server.ocpp_url, "CP-R1") as cp:
        await charge_16(cp, TAG, 10)

    async def received() -> list[Received]:
        return list(receiver.received)

    def all_there(got: list[Received]) -> bool:
        modules = {r.path.split("/")[0] for r in got}
        return {"locations", "sessions", "cdrs"} <= modules

    got = await eventually(received, all_there, timeout_s=10)
    assert all(r.routing == TO_THE_EMSP for r in got), [r.routing for r in got]
    assert receiver.configuration_routing  # versions and details were asked for
    assert all(headers == {} for headers in receiver.configuration_routing)


async def test_a_real_time_authorization_names_the_partners_emsp_party(
    server: RunningServer, api: httpx.AsyncClient, receiver: OcpiReceiver
) -> None:
    await priced_site(api, "CP-R2")
    await register(server, receiver)
    async with station_16(server.ocpp_url, "CP-R2") as cp:
        result = await cp.call(call.Authorize(id_tag="ROAM0001"), suppress=False)
    assert result.id_tag_info["status"] == "Accepted"
    assert receiver.routed == [TO_THE_EMSP]


async def test_a_request_naming_the_callers_party_and_us_is_answered_from_us_to_it(
    server: RunningServer, receiver: OcpiReceiver
) -> None:
    token = await register(server, receiver)
    headers = token_header(token) | routed(("de", "msp"), ("NL", "KWT"))  # CiString
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        answer = await client.get(LOCATIONS, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status_code"] == 1000
    assert answer.headers["OCPI-from-country-code"] == "NL"
    assert answer.headers["OCPI-from-party-id"] == "KWT"
    assert (answer.headers["OCPI-to-country-code"], answer.headers["OCPI-to-party-id"]) == (
        "de",
        "msp",
    )


async def test_a_request_without_routing_headers_is_peer_to_peer_and_accepted(
    server: RunningServer, receiver: OcpiReceiver
) -> None:
    token = await register(server, receiver)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        answer = await client.get(LOCATIONS, headers=token_header(token))
    assert answer.json()["status_code"] == 1000
    assert "OCPI-to-party-id" not in answer.headers


@pytest.mark.parametrize(
    ("headers", "complaint"),
    [
        (routed(("FR", "XYZ"), ("NL", "KWT")), "not a party of yours"),
        (routed(("DE", "MSP"), ("NL", "OTH")), "is not us"),
        (routed(("DE", "MSP"), None) | {"OCPI-to-party-id": "KWT"}, "go together"),
        ({"OCPI-from-country-code": "DE"}, "go together"),
    ],
)
async def test_a_request_from_someone_elses_party_or_to_another_is_refused_with_2001(
    server: RunningServer, receiver: OcpiReceiver, headers: dict[str, str], complaint: str
) -> None:
    token = await register(server, receiver)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        answer = await client.get(LOCATIONS, headers=token_header(token) | headers)
    envelope: dict[str, Any] = answer.json()
    assert (answer.status_code, envelope["status_code"]) == (400, 2001)
    assert complaint in envelope["status_message"]


async def test_a_hub_forwards_requests_from_parties_that_are_not_its_own(
    server: RunningServer, receiver: OcpiReceiver
) -> None:
    token = await register(server, receiver, role_name="HUB", party_id="HUB")
    headers = token_header(token) | routed(("FR", "XYZ"), ("NL", "KWT"))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        answer = await client.get(LOCATIONS, headers=headers)
        elsewhere = await client.get(
            LOCATIONS, headers=token_header(token) | routed(("FR", "XYZ"), ("BE", "OTH"))
        )
    assert answer.json()["status_code"] == 1000
    assert answer.headers["OCPI-to-party-id"] == "XYZ"
    assert (elsewhere.status_code, elsewhere.json()["status_code"]) == (400, 2001)
