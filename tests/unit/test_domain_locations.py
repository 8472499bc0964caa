"""Sites, stations, EVSEs and connectors (kilowatt.domain.locations)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.locations import (
    BootInfo,
    ChargingStation,
    Connector,
    ConnectorStatus,
    Evse,
    ExceptionalPeriod,
    Location,
    OpeningHours,
    RegistrationStatus,
    RegularHours,
    ocpi_evse_status,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _location(**overrides: Any) -> Location:
    values: dict[str, Any] = {
        "id": "LOC1",
        "name": "Kilowatt HQ",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "postal_code": "1012 AB",
        "country": "NLD",
        "latitude": Decimal("52.3791"),
        "longitude": Decimal("4.9003"),
        "time_zone": "Europe/Amsterdam",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    return Location(**values)


def _station(station_id: str = "CS-001", **overrides: Any) -> ChargingStation:
    values: dict[str, Any] = {
        "id": station_id,
        "password_hash": None,
        "registration_status": RegistrationStatus.ACCEPTED,
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    return ChargingStation(**values)


# Location


def test_a_valid_location_is_open_around_the_clock_and_published_by_default() -> None:
    location = _location()
    assert location.opening_hours == OpeningHours()
    assert location.opening_hours.twentyfourseven
    assert location.publish


@pytest.mark.parametrize("country", ["NL", "nld", "NLDX", "N1D", ""])
def test_a_location_s_country_is_iso_3166_alpha_3(country: str) -> None:
    with pytest.raises(InvalidValue, match="alpha-3"):
        _location(country=country)


@pytest.mark.parametrize("latitude", ["-90", "90", "0", "-33.8688"])
def test_a_latitude_between_minus_90_and_90_is_accepted(latitude: str) -> None:
    assert _location(latitude=Decimal(latitude)).latitude == Decimal(latitude)


@pytest.mark.parametrize("latitude", ["-90.000001", "90.1", "180"])
def test_a_latitude_beyond_the_poles_is_refused(latitude: str) -> None:
    with pytest.raises(InvalidValue, match="latitude"):
        _location(latitude=Decimal(latitude))


@pytest.mark.parametrize("longitude", ["-180", "180", "0", "151.2093"])
def test_a_longitude_between_minus_180_and_180_is_accepted(longitude: str) -> None:
    assert _location(longitude=Decimal(longitude)).longitude == Decimal(longitude)


@pytest.mark.parametrize("longitude", ["-180.5", "180.000001", "360"])
def test_a_longitude_beyond_the_date_line_is_refused(longitude: str) -> None:
    with pytest.raises(InvalidValue, match="longitude"):
        _location(longitude=Decimal(longitude))


def test_a_nan_coordinate_is_an_invalid_value() -> None:
    with pytest.raises(InvalidValue):
        _location(latitude=Decimal("NaN"))


@pytest.mark.parametrize("time_zone", ["Europe/Amsterdam", "America/New_York", "UTC"])
def test_a_location_s_time_zone_is_an_iana_name(time_zone: str) -> None:
    assert _location(time_zone=time_zone).time_zone == time_zone


@pytest.mark.parametrize(
    "time_zone",
    ["Mars/Olympus_Mons", "CET+1", "", "../etc/passwd", "/etc/localtime", "Europe"],
)
def test_an_unknown_time_zone_is_refused(time_zone: str) -> None:
    with pytest.raises(InvalidValue, match="IANA time zone"):
        _location(time_zone=time_zone)


# Opening hours


def test_opening_hours_are_either_around_the_clock_or_regular_hours() -> None:
    with pytest.raises(InvalidValue, match="either twentyfourseven or regular hours"):
        OpeningHours(twentyfourseven=True, regular_hours=(RegularHours(1, "08:00", "18:00"),))


def test_regular_hours_with_exceptions_are_accepted() -> None:
    closed = ExceptionalPeriod(T0, T0 + timedelta(days=1))
    hours = OpeningHours(
        twentyfourseven=False,
        regular_hours=(RegularHours(1, "08:00", "18:00"), RegularHours(7, "00:00", "23:59")),
        exceptional_closings=(closed,),
    )
    location = _location(opening_hours=hours)
    assert location.opening_hours.exceptional_closings == (closed,)


@pytest.mark.parametrize("weekday", [0, 8, -1])
def test_weekdays_run_from_1_monday_to_7_sunday(weekday: int) -> None:
    with pytest.raises(InvalidValue, match="weekday"):
        RegularHours(weekday, "08:00", "18:00")


@pytest.mark.parametrize("text", ["8:00", "24:00", "12:60", "12.30", "0800", "08:00:00", ""])
def test_regular_hours_are_times_of_day_as_hh_mm(text: str) -> None:
    with pytest.raises(InvalidValue, match="HH:MM"):
        RegularHours(1, text, "23:00")
    with pytest.raises(InvalidValue, match="HH:MM"):
        RegularHours(1, "00:00", text)


# ChargingStation


@pytest.mark.parametrize("station_id", ["CS-001", "a", "x" * 48, "NL*KWT*S1", "cs_1=a:b+c|d@e.f"])
def test_a_station_id_is_1_to_48_ocpp_identity_characters(station_id: str) -> None:
    assert _station(station_id).id == station_id


@pytest.mark.parametrize(
    "station_id", ["", "x" * 49, "CS 001", "CS/001", "CS#1", "cs?1", "Zürich-1"]
)
def test_a_station_id_with_other_characters_or_length_is_refused(station_id: str) -> None:
    with pytest.raises(InvalidValue, match="station id"):
        _station(station_id)


@pytest.mark.parametrize("profile", [-1, 4])
def test_the_security_profile_is_0_to_3(profile: int) -> None:
    with pytest.raises(InvalidValue, match="security profile"):
        _station(security_profile=profile)


def test_boot_records_what_the_station_tells_about_itself() -> None:
    station = _station()
    info = BootInfo(
        vendor="Alfen",
        model="Eve Single",
        serial_number="ACE0001",
        firmware_version="6.4.0",
        iccid="8931",
        imsi="2040",
        meter_type="EM340",
        meter_serial_number="M-1",
        reason="PowerUp",
    )
    now = T0 + timedelta(hours=1)

    station.boot(info, now)

    assert (station.vendor, station.model) == ("Alfen", "Eve Single")
    assert (station.serial_number, station.firmware_version) == ("ACE0001", "6.4.0")
    assert (station.iccid, station.imsi) == ("8931", "2040")
    assert (station.meter_type, station.meter_serial_number) == ("EM340", "M-1")
    assert station.last_boot_reason == "PowerUp"
    assert station.last_boot_at == station.last_heartbeat_at == station.updated_at == now
    assert station.created_at == T0


@pytest.mark.parametrize("status", list(RegistrationStatus))
def test_boot_answers_with_the_operator_s_registration_status(
    status: RegistrationStatus,
) -> None:
    station = _station(registration_status=status)
    assert station.boot(BootInfo("Alfen", "Eve"), T0) is status
    assert station.registration_status is status


def test_a_reboot_replaces_details_the_station_no_longer_reports() -> None:
    station = _station()
    station.boot(BootInfo("Alfen", "Eve", firmware_version="6.3", reason="PowerUp"), T0)
    station.boot(BootInfo("Alfen", "Eve"), T0 + timedelta(minutes=5))
    assert station.firmware_version is None
    assert station.last_boot_reason is None


def test_an_evse_is_found_by_the_station_s_own_number() -> None:
    first, second = Evse(1, "uid-1"), Evse(2, "uid-2")
    station = _station(evses=[first, second])
    assert station.evse(2) is second
    assert station.evse(1) is first


def test_looking_up_an_evse_the_station_does_not_have_gives_none() -> None:
    assert _station(evses=[Evse(1, "uid-1")]).evse(3) is None
    assert _station().evse(1) is None


def test_evse_and_connector_ids_start_at_1() -> None:
    with pytest.raises(InvalidValue, match="EVSE ids start at 1"):
        Evse(0, "uid-0")
    with pytest.raises(InvalidValue, match="connector ids start at 1"):
        Connector(0)


# OCPI EVSE status


@pytest.mark.parametrize(
    ("status", "ocpi"),
    [
        (ConnectorStatus.AVAILABLE, "AVAILABLE"),
        (ConnectorStatus.PREPARING, "BLOCKED"),
        (ConnectorStatus.CHARGING, "CHARGING"),
        (ConnectorStatus.SUSPENDED_EVSE, "CHARGING"),
        (ConnectorStatus.SUSPENDED_EV, "CHARGING"),
        (ConnectorStatus.FINISHING, "BLOCKED"),
        (ConnectorStatus.OCCUPIED, "CHARGING"),
        (ConnectorStatus.RESERVED, "RESERVED"),
        (ConnectorStatus.UNAVAILABLE, "INOPERATIVE"),
        (ConnectorStatus.FAULTED, "OUTOFORDER"),
    ],
)
def test_a_connected_station_s_connector_status_maps_to_an_ocpi_evse_status(
    status: ConnectorStatus, ocpi: str
) -> None:
    assert ocpi_evse_status(status, connected=True) == ocpi


@pytest.mark.parametrize("status", list(ConnectorStatus))
def test_every_status_of_an_offline_station_is_unknown(status: ConnectorStatus) -> None:
    assert ocpi_evse_status(status, connected=False) == "UNKNOWN"


def test_a_connector_that_never_reported_is_unknown() -> None:
    assert ocpi_evse_status(None, connected=True) == "UNKNOWN"


def test_an_evse_code_must_be_an_emi3_evse_id() -> None:
    assert Evse(evse_id=1, uid="u-1", evse_code="NL*KWT*E1234*1").evse_code == "NL*KWT*E1234*1"
    with pytest.raises(InvalidValue, match="EVSE id"):
        Evse(evse_id=1, uid="u-1", evse_code="not an evse id")
