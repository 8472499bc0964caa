"""A simulated OCPP 1.6 (JSON) charging station.

Message flow of a session::

    StatusNotification Preparing             (car plugged in)
    Authorize(idTag)
    StartTransaction(connectorId, idTag, meterStart, timestamp) -> transactionId
    StatusNotification Charging
    MeterValues(transactionId, Sample.Periodic ...)   (every meter interval)
    StatusNotification SuspendedEV           (car full: power 0, still plugged = parking)
    StopTransaction(meterStop, reason, idTag, transactionData [Begin, End])
    StatusNotification Finishing
    StatusNotification Available             (car unplugged)
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ocpp.exceptions import OccurenceConstraintViolationError, OCPPError
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call, call_result
from ocpp.v16.datatypes import MeterValue, SampledValue
from ocpp.v16.enums import Action
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

#: The configuration keys the CSMS can change with ChangeConfiguration.
WRITABLE_KEYS = ("HeartbeatInterval", "MeterValueSampleInterval")


def _seconds_text(seconds: float) -> str:
    return str(round(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def _value_text(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


class ChargePointV16(OcppChargePoint):  # type: ignore[misc]
    """The OCPP 1.6 endpoint of a ``SimulatedStationV16`` (one per connection).

    One ``@on`` handler per CSMS-initiated action the simulator implements; the library answers
    every other action with a NotImplemented CALLERROR. Remote control (RemoteStartTransaction,
    RemoteStopTransaction, Reset, TriggerMessage, ...) goes here, delegating to the station.
    A handler must not ``call`` the CSMS itself (the reader is busy running it); use ``@after``.
    """

    def __init__(self, station: SimulatedStationV16, connection: ClientConnection) -> None:
        super().__init__(
            station.station_id, connection, response_timeout=station.config.response_timeout_s
        )
        self.station = station

    @on(Action.data_transfer)
    def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any
    ) -> Any:
        """The display: the OCA cost messages (RunningCost, FinalCost) are shown."""
        if vendor_id != "org.openchargealliance.costmsg":
            return call_result.DataTransfer(status="UnknownVendorId")
        if message_id not in ("RunningCost", "FinalCost") or data is None:
            return call_result.DataTransfer(status="UnknownMessageId")
        shown = json.loads(data)
        self.station.shown_costs[str(shown["transactionId"])] = float(shown["cost"])
        return call_result.DataTransfer(status="Accepted")

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **_: Any) -> Any:
        known, unknown = self.station.get_configuration(key)
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on(Action.send_local_list)
    def on_send_local_list(
        self,
        list_version: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        entries = [
            (item["id_tag"], (item.get("id_tag_info") or {}).get("status"))
            for item in local_authorization_list or []
        ]
        status = self.station.apply_local_list(list_version, update_type == "Full", entries)
        return call_result.SendLocalList(status=status)

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> Any:
        return call_result.GetLocalListVersion(list_version=self.station.local_list_version)

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> Any:
        status = self.station.start_remotely(id_tag, connector_id)
        return call_result.RemoteStartTransaction(status=status)

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id: int, **_: Any) -> Any:
        status = self.station.stop_remotely(str(transaction_id))
        return call_result.RemoteStopTransaction(status=status)

    @on(Action.reset)
    def on_reset(self, type: str, **_: Any) -> Any:
        return call_result.Reset(status=self.station.reset())

    @on(Action.update_firmware)
    def on_update_firmware(self, location: str, retrieve_date: str, **_: Any) -> Any:
        self.station.update_firmware(location)
        return call_result.UpdateFirmware()

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, location: str, **_: Any) -> Any:
        return call_result.GetDiagnostics(file_name=self.station.upload_diagnostics(location))

    @on(Action.reserve_now)
    def on_reserve_now(
        self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int, **_: Any
    ) -> Any:
        status = self.station.reserve(reservation_id, connector_id or None, id_tag)
        return call_result.ReserveNow(status=status)

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int) -> Any:
        return call_result.CancelReservation(status=self.station.cancel_reservation(reservation_id))

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **_: Any) -> Any:
        return call_result.ChangeConfiguration(status=self.station.change_configuration(key, value))


class SimulatedStationV16(SimulatedStation):
    """A charging station speaking OCPP 1.6 JSON (subprotocol ``ocpp1.6``)."""

    protocol = "1.6"
    subprotocol = "ocpp1.6"

    def _make_charge_point(self, ws: ClientConnection) -> Any:
        return ChargePointV16(self, ws)

    async def _send_firmware_status(self, status: str, request_id: int | None) -> None:
        await self._request(call.FirmwareStatusNotification(status=status))

    async def _send_upload_status(self, status: str, request_id: int | None) -> None:
        await self._request(call.DiagnosticsStatusNotification(status=status))

    def _too_many(self, description: str) -> OCPPError:
        return OccurenceConstraintViolationError(description=description)  # 1.6's spelling

    # ------------------------------------------------------------------ configuration

    def configuration(self) -> dict[str, tuple[str, bool]]:
        """The configuration keys: key -> (value, readonly)."""
        return {
            "HeartbeatInterval": (_seconds_text(self.heartbeat_interval_s), False),
            "MeterValueSampleInterval": (_seconds_text(self.meter_interval_s), False),
            "MeterValuesSampledData": (",".join(MEASURANDS), True),
            "NumberOfConnectors": (str(len(self.connectors)), True),
            "StopTransactionOnEVSideDisconnect": ("true", True),
            "GetConfigurationMaxKeys": (str(self.config.items_per_message), True),
            "LocalAuthListEnabled": ("true", True),
            "LocalAuthListMaxLength": (str(self.config.local_list_max_length), True),
            "SendLocalListMaxLength": (str(self.config.items_per_message), True),
            "CustomDisplayCostAndPrice": ("true", True),  # OCA California Pricing
        }

    def get_configuration(
        self, keys: list[str] | None = None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The GetConfiguration answer: (known keys as configurationKey, unknown keys)."""
        table = self.configuration()
        if keys and len(keys) > self.config.items_per_message:
            raise self._too_many(f"GetConfigurationMaxKeys is {self.config.items_per_message}")
        wanted = list(table) if not keys else keys
        known = [
            {"key": key, "readonly": table[key][1], "value": table[key][0]}
            for key in wanted
            if key in table
        ]
        return known, [key for key in wanted if key not in table]

    def change_configuration(self, key: str, value: str) -> str:
        """Apply a ChangeConfiguration; returns its status."""
        if key not in self.configuration():
            return "NotSupported"
        if key not in WRITABLE_KEYS:
            return "Rejected"
        try:
            seconds = float(value)
        except ValueError:
            return "Rejected"
        if seconds <= 0:
            return "Rejected"
        if key == "HeartbeatInterval":
            self.set_heartbeat_interval(seconds)
        else:
            self.set_meter_interval(seconds)
        self._emit(f"configuration {key} = {value}")
        return "Accepted"

    # ------------------------------------------------------------------ protocol hooks

    async def _send_boot(self) -> BootResult:
        cfg = self.config
        result = await self._request(
            call.BootNotification(
                charge_point_vendor=cfg.vendor[:20],
                charge_point_model=cfg.model[:20],
                charge_point_serial_number=self.serial_number,
                charge_box_serial_number=self.serial_number,
                firmware_version=cfg.firmware_version[:50],
                meter_type="KW-SIM-METER",
                meter_serial_number=f"M-{self.serial_number}"[:25],
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
            connector_id, status, error_code = 0, "Available", "NoError"
        else:
            connector_id, status, error_code = (
                connector.connector_id,
                connector.status,
                connector.error_code,
            )
        await self._request(
            call.StatusNotification(
                connector_id=connector_id,
                error_code=error_code,
                status=status,
                timestamp=utc_now(),
            )
        )

    def _status_after_fault(self, connector: Connector) -> str:
        session = connector.session
        if session is None:
            return "Available"
        if session.transaction_open:
            return "SuspendedEV" if session.charging_state == "SuspendedEV" else "Charging"
        return "Finishing" if session.started_at is not None else "Preparing"

    def _is_meter_sample(self, payload: Any) -> bool:
        return isinstance(payload, call.MeterValues)

    async def _on_plugged_in(self, connector: Connector, session: Session) -> None:
        await self._set_status(connector, "Preparing")

    async def _on_car_full(self, connector: Connector, session: Session) -> None:
        await self._set_status(connector, "SuspendedEV")

    async def _send_sample(
        self, connector: Connector, session: Session, sample: MeterSample
    ) -> None:
        meter_value = MeterValue(
            timestamp=sample.timestamp,
            sampled_value=[
                SampledValue(
                    value=_value_text(value),
                    context="Sample.Periodic",
                    measurand=measurand,
                    phase=phase,
                    location=location,
                    unit=unit,
                )
                for measurand, unit, value, phase, location in transaction_sampled_values(
                    sample, with_phases=self.config.current_type == "AC"
                )
            ],
        )
        transaction_id = session.transaction_id
        await self._send_transaction_message(
            lambda: call.MeterValues(
                connector_id=connector.connector_id,
                transaction_id=transaction_id,
                meter_value=[meter_value],
            )
        )

    # ------------------------------------------------------------------ sessions

    async def start_charging(self, id_tag: str, *, connector_id: int = 1) -> bool:
        """Authorize, StartTransaction, StatusNotification Charging. False if the id tag is
        refused (by Authorize: no transaction; by StartTransaction: stopped as DeAuthorized)."""
        connector, session = self._plugged_session(connector_id)
        if session.started_at is not None:
            raise StationStateError(f"connector {connector_id} already had its transaction")
        authorization = await self._request(call.Authorize(id_tag=id_tag))
        status = authorization.id_tag_info["status"]
        if status != "Accepted":
            self.stats.sessions_rejected += 1
            self._emit(f"connector {connector_id}: id tag {id_tag} refused ({status})")
            return False
        meter_start = connector.register_wh
        timestamp = utc_now()
        result = await self._request(
            call.StartTransaction(
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start=meter_start,
                timestamp=timestamp,
                reservation_id=self.use_reservation(id_tag, connector_id),
            )
        )
        session.transaction_id = int(result.transaction_id)
        session.transaction_open = True
        session.id_tag = id_tag
        session.meter_start_wh = meter_start
        session.started_at = timestamp
        self.stats.sessions_started += 1
        self._emit(
            f"connector {connector_id}: transaction {session.transaction_id} started "
            f"for {id_tag} at {meter_start} Wh"
        )
        if result.id_tag_info["status"] != "Accepted":
            self.stats.sessions_rejected += 1
            await self.stop_charging("DeAuthorized", connector_id=connector_id)
            return False
        session.charging_state = "Charging"
        session.last_sample_at = asyncio.get_running_loop().time()
        await self._set_status(connector, "Charging")
        return True

    async def stop_charging(self, reason: str = "Local", *, connector_id: int = 1) -> int:
        """StopTransaction and StatusNotification Finishing; with ``EVDisconnected`` also
        StatusNotification Available (the cable is gone). Returns meterStop."""
        connector, session = self._open_transaction(connector_id)
        meter_stop = await self._end_transaction(connector, session, reason)
        if reason == "EVDisconnected":
            await self.unplug(connector_id)
        return meter_stop

    async def unplug(self, connector_id: int = 1) -> None:
        """The car leaves: a running transaction stops (EVDisconnected); status Available."""
        connector, session = self._plugged_session(connector_id)
        if session.transaction_open:
            await self._end_transaction(connector, session, "EVDisconnected")
        connector.session = None
        self._emit(f"connector {connector_id}: car unplugged")
        await self._set_status(connector, "Available")

    async def _end_transaction(self, connector: Connector, session: Session, reason: str) -> int:
        meter_stop = connector.register_wh
        timestamp = utc_now()
        begin = MeterValue(
            timestamp=session.started_at,
            sampled_value=[self._register_value(session.meter_start_wh, "Transaction.Begin")],
        )
        end_values = [self._register_value(meter_stop, "Transaction.End")]
        end_values.append(
            SampledValue(
                value=_value_text(session.state.soc_percent),
                context="Transaction.End",
                measurand="SoC",
                location="EV",
                unit="Percent",
            )
        )
        end = MeterValue(timestamp=timestamp, sampled_value=end_values)
        transaction_id, id_tag = session.transaction_id, session.id_tag
        # The station's own state changes now, whether the message goes out or is queued.
        connector.meter_wh = meter_stop
        session.transaction_open = False
        session.charging_state = "Idle"
        self.stats.sessions_completed += 1
        self._emit(
            f"connector {connector.connector_id}: transaction {transaction_id} stopped "
            f"({reason}) at {meter_stop} Wh, {meter_stop - session.meter_start_wh} Wh charged"
        )
        await self._send_transaction_message(
            lambda: call.StopTransaction(
                meter_stop=meter_stop,
                timestamp=timestamp,
                transaction_id=transaction_id,
                reason=reason,
                id_tag=id_tag,
                transaction_data=[begin, end],
            )
        )
        await self._set_status(connector, "Finishing")
        return meter_stop

    @staticmethod
    def _register_value(energy_wh: int, context: str) -> Any:
        return SampledValue(
            value=str(energy_wh),
            context=context,
            measurand="Energy.Active.Import.Register",
            location="Outlet",
            unit="Wh",
        )
