"""Request and response models of the REST API (never domain objects on the wire):
``XCreate`` / ``XUpdate`` / ``XPublic`` per resource."""

from __future__ import annotations

from kilowatt.api.schemas.commands import (
    AvailabilityCommand,
    ResetCommand,
    StartCommand,
    StopCommand,
    UnlockCommand,
)
from kilowatt.api.schemas.locations import (
    ExceptionalPeriodModel,
    HoursModel,
    LocationCreate,
    LocationPublic,
    LocationUpdate,
    RegularHoursModel,
)
from kilowatt.api.schemas.logs import OcppMessagePublic, StationReportPublic
from kilowatt.api.schemas.monitoring import (
    AlertPublic,
    AvailabilityPublic,
    EvseAvailabilityPublic,
    MaintenanceCreate,
    MaintenancePublic,
    MaintenanceUpdate,
    UptimePublic,
)
from kilowatt.api.schemas.stations import (
    ConnectorIn,
    ConnectorPublic,
    ConnectorStatusPublic,
    EvseBody,
    EvseIn,
    EvsePublic,
    StationCreate,
    StationPublic,
    StationStatePublic,
    StationUpdate,
)
from kilowatt.api.schemas.tickets import (
    CommentCreate,
    CommentPublic,
    TicketCreate,
    TicketPublic,
    TicketUpdate,
)
from kilowatt.api.schemas.tokens import TokenCreate, TokenPublic, TokenUpdate
from kilowatt.api.schemas.transactions import (
    MeterSamplePublic,
    TransactionDetail,
    TransactionPublic,
)

__all__ = [
    "AlertPublic",
    "AvailabilityCommand",
    "AvailabilityPublic",
    "CommentCreate",
    "CommentPublic",
    "ConnectorIn",
    "ConnectorPublic",
    "ConnectorStatusPublic",
    "EvseAvailabilityPublic",
    "EvseBody",
    "EvseIn",
    "EvsePublic",
    "ExceptionalPeriodModel",
    "HoursModel",
    "LocationCreate",
    "LocationPublic",
    "LocationUpdate",
    "MaintenanceCreate",
    "MaintenancePublic",
    "MaintenanceUpdate",
    "MeterSamplePublic",
    "OcppMessagePublic",
    "RegularHoursModel",
    "ResetCommand",
    "StartCommand",
    "StationCreate",
    "StationPublic",
    "StationReportPublic",
    "StationStatePublic",
    "StationUpdate",
    "StopCommand",
    "TicketCreate",
    "TicketPublic",
    "TicketUpdate",
    "TokenCreate",
    "TokenPublic",
    "TokenUpdate",
    "TransactionDetail",
    "TransactionPublic",
    "UnlockCommand",
    "UptimePublic",
]
