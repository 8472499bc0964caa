"""Sites, charging stations, EVSEs and connectors, shaped after OCPI 2.2.1 Locations.

A ``Location`` is a site with an address and a time zone. A ``ChargingStation`` is one
OCPP endpoint. It has ``Evse`` objects (OCPI EVSE, OCPP 2.0.1 EVSE; in OCPP 1.6 each
connector id is an EVSE of its own), each with ``Connector`` objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.units import EvseId

__all__ = [
    "BootInfo",
    "ChargingStation",
    "Connector",
    "ConnectorFormat",
    "ConnectorStandard",
    "ConnectorStatus",
    "Evse",
    "ExceptionalPeriod",
    "Location",
    "OcppVersion",
    "OpeningHours",
    "PowerType",
    "RegistrationStatus",
    "RegularHours",
    "UnknownStationPolicy",
    "default_evse_uid",
    "ocpi_evse_status",
    "validate_location_fields",
]


class OcppVersion(StrEnum):
    V16 = "1.6"
    V201 = "2.0.1"


class RegistrationStatus(StrEnum):
    """The answer a station gets to its BootNotification."""

    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class UnknownStationPolicy(StrEnum):
    """What the central system does when a station it does not know connects."""

    REJECT = "reject"
    PENDING = "pending"


class ConnectorStandard(StrEnum):
    """OCPI ConnectorType (the common ones)."""

    CHADEMO = "CHADEMO"
    DOMESTIC_F = "DOMESTIC_F"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3C = "IEC_62196_T3C"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    NEMA_5_20 = "NEMA_5_20"
    TESLA_S = "TESLA_S"


class ConnectorFormat(StrEnum):
    SOCKET = "SOCKET"
    CABLE = "CABLE"


class PowerType(StrEnum):
    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ConnectorStatus(StrEnum):
    """Connector states of OCPP 1.6 (ChargePointStatus) and 2.0.1 (ConnectorStatus)."""

    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EVSE = "SuspendedEVSE"
    SUSPENDED_EV = "SuspendedEV"
    FINISHING = "Finishing"
    OCCUPIED = "Occupied"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"


_OCPI_STATUS = {
    ConnectorStatus.AVAILABLE: "AVAILABLE",
    ConnectorStatus.PREPARING: "BLOCKED",
    ConnectorStatus.CHARGING: "CHARGING",
    ConnectorStatus.SUSPENDED_EVSE: "CHARGING",
    ConnectorStatus.SUSPENDED_EV: "CHARGING",
    ConnectorStatus.FINISHING: "BLOCKED",
    ConnectorStatus.OCCUPIED: "CHARGING",
    ConnectorStatus.RESERVED: "RESERVED",
    ConnectorStatus.UNAVAILABLE: "INOPERATIVE",
    ConnectorStatus.FAULTED: "OUTOFORDER",
}


def ocpi_evse_status(status: ConnectorStatus | None, connected: bool) -> str:
    """The OCPI EVSE status for a connector status; UNKNOWN while the station is offline."""
    if status is None or not connected:
        return "UNKNOWN"
    return _OCPI_STATUS[status]


_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True, slots=True)
class RegularHours:
    """Opening hours on one weekday (1 = Monday ... 7 = Sunday), local time."""

    weekday: int
    period_begin: str
    period_end: str

    def __post_init__(self) -> None:
        if not 1 <= self.weekday <= 7:
            raise InvalidValue(f"weekday {self.weekday} is not between 1 (Monday) and 7")
        for text in (self.period_begin, self.period_end):
            if not _HHMM.match(text):
                raise InvalidValue(f"{text!r} is not a time of day as HH:MM")


@dataclass(frozen=True, slots=True)
class ExceptionalPeriod:
    period_begin: datetime
    period_end: datetime


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """OCPI Hours: either open around the clock or regular hours with exceptions."""

    twentyfourseven: bool = True
    regular_hours: tuple[RegularHours, ...] = ()
    exceptional_openings: tuple[ExceptionalPeriod, ...] = ()
    exceptional_closings: tuple[ExceptionalPeriod, ...] = ()

    def __post_init__(self) -> None:
        if self.twentyfourseven and self.regular_hours:
            raise InvalidValue("opening hours are either twentyfourseven or regular hours")


@dataclass(slots=True)
class Location:
    """A charging site (OCPI Location)."""

    id: str
    name: str
    address: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-3, as OCPI wants it
    latitude: Decimal
    longitude: Decimal
    time_zone: str  # IANA name, e.g. Europe/Amsterdam
    created_at: datetime
    updated_at: datetime
    state: str | None = None
    opening_hours: OpeningHours = field(default_factory=OpeningHours)
    parking_type: str | None = None
    publish: bool = True

    def __post_init__(self) -> None:
        validate_location_fields(self)


def validate_location_fields(location: Location) -> None:
    if not re.fullmatch(r"[A-Z]{3}", location.country):
        raise InvalidValue(f"country {location.country!r} is not ISO 3166-1 alpha-3 (e.g. NLD)")
    if not (location.latitude.is_finite() and location.longitude.is_finite()):
        raise InvalidValue("coordinates must be finite numbers")
    if not Decimal(-90) <= location.latitude <= Decimal(90):
        raise InvalidValue(f"latitude {location.latitude} is out of range")
    if not Decimal(-180) <= location.longitude <= Decimal(180):
        raise InvalidValue(f"longitude {location.longitude} is out of range")
    try:
        ZoneInfo(location.time_zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a folder of tzdata
        raise InvalidValue(f"{location.time_zone!r} is not an IANA time zone") from None


@dataclass(slots=True)
class Connector:
    """One plug or socket of an EVSE (OCPI Connector)."""

    connector_id: int
    standard: ConnectorStandard = ConnectorStandard.IEC_62196_T2
    format: ConnectorFormat = ConnectorFormat.SOCKET
    power_type: PowerType = PowerType.AC_3_PHASE
    max_voltage_v: int = 230
    max_amperage_a: int = 32
    max_electric_power_w: int | None = None
    tariff_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.connector_id < 1:
            raise InvalidValue("connector ids start at 1")


@dataclass(slots=True)
class Evse:
    """An EVSE of a station: the unit that charges one car at a time (OCPI EVSE)."""

    evse_id: int  # the station's own numbering: 2.0.1 evseId, 1.6 connectorId
    uid: str  # OCPI EVSE uid, unique in the CPO's platform
    evse_code: str | None = None  # eMI3 EVSE id, e.g. NL*KWT*E1234*1
    physical_reference: str | None = None
    floor_level: str | None = None
    capabilities: tuple[str, ...] = ()
    connectors: list[Connector] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.evse_id < 1:
            raise InvalidValue("EVSE ids start at 1")
        if self.evse_code is not None:
            EvseId.parse(self.evse_code)  # raises InvalidValue for a malformed eMI3 id


def default_evse_uid(station_id: str, evse_id: int) -> str:
    """A stable OCPI EVSE uid (36 characters) for an EVSE the operator gave none."""
    return str(uuid5(NAMESPACE_URL, f"kilowatt:{station_id}/{evse_id}"))


@dataclass(frozen=True, slots=True)
class BootInfo:
    """What a station tells about itself in BootNotification."""

    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    reason: str | None = None  # 2.0.1 BootReason


@dataclass(slots=True)
class ChargingStation:
    """One OCPP endpoint, known to the central system by its identity."""

    id: str
    password_hash: str | None
    registration_status: RegistrationStatus
    created_at: datetime
    updated_at: datetime
    location_id: str | None = None
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    ocpp_version: OcppVersion | None = None
    security_profile: int = 1
    heartbeat_interval_s: int = 300
    last_boot_at: datetime | None = None
    last_boot_reason: str | None = None
    last_heartbeat_at: datetime | None = None
    firmware_status: str | None = None
    diagnostics_status: str | None = None
    evses: list[Evse] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9*\-_=:+|@.]{1,48}", self.id):
            raise InvalidValue(
                f"station id {self.id!r} must be 1-48 characters of letters, digits and *-_=:+|@."
            )
        if self.security_profile not in (0, 1, 2, 3):
            raise InvalidValue("security profile is 0, 1, 2 or 3")

    def boot(self, info: BootInfo, now: datetime) -> RegistrationStatus:
        """Record a BootNotification; the registration status is the operator's decision."""
        self.vendor = info.vendor
        self.model = info.model
        self.serial_number = info.serial_number
        self.firmware_version = info.firmware_version
        self.iccid = info.iccid
        self.imsi = info.imsi
        self.meter_type = info.meter_type
        self.meter_serial_number = info.meter_serial_number
        self.last_boot_at = now
        self.last_boot_reason = info.reason
        self.last_heartbeat_at = now
        self.updated_at = now
        return self.registration_status

    def evse(self, evse_id: int) -> Evse | None:
        return next((evse for evse in self.evses if evse.evse_id == evse_id), None)
