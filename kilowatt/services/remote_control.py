"""Remote control: CSMS-initiated OCPP actions, sent only through ``ports.StationGateway``.

Any CSMS→station action of the station's OCPP version can be sent as it is on the wire
(``OcppCall``); the friendlier requests (``RemoteStart``, ``RemoteStop``, ``Reset``,
``Unlock``, ``ChangeAvailability``) are written once and spelled per version here::

    answer = await remote_control.send("CP-1", Reset(hard=True), ctx, gateway, timeout_s=30)
    # OCPP 1.6: Reset {"type": "Hard"}; OCPP 2.0.1: Reset {"type": "Immediate"}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final, Protocol

from kilowatt.domain.errors import Conflict, InvalidValue, StationOffline, UnknownStation
from kilowatt.domain.locations import OcppVersion
from kilowatt.ports import StationGateway
from kilowatt.services.context import ServiceContext

__all__ = [
    "CSMS_ACTIONS",
    "NUMBERED_ACTIONS",
    "ChangeAvailability",
    "OcppCall",
    "RemoteStart",
    "RemoteStop",
    "Request",
    "Reset",
    "Unlock",
    "send",
]

#: The actions a central system may send, per version (the station-initiated ones are absent;
#: DataTransfer goes both ways). 1.6 includes the Security Whitepaper's additions.
CSMS_ACTIONS: Final[Mapping[OcppVersion, frozenset[str]]] = {
    OcppVersion.V16: frozenset(
        """
        CancelReservation CertificateSigned ChangeAvailability ChangeConfiguration ClearCache
        ClearChargingProfile DataTransfer DeleteCertificate ExtendedTriggerMessage
        GetCompositeSchedule GetConfiguration GetDiagnostics GetInstalledCertificateIds
        GetLocalListVersion GetLog InstallCertificate RemoteStartTransaction
        RemoteStopTransaction ReserveNow Reset SendLocalList SetChargingProfile
        SignedUpdateFirmware TriggerMessage UnlockConnector UpdateFirmware
        """.split()
    ),
    OcppVersion.V201: frozenset(
        """
        CancelReservation CertificateSigned ChangeAvailability ClearCache ClearChargingProfile
        ClearDisplayMessage ClearVariableMonitoring CostUpdated CustomerInformation DataTransfer
        DeleteCertificate GetBaseReport GetChargingProfiles GetCompositeSchedule
        GetDisplayMessages GetInstalledCertificateIds GetLocalListVersion GetLog
        GetMonitoringReport GetReport GetTransactionStatus GetVariables InstallCertificate
        PublishFirmware RequestStartTransaction RequestStopTransaction ReserveNow Reset
        SendLocalList SetChargingProfile SetDisplayMessage SetMonitoringBase SetMonitoringLevel
        SetNetworkProfile SetVariableMonitoring SetVariables TriggerMessage UnlockConnector
        UnpublishFirmware UpdateFirmware
        """.split()
    ),
}


#: CSMS-initiated actions whose requests carry a ``requestId`` the station's later reports
#: name (1.6: the Security Whitepaper's). ``send`` gives one from the store's sequence to a
#: raw request that has none, and adds it to the answer.
NUMBERED_ACTIONS: Final[Mapping[OcppVersion, frozenset[str]]] = {
    OcppVersion.V16: frozenset({"GetLog", "SignedUpdateFirmware"}),
    OcppVersion.V201: frozenset(
        """
        CustomerInformation GetBaseReport GetChargingProfiles GetDisplayMessages GetLog
        GetMonitoringReport GetReport PublishFirmware UpdateFirmware
        """.split()
    ),
}


@dataclass(frozen=True, slots=True)
class OcppCall:
    """An action and its payload exactly as on the wire (camelCase)."""

    action: str
    payload: Mapping[str, Any] = field(default_factory=dict)

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall:
        if self.action not in CSMS_ACTIONS[version]:
            raise Conflict(_not_available(self.action, version))
        return self


class Request(Protocol):
    """Something to ask a station, spelled for its OCPP version when sent."""

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall: ...


@dataclass(frozen=True, slots=True)
class RemoteStart:
    """Start charging for a token; ``send`` gives ``remote_start_id`` (2.0.1) a fresh one from
    the store's sequence when it is None, so two starts never share one."""

    id_token: str
    evse_id: int | None = None
    remote_start_id: int | None = None
    id_token_type: str = "ISO14443"

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall:
        if version is OcppVersion.V16:
            return OcppCall(
                "RemoteStartTransaction", _some(idTag=self.id_token, connectorId=self.evse_id)
            )
        if self.remote_start_id is None:
            raise InvalidValue("an OCPP 2.0.1 remote start needs a remoteStartId")
        token = {"idToken": self.id_token, "type": self.id_token_type}
        payload = _some(idToken=token, remoteStartId=self.remote_start_id, evseId=self.evse_id)
        return OcppCall("RequestStartTransaction", payload)


@dataclass(frozen=True, slots=True)
class RemoteStop:
    transaction_id: str

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall:
        if version is OcppVersion.V201:
            return OcppCall("RequestStopTransaction", {"transactionId": self.transaction_id})
        if not self.transaction_id.isdecimal():
            raise InvalidValue(
                f"OCPP 1.6 transaction ids are integers, not {self.transaction_id!r}"
            )
        return OcppCall("RemoteStopTransaction", {"transactionId": int(self.transaction_id)})


@dataclass(frozen=True, slots=True)
class Reset:
    """Reboot the station: hard at once, soft after ending transactions (2.0.1: when idle)."""

    hard: bool

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall:
        if version is OcppVersion.V16:
            return OcppCall("Reset", {"type": "Hard" if self.hard else "Soft"})
        return OcppCall("Reset", {"type": "Immediate" if self.hard else "OnIdle"})


@dataclass(frozen=True, slots=True)
class Unlock:
    """Release a connector's cable lock. In 1.6 each EVSE is one connector: ``evse_id`` counts."""

    evse_id: int
    connector_id: int = 1

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall:
        if version is OcppVersion.V16:
            return OcppCall("UnlockConnector", {"connectorId": self.evse_id})
        return OcppCall(
            "UnlockConnector", {"evseId": self.evse_id, "connectorId": self.connector_id}
        )


@dataclass(frozen=True, slots=True)
class ChangeAvailability:
    """Make an EVSE, or the whole station when ``evse_id`` is None, (in)operative."""

    operative: bool
    evse_id: int | None = None

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall:
        status = "Operative" if self.operative else "Inoperative"
        if version is OcppVersion.V16:
            return OcppCall(
                "ChangeAvailability", {"connectorId": self.evse_id or 0, "type": status}
            )
        evse = None if self.evse_id is None else {"id": self.evse_id}
        return OcppCall("ChangeAvailability", _some(operationalStatus=status, evse=evse))


async def send(
    station_id: str,
    request: Request,
    ctx: ServiceContext,
    gateway: StationGateway,
    *,
    timeout_s: float,
) -> dict[str, Any]:
    """Send ``request`` to the station in its OCPP version and return its answer (camelCase);
    with the ``requestId`` given when the action has one and the request had none.

    Raises UnknownStation, Conflict (no such action in the station's version), InvalidValue
    (the payload breaks the action's schema), StationOffline, StationTimeout, StationRefused.
    """
    version = await _version_of(station_id, ctx)
    if isinstance(request, RemoteStart) and request.remote_start_id is None:
        async with ctx.uow() as uow:
            request = replace(request, remote_start_id=await uow.remote_starts.next_id())
    call = request.for_version(version, ctx.clock.now())
    numbered = call.action in NUMBERED_ACTIONS[version] and "requestId" not in call.payload
    if numbered:
        async with ctx.uow() as uow:
            call = OcppCall(
                call.action, {**call.payload, "requestId": await uow.request_ids.next()}
            )
    answer = await gateway.call(station_id, call.action, call.payload, timeout_s)
    return answer | {"requestId": call.payload["requestId"]} if numbered else answer


async def _version_of(station_id: str, ctx: ServiceContext) -> OcppVersion:
    async with ctx.uow() as uow:
        station = await uow.stations.get(station_id)
    if station is None:
        raise UnknownStation(f"no station {station_id}")
    if station.ocpp_version is None:
        raise StationOffline(f"station {station_id} has never connected")
    return station.ocpp_version


def _not_available(action: str, version: OcppVersion) -> str:
    elsewhere = [other.value for other, actions in CSMS_ACTIONS.items() if action in actions]
    hint = f" (it is one in OCPP {elsewhere[0]})" if elsewhere else ""
    return f"{action} is not an action a central system can send in OCPP {version.value}{hint}"


def _some(**fields: Any) -> dict[str, Any]:
    """The fields that have a value: OCPP leaves optional fields out rather than null."""
    return {name: value for name, value in fields.items() if value is not None}
