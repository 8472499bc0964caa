"""Bodies of the friendly remote-control endpoints; each becomes one ``remote_control`` request,
spelled for the station's OCPP version by the service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kilowatt.api.schemas.base import Input
from kilowatt.services.remote_control import (
    ChangeAvailability,
    RemoteStart,
    RemoteStop,
    Reset,
    Unlock,
)

__all__ = [
    "AvailabilityCommand",
    "ResetCommand",
    "StartCommand",
    "StopCommand",
    "UnlockCommand",
]


class StartCommand(Input):
    id_token: str = Field(min_length=1, max_length=36)
    evse_id: int | None = Field(
        None, ge=1, description="Where to start; the station picks if absent"
    )
    remote_start_id: int | None = Field(
        None, ge=0, description="OCPP 2.0.1 only: echoed in the TransactionEvent (default: new)"
    )
    id_token_type: str = Field("ISO14443", description="OCPP 2.0.1 IdTokenEnumType")

    def to_request(self) -> RemoteStart:
        return RemoteStart(self.id_token, self.evse_id, self.remote_start_id, self.id_token_type)


class StopCommand(Input):
    transaction_id: str = Field(min_length=1, max_length=36)

    def to_request(self) -> RemoteStop:
        return RemoteStop(self.transaction_id)


class ResetCommand(Input):
    type: Literal["soft", "hard"] = Field(
        description="soft: after ending transactions (2.0.1 OnIdle); hard: at once (Immediate)"
    )

    def to_request(self) -> Reset:
        return Reset(hard=self.type == "hard")


class UnlockCommand(Input):
    evse_id: int = Field(ge=1, description="In OCPP 1.6, the connector id")
    connector_id: int = Field(1, ge=1, description="OCPP 2.0.1 only")

    def to_request(self) -> Unlock:
        return Unlock(self.evse_id, self.connector_id)


class AvailabilityCommand(Input):
    evse_id: int | None = Field(None, ge=1, description="The whole station if absent")
    operative: bool

    def to_request(self) -> ChangeAvailability:
        return ChangeAvailability(self.operative, self.evse_id)
