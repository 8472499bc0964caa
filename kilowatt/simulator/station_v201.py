"""A simulated OCPP 2.0.1 charging station (each EVSE has one connector, id 1).

Message flow of a session (TxStartPoint EVConnected, TxStopPoint EVConnected/Authorized)::

    StatusNotification Occupied                                  (car plugged in)
    TransactionEvent Started  CablePluggedIn  seqNo 0, EVConnected, evse, Transaction.Begin
    Authorize(idToken ISO14443)
    TransactionEvent Updated  Authorized (idToken)
    TransactionEvent Updated  ChargingStateChanged -> Charging
    TransactionEvent Updated  MeterValuePeriodic   (every meter interval)
    TransactionEvent Updated  ChargingStateChanged -> SuspendedEV  (car full, parking)
    either  TransactionEvent Ended StopAuthorized, stoppedReason Local (idToken), Transaction.End
            ... StatusNotification Available                     (car unplugged later)
    or      StatusNotification Available                         (cable pulled)
            TransactionEvent Ended EVCommunicationLost, Idle, stoppedReason EVDisconnected

seqNo increases by one per TransactionEvent of a transaction. Events produced while offline are
queued and sent with ``offline: true`` after the next accepted boot.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

from ocpp.v201 import ChargePoint as OcppChargePoint
from ocpp.v201 import call, call_result
from ocpp.v201.datatypes import (
    ChargingStationType,
    EVSEType,
    IdTokenType,
    MeterValueType,
    SampledValueType,
    TransactionType,
    UnitOfMeasureType,
)
from ocpp.v201.enums import Action
from websockets.asyncio.client import ClientConnection

from kilowatt.simulator.station import (
    MEASURANDS,
    BootResult,
    Connector,
    MeterSample,
    Session,
    SimulatedStation,
    StationStateError,
    on,
    transaction_sampled_values,
    utc_now,
)

#: triggerReason of the Ended event for a stoppedReason.
TRIGGER_FOR_STOP_REASON: dict[str, str] = {
    "Local": "StopAuthorized",
    "EVDisconnected": "EVCommunicationLost",
    "Remote": "RemoteStop",
    "DeAuthorized": "Deauthorized",
    "EnergyLimitReached": "EnergyLimitReached",
    "TimeLimitReached": "TimeLimitReached",
    "SOCLimitReached": "ChargingStateChanged",
    "StoppedByEV": "ChargingStateChanged",
    "Timeout": "EVConnectTimeout",
    "ImmediateReset": "ResetCommand",
    "Reboot": "ResetCommand",
}

#: The actions DeviceDataCtrlr's ItemsPerMessage and BytesPerMessage have an instance for.
_LIMITED_ACTIONS = ("GetReport", "GetVariables", "SetVariables")

_WRITABLE = {("OCPPCommCtrlr", "HeartbeatInterval"), ("SampledDataCtrlr", "TxUpdatedInterval")}


def _seconds_text(seconds: float) -> str:
    return str(round(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def _matches(wanted: list[dict[str, Any]], component: str, variable: str) -> bool:
    """A GetReport criterion names the component and, optionally, one of its variables."""
    for item in wanted:
        named = (item.get("variable") or {}).get("name")
        if item["component"]["name"] == component and named in (None, variable):
            return True
    return False


def _data_type(value: str) -> str:
    return "integer" if value.isdecimal() else "string"


class ChargePointV201(OcppChargePoint):  # type: ignore[misc]
    """The OCPP 2.0.1 endpoint of a ``SimulatedStationV201`` (one per connection).

    One ``@on`` handler per CSMS-initiated action the simulator implements; the library answers
    every other action with a NotImplemented CALLERROR. Remote control (RequestStartTransaction,
    RequestStopTransaction, Reset, TriggerMessage, ...) goes here, delegating to the station.
    A handler must not ``call`` the CSMS itself (the reader is busy running it); use ``@after``.
    """

    def __init__(self, station: SimulatedStationV201, connection: ClientConnection) -> None:
        super().__init__(
            station.station_id, connection, response_timeout=station.config.response_timeout_s
        )
        self.station = station

    @on(Action.cost_updated)
    def on_cost_updated(self, total_cost: float, transaction_id: str, **_: Any) -> Any:
        """The display shows the running cost."""
        self.station.shown_costs[transaction_id] = float(total_cost)
        return call_result.CostUpdated()

    @on(Action.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        self.station.check_items(get_variable_data)
        return call_result.GetVariables(
            get_variable_result=[self.station.get_variable(item) for item in get_variable_data]
        )

    @on(Action.set_variables)
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        self.station.check_items(set_variable_data)
        return call_result.SetVariables(
            set_variable_result=[self.station.set_variable(item) for item in set_variable_data]
        )

    @on(Action.send_local_list)
    def on_send_local_list(
        self,
        version_number: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        entries = [
            (item["id_token"]["id_token"], (item.get("id_token_info") or {}).get("status"))
            for item in local_authorization_list or []
        ]
        status = self.station.apply_local_list(version_number, update_type == "Full", entries)
        return call_result.SendLocalList(status=status)

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> Any:
        return call_result.GetLocalListVersion(version_number=self.station.local_list_version)

    @on(Action.request_start_transaction)
    def on_request_start_transaction(
        self, id_token: dict[str, Any], remote_start_id: int, evse_id: int | None = None, **_: Any
    ) -> Any:
        status = self.station.start_remotely(str(id_token["id_token"]), evse_id, remote_start_id)
        return call_result.RequestStartTransaction(status=status)

    @on(Action.request_stop_transaction)
    def on_request_stop_transaction(self, transaction_id: str, **_: Any) -> Any:
        status = self.station.stop_remotely(transaction_id)
        return call_result.RequestStopTransaction(status=status)

    @on(Action.reset)
    def on_reset(self, type: str, evse_id: int | None = None, **_: Any) -> Any:
        if evse_id is not None:
            return call_result.Reset(status="Rejected")  # resetting one EVSE: not simulated
        return call_result.Reset(status=self.station.reset())

    @on(Action.update_firmware)
    def on_update_firmware(self, request_id: int, firmware: dict[str, Any], **_: Any) -> Any:
        self.station.update_firmware(str(firmware["location"]), request_id)
        return call_result.UpdateFirmware(status="Accepted")

    @on(Action.get_log)
    def on_get_log(self, log_type: str, request_id: int, log: dict[str, Any], **_: Any) -> Any:
        name = self.station.upload_diagnostics(str(log["remote_location"]), request_id)
        return call_result.GetLog(status="Accepted", filename=name)

    @on(Action.reserve_now)
    def on_reserve_now(
        self, id: int, id_token: dict[str, Any], evse_id: int | None = None, **_: Any
    ) -> Any:
        status = self.station.reserve(id, evse_id, str(id_token["id_token"]))
        return call_result.ReserveNow(status=status)

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int, **_: Any) -> Any:
        return call_result.CancelReservation(status=self.station.cancel_reservation(reservation_id))

    @on(Action.get_base_report)
    def on_get_base_report(self, request_id: int, report_base: str, **_: Any) -> Any:
        if report_base == "SummaryInventory":
            return call_result.GetBaseReport(status="NotSupported")
        self.station.send_report_later(request_id)
        return call_result.GetBaseReport(status="Accepted")

    @on(Action.get_report)
    def on_get_report(
        self, request_id: int, component_variable: list[dict[str, Any]] | None = None, **_: Any
    ) -> Any:
        """The variables asked for (all without criteria), as NotifyReport pages later."""
        self.station.check_items(component_variable or [])
        data = self.station.report_data(component_variable)
        if not data:
            return call_result.GetReport(status="EmptyResultSet")
        self.station.send_report_later(request_id, data)
        return call_result.GetReport(status="Accepted")


class SimulatedStationV201(SimulatedStation):
    """A charging station speaking OCPP 2.0.1 (subprotocol ``ocpp2.0.1``)."""

    protocol = "2.0.1"
    subprotocol = "ocpp2.0.1"

    def _make_charge_point(self, ws: ClientConnection) -> Any:
        return ChargePointV201(self, ws)

    # ------------------------------------------------------------------ device model

    def variables(self) -> dict[tuple[str, str], str]:
        """The device model variables: (component, variable) -> Actual value."""
        return {
            ("OCPPCommCtrlr", "HeartbeatInterval"): _seconds_text(self.heartbeat_interval_s),
            ("SampledDataCtrlr", "TxUpdatedInterval"): _seconds_text(self.meter_interval_s),
            ("SampledDataCtrlr", "TxUpdatedMeasurands"): ",".join(MEASURANDS),
            ("SampledDataCtrlr", "TxEndedMeasurands"): "Energy.Active.Import.Register,SoC",
            ("TxCtrlr", "TxStartPoint"): "EVConnected",
            ("TxCtrlr", "TxStopPoint"): "EVConnected,Authorized",
            ("EVSE", "Count"): str(len(self.connectors)),
            ("DeviceDataCtrlr", "ItemsPerMessage"): str(self.config.items_per_message),
            ("DeviceDataCtrlr", "BytesPerMessage"): str(self.config.bytes_per_message),
            ("LocalAuthListCtrlr", "Enabled"): "true",
            ("LocalAuthListCtrlr", "Entries"): str(len(self.local_list)),
            ("LocalAuthListCtrlr", "ItemsPerMessage"): str(self.config.items_per_message),
            ("LocalAuthListCtrlr", "BytesPerMessage"): str(self.config.bytes_per_message),
        }

    def report_data(self, wanted: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Every variable (or those ``wanted``: GetReport componentVariable entries, snake_case)
        as NotifyReport ``reportData`` (camelCase, as sent)."""
        data = []
        for (component, variable), value in self.variables().items():
            if wanted is not None and not _matches(wanted, component, variable):
                continue
            instances: tuple[str | None, ...] = (None,)
            if component == "DeviceDataCtrlr":
                instances = _LIMITED_ACTIONS
            for instance in instances:
                name = {"name": variable} | ({"instance": instance} if instance else {})
                mutability = "ReadWrite" if (component, variable) in _WRITABLE else "ReadOnly"
                data.append(
                    {
                        "component": {"name": component},
                        "variable": name,
                        "variableAttribute": [{"value": value, "mutability": mutability}],
                        "variableCharacteristics": self._characteristics(
                            component, variable, value
                        ),
                    }
                )
        return data

    def _characteristics(self, component: str, variable: str, value: str) -> dict[str, Any]:
        found: dict[str, Any] = {"dataType": _data_type(value), "supportsMonitoring": False}
        if (component, variable) == ("LocalAuthListCtrlr", "Entries"):
            found["maxLimit"] = self.config.local_list_max_length  # the list's capacity
        return found

    def send_report_later(self, request_id: int, data: list[dict[str, Any]] | None = None) -> None:
        """NotifyReport pages of at most ``items_per_message`` entries, after the answer."""
        self._follow_up(self._send_report(request_id, data), "NotifyReport")

    async def _send_report(self, request_id: int, data: list[dict[str, Any]] | None) -> None:
        data = self.report_data() if data is None else data
        size = self.config.items_per_message
        pages = [data[start : start + size] for start in range(0, len(data), size)]
        for seq_no, page in enumerate(pages):
            await self._request(
                call.NotifyReport(
                    request_id=request_id,
                    generated_at=utc_now(),
                    seq_no=seq_no,
                    tbc=seq_no < len(pages) - 1,
                    report_data=page,
                )
            )
        self._emit(f"report {request_id} sent in {len(pages)} pages")

    async def _send_firmware_status(self, status: str, request_id: int | None) -> None:
        await self._request(call.FirmwareStatusNotification(status=status, request_id=request_id))

    async def _send_upload_status(self, status: str, request_id: int | None) -> None:
        spelled = "UploadFailure" if status == "UploadFailed" else status  # 2.0.1's name
        await self._request(call.LogStatusNotification(status=spelled, request_id=request_id))

    async def end_reservation(self, reservation_id: int, status: str = "Expired") -> None:
        """The reservation ran out (or was removed): ReservationStatusUpdate."""
        self.reservations.pop(reservation_id, None)
        await self._request(
            call.ReservationStatusUpdate(
                reservation_id=reservation_id, reservation_update_status=status
            )
        )

    def _lookup(self, item: dict[str, Any]) -> tuple[str, str, str | None]:
        """(component, variable, status if not found or not supported)."""
        component = str(item["component"]["name"])
        variable = str(item["variable"]["name"])
        table = self.variables()
        if item.get("attribute_type", "Actual") != "Actual":
            return component, variable, "NotSupportedAttributeType"
        if not any(name == component for name, _ in table):
            return component, variable, "UnknownComponent"
        if (component, variable) not in table:
            return component, variable, "UnknownVariable"
        return component, variable, None

    def get_variable(self, item: dict[str, Any]) -> dict[str, Any]:
        """One GetVariableResult for one GetVariableData (snake_case keys, as ocpp gives)."""
        component, variable, failure = self._lookup(item)
        result: dict[str, Any] = {"component": item["component"], "variable": item["variable"]}
        if failure is not None:
            result["attribute_status"] = failure
        else:
            result["attribute_status"] = "Accepted"
            result["attribute_value"] = self.variables()[(component, variable)]
        return result

    def set_variable(self, item: dict[str, Any]) -> dict[str, Any]:
        """One SetVariableResult for one SetVariableData."""
        component, variable, failure = self._lookup(item)
        result: dict[str, Any] = {"component": item["component"], "variable": item["variable"]}
        if failure is not None:
            result["attribute_status"] = failure
            return result
        status = "Rejected"
        if (component, variable) in _WRITABLE:
            try:
                seconds = float(item["attribute_value"])
            except ValueError:
                seconds = 0.0
            if seconds > 0:
                if variable == "HeartbeatInterval":
                    self.set_heartbeat_interval(seconds)
                else:
                    self.set_meter_interval(seconds)
                self._emit(f"variable {component}.{variable} = {item['attribute_value']}")
                status = "Accepted"
        result["attribute_status"] = status
        return result

    # ------------------------------------------------------------------ protocol hooks

    async def _send_boot(self) -> BootResult:
        cfg = self.config
        result = await self._request(
            call.BootNotification(
                charging_station=ChargingStationType(
                    vendor_name=cfg.vendor[:50],
                    model=cfg.model[:20],
                    serial_number=self.serial_number,
                    firmware_version=cfg.firmware_version[:50],
                ),
                reason="PowerUp" if self.stats.boots == 0 else "Unknown",
            )
        )
        return BootResult(
            status=str(result.status),
            interval=int(result.interval),
            current_time=str(result.current_time),
        )

    def _heartbeat_payload(self) -> Any:
        return call.Heartbeat()

    async def _send_status(self, connector: Connector | None) -> None:
        if connector is None:
            return  # 2.0.1 has no status of the station as a whole
        await self._request(
            call.StatusNotification(
                timestamp=utc_now(),
                connector_status=connector.status,
                evse_id=connector.connector_id,
                connector_id=1,
            )
        )

    def _status_after_fault(self, connector: Connector) -> str:
        return "Available" if connector.session is None else "Occupied"

    def _is_meter_sample(self, payload: Any) -> bool:
        return (
            isinstance(payload, call.TransactionEvent)
            and payload.trigger_reason == "MeterValuePeriodic"
        )

    def _as_offline(self, payload: Any) -> Any:
        if isinstance(payload, call.TransactionEvent):
            return dataclasses.replace(payload, offline=True)
        return payload

    async def _on_plugged_in(self, connector: Connector, session: Session) -> None:
        session.transaction_id = str(uuid.UUID(int=connector.rng.getrandbits(128), version=4))
        session.transaction_open = True
        session.meter_start_wh = connector.register_wh
        session.started_at = session.plugged_at
        self.stats.sessions_started += 1
        self._emit(
            f"evse {connector.connector_id}: transaction {session.transaction_id} started "
            f"at {session.meter_start_wh} Wh"
        )
        await self._set_status(connector, "Occupied")
        await self._transaction_event(
            connector,
            session,
            "Started",
            "CablePluggedIn",
            timestamp=session.plugged_at,
            charging_state="EVConnected",
            evse=True,
            meter_value=[
                MeterValueType(
                    timestamp=session.plugged_at,
                    sampled_value=[
                        self._register_value(session.meter_start_wh, "Transaction.Begin")
                    ],
                )
            ],
        )

    async def _on_car_full(self, connector: Connector, session: Session) -> None:
        await self._transaction_event(
            connector, session, "Updated", "ChargingStateChanged", charging_state="SuspendedEV"
        )

    async def _send_sample(
        self, connector: Connector, session: Session, sample: MeterSample
    ) -> None:
        meter_value = MeterValueType(
            timestamp=sample.timestamp,
            sampled_value=[
                SampledValueType(
                    value=value,
                    context="Sample.Periodic",
                    measurand=measurand,
                    phase=phase,
                    location=location,
                    unit_of_measure=UnitOfMeasureType(unit=unit),
                )
                for measurand, unit, value, phase, location in transaction_sampled_values(
                    sample, with_phases=self.config.current_type == "AC"
                )
            ],
        )
        await self._transaction_event(
            connector,
            session,
            "Updated",
            "MeterValuePeriodic",
            timestamp=sample.timestamp,
            meter_value=[meter_value],
        )

    async def _transaction_event(
        self,
        connector: Connector,
        session: Session,
        event_type: str,
        trigger_reason: str,
        *,
        timestamp: str | None = None,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        id_token: str | None = None,
        meter_value: list[Any] | None = None,
        evse: bool = False,
        reservation_id: int | None = None,
    ) -> Any | None:
        """Send (or queue) a TransactionEvent; seqNo is taken when it is sent or queued."""
        when = timestamp if timestamp is not None else utc_now()
        transaction_id = str(session.transaction_id)
        # The first event after a remote start authorized it names the request.
        remote_start_id = session.remote_start_id if trigger_reason == "RemoteStart" else None

        def build() -> Any:
            return call.TransactionEvent(
                event_type=event_type,
                timestamp=when,
                trigger_reason=trigger_reason,
                seq_no=session.next_seq_no(),
                transaction_info=TransactionType(
                    transaction_id=transaction_id,
                    charging_state=charging_state,
                    stopped_reason=stopped_reason,
                    remote_start_id=remote_start_id,
                ),
                meter_value=meter_value,
                evse=EVSEType(id=connector.connector_id, connector_id=1) if evse else None,
                id_token=(
                    IdTokenType(id_token=id_token, type="ISO14443")
                    if id_token is not None
                    else None
                ),
                reservation_id=reservation_id,
            )

        return await self._send_transaction_message(build)

    # ------------------------------------------------------------------ sessions

    async def start_charging(self, id_tag: str, *, connector_id: int = 1) -> bool:
        """Authorize, then TransactionEvent Updated Authorized and ChargingStateChanged Charging.
        False if the id token is refused (the transaction then ends as DeAuthorized)."""
        connector, session = self._open_transaction(connector_id)
        if session.id_tag is not None:
            raise StationStateError(f"evse {connector_id} is already authorized")
        authorization = await self._request(
            call.Authorize(id_token=IdTokenType(id_token=id_tag, type="ISO14443"))
        )
        status = authorization.id_token_info["status"]
        if status == "Accepted":
            session.id_tag = id_tag
            trigger = "Authorized" if session.remote_start_id is None else "RemoteStart"
            response = await self._transaction_event(
                connector,
                session,
                "Updated",
                trigger,
                id_token=id_tag,
                reservation_id=self.use_reservation(id_tag, connector_id),
            )
            info = getattr(response, "id_token_info", None) or {}
            status = info.get("status", "Accepted")
        if status != "Accepted":
            self.stats.sessions_rejected += 1
            self._emit(f"evse {connector_id}: id token {id_tag} refused ({status})")
            await self._end(connector, session, "DeAuthorized")
            return False
        session.charging_state = "Charging"
        session.last_sample_at = asyncio.get_running_loop().time()
        await self._transaction_event(
            connector, session, "Updated", "ChargingStateChanged", charging_state="Charging"
        )
        return True

    async def stop_charging(self, reason: str = "Local", *, connector_id: int = 1) -> int:
        """TransactionEvent Ended with ``reason`` as stoppedReason. ``EVDisconnected``: the
        cable is pulled, so StatusNotification Available comes first. Returns the register."""
        connector, session = self._open_transaction(connector_id)
        if reason == "EVDisconnected":
            meter_stop = connector.register_wh
            await self.unplug(connector_id)
            return meter_stop
        return await self._end(connector, session, reason)

    async def unplug(self, connector_id: int = 1) -> None:
        """The car leaves: StatusNotification Available, and a running transaction ends with
        EVCommunicationLost / EVDisconnected."""
        connector, session = self._plugged_session(connector_id)
        self._emit(f"evse {connector_id}: car unplugged")
        await self._set_status(connector, "Available")
        if session.transaction_open:
            await self._end(connector, session, "EVDisconnected")
        connector.session = None

    async def _end(self, connector: Connector, session: Session, reason: str) -> int:
        meter_stop = connector.register_wh
        timestamp = utc_now()
        unplugged = reason == "EVDisconnected"
        charging_state = "Idle" if unplugged else "EVConnected"
        end = MeterValueType(
            timestamp=timestamp,
            sampled_value=[
                self._register_value(meter_stop, "Transaction.End"),
                SampledValueType(
                    value=session.state.soc_percent,
                    context="Transaction.End",
                    measurand="SoC",
                    location="EV",
                    unit_of_measure=UnitOfMeasureType(unit="Percent"),
                ),
            ],
        )
        # The station's own state changes now, whether the event goes out or is queued.
        connector.meter_wh = meter_stop
        session.transaction_open = False
        session.charging_state = charging_state
        self.stats.sessions_completed += 1
        self._emit(
            f"evse {connector.connector_id}: transaction {session.transaction_id} ended "
            f"({reason}) at {meter_stop} Wh, {meter_stop - session.meter_start_wh} Wh charged"
        )
        await self._transaction_event(
            connector,
            session,
            "Ended",
            TRIGGER_FOR_STOP_REASON.get(reason, "AbnormalCondition"),
            timestamp=timestamp,
            charging_state=charging_state,
            stopped_reason=reason,
            id_token=session.id_tag if reason == "Local" else None,
            meter_value=[end],
        )
        return meter_stop

    @staticmethod
    def _register_value(energy_wh: int, context: str) -> Any:
        return SampledValueType(
            value=energy_wh,
            context=context,
            measurand="Energy.Active.Import.Register",
            location="Outlet",
            unit_of_measure=UnitOfMeasureType(unit="Wh"),
        )
