"""OCPP 1.6J, station → central system: one thin handler per action, calling the services."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import ChargePoint
from ocpp.v16 import call_result as result
from ocpp.v16.enums import Action

from kilowatt.domain.locations import BootInfo, OcppVersion
from kilowatt.domain.tokens import AuthorizationRequest
from kilowatt.ocpp.codec import id_token_info, meter_samples, ocpp_time, parse_time
from kilowatt.ocpp.session import Session, handles
from kilowatt.ports import ConnectorStatusReport, StationReport
from kilowatt.services import authorization, stations, transactions
from kilowatt.services.transactions import LegacyStart, LegacyStop

__all__ = ["StationSession16"]


class StationSession16(Session, ChargePoint):  # type: ignore[misc]
    version = OcppVersion.V16
    known_actions = frozenset(action.value for action in Action)
    error_names = {
        "FormatViolation": "FormationViolation",
        "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
    }

    @handles(Action.boot_notification)
    async def on_boot_notification(
        self,
        charge_point_vendor: str,
        charge_point_model: str,
        charge_point_serial_number: str | None = None,
        charge_box_serial_number: str | None = None,
        firmware_version: str | None = None,
        iccid: str | None = None,
        imsi: str | None = None,
        meter_type: str | None = None,
        meter_serial_number: str | None = None,
    ) -> result.BootNotification:
        info = BootInfo(
            vendor=charge_point_vendor,
            model=charge_point_model,
            serial_number=charge_point_serial_number or charge_box_serial_number,
            firmware_version=firmware_version,
            iccid=iccid,
            imsi=imsi,
            meter_type=meter_type,
            meter_serial_number=meter_serial_number,
        )
        booted = await stations.boot(self.id, info, self.version, self.ctx)
        return result.BootNotification(
            current_time=ocpp_time(booted.current_time),
            interval=booted.interval_s,
            status=booted.status.value,
        )

    @handles(Action.heartbeat)
    async def on_heartbeat(self) -> result.Heartbeat:
        now = await stations.heartbeat(self.id, self.ctx)
        return result.Heartbeat(current_time=ocpp_time(now))

    @handles(Action.status_notification)
    async def on_status_notification(
        self,
        connector_id: int,
        error_code: str,
        status: str,
        info: str | None = None,
        timestamp: str | None = None,
        vendor_id: str | None = None,
        vendor_error_code: str | None = None,
    ) -> result.StatusNotification:
        now = self.ctx.clock.now()
        report = ConnectorStatusReport(
            station_id=self.id,
            evse_id=connector_id,  # in 1.6 each connector is an EVSE with one connector
            connector_id=1 if connector_id else 0,
            status=status,
            reported_at=parse_time(timestamp) if timestamp else now,
            received_at=now,
            error_code=error_code,
            info=info,
            vendor_error_code=vendor_error_code,
        )
        await stations.record_status(report, self.ctx)
        return result.StatusNotification()

    @handles(Action.authorize)
    async def on_authorize(self, id_tag: str) -> result.Authorize:
        request = AuthorizationRequest(id_tag, self.id)
        decision = await authorization.check_token(request, self.ctx)
        return result.Authorize(id_tag_info=id_token_info(decision))

    @handles(Action.start_transaction)
    async def on_start_transaction(
        self,
        connector_id: int,
        id_tag: str,
        meter_start: int,
        timestamp: str,
        reservation_id: int | None = None,
    ) -> result.StartTransaction:
        start = LegacyStart(
            self.id, connector_id, id_tag, meter_start, parse_time(timestamp), reservation_id
        )
        transaction_id, decision = await transactions.start_legacy_transaction(start, self.ctx)
        return result.StartTransaction(
            transaction_id=transaction_id, id_tag_info=id_token_info(decision)
        )

    @handles(Action.stop_transaction)
    async def on_stop_transaction(
        self,
        meter_stop: int,
        timestamp: str,
        transaction_id: int,
        reason: str | None = None,
        id_tag: str | None = None,
        transaction_data: list[dict[str, Any]] | None = None,
    ) -> result.StopTransaction:
        stop = LegacyStop(
            station_id=self.id,
            transaction_id=transaction_id,
            meter_stop_wh=meter_stop,
            timestamp=parse_time(timestamp),
            id_tag=id_tag,
            reason=reason,
            samples=meter_samples(transaction_data or []),
        )
        decision = await transactions.stop_legacy_transaction(stop, self.ctx)
        info = id_token_info(decision) if decision is not None else None
        return result.StopTransaction(id_tag_info=info)

    @handles(Action.meter_values)
    async def on_meter_values(
        self,
        connector_id: int,
        meter_value: list[dict[str, Any]],
        transaction_id: int | None = None,
    ) -> result.MeterValues:
        await transactions.record_meter_values(
            self.id,
            connector_id,
            str(transaction_id) if transaction_id is not None else None,
            meter_samples(meter_value),
            self.ctx,
        )
        return result.MeterValues()

    @handles(Action.data_transfer)
    async def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None
    ) -> result.DataTransfer:
        payload = {"vendorId": vendor_id, "messageId": message_id, "data": data}
        await self._report("DataTransfer", payload)
        return result.DataTransfer(status="UnknownVendorId")

    @handles(Action.firmware_status_notification)
    async def on_firmware_status_notification(
        self, status: str
    ) -> result.FirmwareStatusNotification:
        await self._report("FirmwareStatusNotification", {"status": status})
        return result.FirmwareStatusNotification()

    @handles(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(
        self, status: str
    ) -> result.DiagnosticsStatusNotification:
        await self._report("DiagnosticsStatusNotification", {"status": status})
        return result.DiagnosticsStatusNotification()

    async def _report(self, kind: str, payload: dict[str, Any]) -> None:
        report = StationReport(self.id, kind, self.ctx.clock.now(), payload)
        await stations.record_report(report, self.ctx)
