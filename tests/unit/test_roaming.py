"""Pure parts of roaming: credentials roles, the Authorization header, retry delays, and the
OCPI Location built from our registry."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.locations import ChargingStation, Connector, Evse, Location, RegistrationStatus
from kilowatt.domain.roaming import (
    Partner,
    PartnerRole,
    PartnerStatus,
    PartyAddress,
    PartyRole,
    parse_roles,
)
from kilowatt.ocpi.client import routing_headers
from kilowatt.ocpi.deps import token_candidates
from kilowatt.ocpi.mapping import Party, SiteView, location_object
from kilowatt.ports import ConnectorStatusReport, OcpiPush
from kilowatt.services.roaming_push import PushPolicy, retry_delay

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_credentials_roles_are_read_and_bad_ones_refused() -> None:
    (role,) = parse_roles([{"role": "EMSP", "country_code": "DE", "party_id": "MSP"}])
    assert (role.role, role.country_code, role.party_id) == (PartyRole.EMSP, "DE", "MSP")
    for bad in ([], None, [{"role": "KING", "country_code": "DE", "party_id": "MSP"}], [7]):
        with pytest.raises(InvalidValue):
            parse_roles(bad)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Token " + base64.b64encode(b"abc-123").decode(), ["abc-123", "YWJjLTEyMw=="]),
        ("Token raw-token", ["raw-token"]),
        ("Bearer abc", []),
        (None, []),
        ("Token ", []),
    ],
)
def test_a_token_header_is_read_base64_first_then_as_sent(
    header: str | None, expected: list[str]
) -> None:
    assert token_candidates(header) == expected


def test_failed_pushes_back_off_exponentially_up_to_an_hour() -> None:
    policy = PushPolicy(retry_base_s=5.0)
    delays = [retry_delay(policy, n) for n in (1, 2, 3, 20)]
    assert delays == [
        timedelta(seconds=5),
        timedelta(seconds=10),
        timedelta(seconds=20),
        timedelta(hours=1),
    ]


def _site(statuses: list[str], connected: bool) -> SiteView:
    location = Location(
        "AMS-1", "Centraal", "Stationsplein 1", "Amsterdam", "1012AB", "NLD",
        Decimal("52.378901"), Decimal("4.900272"), "Europe/Amsterdam", NOW, NOW,
    )  # fmt: skip
    evse = Evse(1, "uid-1", "NL*KWT*E0001*1", connectors=[Connector(1), Connector(2)])
    station = ChargingStation(
        "CP-1", None, RegistrationStatus.ACCEPTED, NOW, NOW + timedelta(hours=1), evses=[evse]
    )
    reports = [
        ConnectorStatusReport("CP-1", 1, n, status, NOW, NOW)
        for n, status in enumerate(statuses, 1)
    ]
    return SiteView(location, [station], reports, lambda _: connected)


@pytest.mark.parametrize(
    ("statuses", "connected", "expected"),
    [
        (["Available", "Available"], True, "AVAILABLE"),
        (["Available", "Charging"], True, "CHARGING"),
        (["Faulted", "Available"], True, "OUTOFORDER"),
        (["Available", "Charging"], False, "UNKNOWN"),
        ([], True, "UNKNOWN"),
    ],
)
def test_the_evse_status_is_the_most_telling_of_its_connectors(
    statuses: list[str], connected: bool, expected: str
) -> None:
    data = location_object(_site(statuses, connected), Party("NL", "KWT"))
    assert data["evses"][0]["status"] == expected


def test_a_location_object_has_what_ocpi_requires() -> None:
    data = location_object(_site(["Available"], True), Party("NL", "KWT"))
    assert {
        "country_code", "party_id", "id", "publish", "address", "city", "country",
        "coordinates", "time_zone", "last_updated",
    } <= data.keys()  # fmt: skip
    assert data["coordinates"] == {"latitude": "52.378901", "longitude": "4.900272"}
    assert data["last_updated"] == "2026-11-24T13:00:00Z"  # the station changed last
    connector = data["evses"][0]["connectors"][1]
    assert (connector["id"], connector["standard"], connector["power_type"]) == (
        "2",
        "IEC_62196_T2",
        "AC_3_PHASE",
    )


def partner_with(*roles: PartnerRole) -> Partner:
    return Partner("p", PartnerStatus.REGISTERED, NOW, NOW, "digest", roles=roles)


def test_a_partner_is_addressed_by_its_party_in_the_role_a_module_serves() -> None:
    cpo = PartnerRole(PartyRole.CPO, "DE", "CPX")
    emsp, other_emsp = (
        PartnerRole(PartyRole.EMSP, "DE", "MSP"),
        PartnerRole(PartyRole.EMSP, "BE", "MS2"),
    )
    partner = partner_with(cpo, emsp, other_emsp)
    assert partner.party(PartyRole.CPO) == PartyAddress("DE", "CPX")
    assert partner.party(PartyRole.EMSP) == PartyAddress("DE", "MSP")  # the first
    assert partner.party(PartyRole.HUB) is None
    assert partner.owns(PartyAddress("be", "ms2"))  # CiString: case-insensitive
    assert not partner.owns(PartyAddress("NL", "KWT"))


def test_routing_headers_name_us_and_the_addressee_when_known() -> None:
    us = PartyAddress("NL", "KWT")
    assert routing_headers(us, PartyAddress("DE", "MSP")) == {
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "KWT",
        "OCPI-to-country-code": "DE",
        "OCPI-to-party-id": "MSP",
    }
    assert routing_headers(us, None) == {  # an open routing request
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "KWT",
    }


def test_a_push_keeps_the_party_it_is_addressed_to() -> None:
    push = OcpiPush("p", "session:1", "PUT", "http://x/sessions/NL/KWT/1", "{}", NOW)
    assert push.addressed(None).to is None
    assert push.addressed(PartyAddress("DE", "MSP")).to == PartyAddress("DE", "MSP")
