"""Stations with their EVSEs and connectors, and their live state."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input, Patch
from kilowatt.domain.locations import (
    ChargingStation,
    Connector,
    ConnectorFormat,
    ConnectorStandard,
    Evse,
    PowerType,
    RegistrationStatus,
    default_evse_uid,
)
from kilowatt.ports import ConnectorStatusReport

__all__ = [
    "ConnectorIn",
    "ConnectorPublic",
    "ConnectorStatusPublic",
    "EvseBody",
    "EvseIn",
    "EvsePublic",
    "StationCreate",
    "StationPublic",
    "StationStatePublic",
    "StationUpdate",
]


class ConnectorIn(Input):
    connector_id: int = Field(ge=1)
    standard: ConnectorStandard = ConnectorStandard.IEC_62196_T2
    format: ConnectorFormat = ConnectorFormat.SOCKET
    power_type: PowerType = PowerType.AC_3_PHASE
    max_voltage_v: int = Field(default=230, gt=0)
    max_amperage_a: int = Field(default=32, gt=0)
    max_electric_power_w: int | None = Field(default=None, gt=0)
    tariff_ids: list[str] = []

    def to_domain(self) -> Connector:
        return Connector(
            **self.model_dump(exclude={"tariff_ids"}), tariff_ids=tuple(self.tariff_ids)
        )


class ConnectorPublic(ConnectorIn):
    @classmethod
    def of(cls, connector: Connector) -> ConnectorPublic:
        data = {name: getattr(connector, name) for name in cls.model_fields}
        return cls(**data | {"tariff_ids": list(connector.tariff_ids)})


class EvseBody(Input):
    """An EVSE as PUT to /stations/{id}/evses/{evse_id}: the id comes from the path."""

    uid: str | None = Field(default=None, max_length=36, description="OCPI EVSE uid")
    evse_code: str | None = Field(default=None, max_length=48, examples=["NL*KWT*E1234*1"])
    physical_reference: str | None = Field(default=None, max_length=16)
    floor_level: str | None = Field(default=None, max_length=4)
    capabilities: list[str] = []
    connectors: list[ConnectorIn] = []

    def build(self, station_id: str, evse_id: int) -> Evse:
        return Evse(
            evse_id=evse_id,
            uid=self.uid or default_evse_uid(station_id, evse_id),
            evse_code=self.evse_code,
            physical_reference=self.physical_reference,
            floor_level=self.floor_level,
            capabilities=tuple(self.capabilities),
            connectors=[c.to_domain() for c in self.connectors],
        )


class EvseIn(EvseBody):
    evse_id: int = Field(ge=1, description="The station's own numbering (1.6: connectorId)")

    def to_domain(self, station_id: str) -> Evse:
        return self.build(station_id, self.evse_id)


class EvsePublic(BaseModel):
    evse_id: int
    uid: str
    evse_code: str | None
    physical_reference: str | None
    floor_level: str | None
    capabilities: list[str]
    connectors: list[ConnectorPublic]

    @classmethod
    def of(cls, evse: Evse) -> EvsePublic:
        return cls(
            evse_id=evse.evse_id,
            uid=evse.uid,
            evse_code=evse.evse_code,
            physical_reference=evse.physical_reference,
            floor_level=evse.floor_level,
            capabilities=list(evse.capabilities),
            connectors=[ConnectorPublic.of(c) for c in evse.connectors],
        )


class StationCreate(Input):
    id: str = Field(min_length=1, max_length=48, examples=["KWT-AMS-001"])
    password: str | None = Field(
        default=None, min_length=16, max_length=40, description="HTTP Basic auth password"
    )
    location_id: str | None = None
    security_profile: int = Field(default=1, ge=0, le=3)
    registration_status: RegistrationStatus = RegistrationStatus.ACCEPTED
    heartbeat_interval_s: int | None = Field(default=None, ge=10)
    evses: list[EvseIn] = []


class StationUpdate(Patch):
    required: ClassVar[frozenset[str]] = frozenset(
        {"security_profile", "registration_status", "heartbeat_interval_s", "evses"}
    )

    password: str | None = Field(default=None, min_length=16, max_length=40)
    location_id: str | None = None
    security_profile: int | None = Field(default=None, ge=0, le=3)
    registration_status: RegistrationStatus | None = None
    heartbeat_interval_s: int | None = Field(default=None, ge=10)
    evses: list[EvseIn] | None = None


class StationPublic(BaseModel):
    id: str
    location_id: str | None
    registration_status: RegistrationStatus
    ocpp_version: str | None
    security_profile: int
    vendor: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    iccid: str | None
    imsi: str | None
    meter_type: str | None
    meter_serial_number: str | None
    heartbeat_interval_s: int
    last_boot_at: datetime | None
    last_heartbeat_at: datetime | None
    firmware_status: str | None
    diagnostics_status: str | None
    evses: list[EvsePublic]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, station: ChargingStation) -> StationPublic:
        fields = set(cls.model_fields) - {"evses", "ocpp_version"}
        data: dict[str, Any] = {name: getattr(station, name) for name in fields}
        data["ocpp_version"] = station.ocpp_version.value if station.ocpp_version else None
        return cls(**data, evses=[EvsePublic.of(e) for e in station.evses])


class ConnectorStatusPublic(BaseModel):
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None
    info: str | None
    vendor_error_code: str | None
    reported_at: datetime
    received_at: datetime

    @classmethod
    def of(cls, report: ConnectorStatusReport) -> ConnectorStatusPublic:
        return cls(**{name: getattr(report, name) for name in cls.model_fields})


class StationStatePublic(BaseModel):
    """Live state: connected now, last heard from, every connector's latest status."""

    id: str
    connected: bool
    registration_status: RegistrationStatus
    ocpp_version: str | None
    last_boot_at: datetime | None
    last_heartbeat_at: datetime | None
    connectors: list[ConnectorStatusPublic]
    offline_since: datetime | None = Field(
        default=None, description="Not heard from past KILOWATT_OFFLINE_GRACE_S, since then"
    )
