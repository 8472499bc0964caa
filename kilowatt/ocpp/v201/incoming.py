"""OCPP 2.0.1, station → central system: one thin handler per action, calling the services."""

from __future__ import annotations

from typing import Any

from ocpp.v201 import ChargePoint
from ocpp.v201 import call_result as result
from ocpp.v201.enums import Action

from kilowatt.domain.locations import BootInfo, OcppVersion
from kilowatt.domain.tokens import AuthorizationRequest
from kilowatt.domain.transactions import TransactionEvent, TransactionEventType
from kilowatt.ocpp.codec import id_token_info, meter_samples, ocpp_time, parse_time
from kilowatt.ocpp.schemas import camel_keys
from kilowatt.ocpp.session import Session, handles
from kilowatt.ports import ConnectorStatusReport, StationReport
from kilowatt.services import (
    authorization,
    billing,
    device_model,
    reservations,
    stations,
    transactions,
)

__all__ = ["StationSession201"]


class StationSession201(Session, ChargePoint):  # type: ignore[misc]
    version = OcppVersion.V201
    known_actions = frozenset(action.value for action in Action)

    @handles(Action.boot_notification)
    async def on_boot_notification(
        self, charging_station: dict[str, Any], reason: str, **_: Any
    ) -> result.BootNotification:
        modem = charging_station.get("modem") or {}
        info = BootInfo(
            vendor=charging_station["vendor_name"],
            model=charging_station["model"],
            serial_number=charging_station.get("serial_number"),
            firmware_version=charging_station.get("firmware_version"),
            iccid=modem.get("iccid"),
            imsi=modem.get("imsi"),
            reason=reason,
        )
        booted = await stations.boot(self.id, info, self.version, self.ctx)
        return result.BootNotification(
            current_time=ocpp_time(booted.current_time),
            interval=booted.interval_s,
            status=booted.status.value,
        )

    @handles(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> result.Heartbeat:
        now = await stations.heartbeat(self.id, self.ctx)
        return result.Heartbeat(current_time=ocpp_time(now))

    @handles(Action.status_notification)
    async def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **_: Any
    ) -> result.StatusNotification:
        now = self.ctx.clock.now()
        report = ConnectorStatusReport(
            station_id=self.id,
            evse_id=evse_id,
            connector_id=connector_id,
            status=connector_status,
            reported_at=parse_time(timestamp),
            received_at=now,
        )
        await stations.record_status(report, self.ctx)
        return result.StatusNotification()

    @handles(Action.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> result.Authorize:
        request = AuthorizationRequest(id_token["id_token"], self.id, id_token["type"])
        decision = await authorization.check_token(request, self.ctx)
        return result.Authorize(id_token_info=id_token_info(decision, v201=True))

    @handles(Action.transaction_event)
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        trigger_reason: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        meter_value: list[dict[str, Any]] | None = None,
        offline: bool = False,
        evse: dict[str, Any] | None = None,
        id_token: dict[str, Any] | None = None,
        reservation_id: int | None = None,
        **_: Any,
    ) -> result.TransactionEvent:
        event = TransactionEvent(
            event_type=TransactionEventType(event_type),
            transaction_id=transaction_info["transaction_id"],
            timestamp=parse_time(timestamp),
            trigger_reason=trigger_reason,
            seq_no=seq_no,
            offline=offline,
            evse_id=evse["id"] if evse else None,
            connector_id=evse.get("connector_id") if evse else None,
            id_token=id_token["id_token"] if id_token else None,
            id_token_type=id_token["type"] if id_token else None,
            charging_state=transaction_info.get("charging_state"),
            stopped_reason=transaction_info.get("stopped_reason"),
            remote_start_id=transaction_info.get("remote_start_id"),
            samples=meter_samples(meter_value or []),
            reservation_id=reservation_id,
        )
        decision = await transactions.record_transaction_event(self.id, event, self.ctx)
        info = id_token_info(decision, v201=True) if decision is not None else None
        total = None
        if event.event_type is TransactionEventType.ENDED:  # the final cost, to show the driver
            total = await billing.final_cost(self.id, event.transaction_id, self.ctx)
        return result.TransactionEvent(
            id_token_info=info, total_cost=None if total is None else float(total)
        )

    @handles(Action.meter_values)
    async def on_meter_values(
        self, evse_id: int, meter_value: list[dict[str, Any]], **_: Any
    ) -> result.MeterValues:
        samples = meter_samples(meter_value)
        await transactions.record_meter_values(self.id, evse_id, None, samples, self.ctx)
        return result.MeterValues()

    @handles(Action.notify_event)
    async def on_notify_event(self, **payload: Any) -> result.NotifyEvent:
        await self._report("NotifyEvent", payload)
        return result.NotifyEvent()

    @handles(Action.notify_report)
    async def on_notify_report(self, **payload: Any) -> result.NotifyReport:
        report = StationReport(self.id, "NotifyReport", self.ctx.clock.now(), camel_keys(payload))
        await device_model.record_report_page(report, self.ctx)
        return result.NotifyReport()

    @handles(Action.reservation_status_update)
    async def on_reservation_status_update(
        self, reservation_id: int, reservation_update_status: str, **_: Any
    ) -> result.ReservationStatusUpdate:
        await reservations.record_status_update(
            self.id, reservation_id, reservation_update_status, self.ctx
        )
        return result.ReservationStatusUpdate()

    @handles(Action.security_event_notification)
    async def on_security_event_notification(
        self, **payload: Any
    ) -> result.SecurityEventNotification:
        await self._report("SecurityEventNotification", payload)
        return result.SecurityEventNotification()

    @handles(Action.notify_monitoring_report)
    async def on_notify_monitoring_report(self, **payload: Any) -> result.NotifyMonitoringReport:
        await self._report("NotifyMonitoringReport", payload)
        return result.NotifyMonitoringReport()

    @handles(Action.notify_customer_information)
    async def on_notify_customer_information(
        self, **payload: Any
    ) -> result.NotifyCustomerInformation:
        await self._report("NotifyCustomerInformation", payload)
        return result.NotifyCustomerInformation()

    @handles(Action.notify_display_messages)
    async def on_notify_display_messages(self, **payload: Any) -> result.NotifyDisplayMessages:
        await self._report("NotifyDisplayMessages", payload)
        return result.NotifyDisplayMessages()

    @handles(Action.firmware_status_notification)
    async def on_firmware_status_notification(
        self, **payload: Any
    ) -> result.FirmwareStatusNotification:
        await self._report("FirmwareStatusNotification", payload)
        return result.FirmwareStatusNotification()

    @handles(Action.log_status_notification)
    async def on_log_status_notification(self, **payload: Any) -> result.LogStatusNotification:
        await self._report("LogStatusNotification", payload)
        return result.LogStatusNotification()

    @handles(Action.data_transfer)
    async def on_data_transfer(self, **payload: Any) -> result.DataTransfer:
        await self._report("DataTransfer", payload)
        return result.DataTransfer(status="UnknownVendorId")

    async def _report(self, kind: str, payload: dict[str, Any]) -> None:
        report = StationReport(self.id, kind, self.ctx.clock.now(), camel_keys(payload))
        await stations.record_report(report, self.ctx)
