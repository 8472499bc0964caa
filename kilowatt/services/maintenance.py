"""Firmware updates and diagnostics uploads, spelled per OCPP version and sent through
``remote_control.send``. What follows (FirmwareStatusNotification, DiagnosticsStatusNotification
in 1.6, LogStatusNotification in 2.0.1) is kept as station reports (``stations.record_report``)::

    await remote_control.send("CP-1", UpdateFirmware("https://fw/1.2.bin", now, request_id=5), ...)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from kilowatt.domain.locations import OcppVersion
from kilowatt.services.remote_control import OcppCall

__all__ = ["DIAGNOSTICS_REPORTS", "FIRMWARE_REPORTS", "UpdateFirmware", "UploadDiagnostics"]

#: The reports that tell how a firmware update or an upload goes, in every version.
FIRMWARE_REPORTS: Final = ("FirmwareStatusNotification",)
DIAGNOSTICS_REPORTS: Final = ("DiagnosticsStatusNotification", "LogStatusNotification")


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class UpdateFirmware:
    """Download the firmware at ``location`` from ``retrieve_at`` on, and install it."""

    location: str
    retrieve_at: datetime
    request_id: int

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall:
        if version is OcppVersion.V16:
            payload = {"location": self.location, "retrieveDate": _time(self.retrieve_at)}
            return OcppCall("UpdateFirmware", payload)
        firmware = {"location": self.location, "retrieveDateTime": _time(self.retrieve_at)}
        return OcppCall("UpdateFirmware", {"requestId": self.request_id, "firmware": firmware})


@dataclass(frozen=True, slots=True)
class UploadDiagnostics:
    """Upload diagnostics (1.6 GetDiagnostics; 2.0.1 GetLog DiagnosticsLog) to ``location``."""

    location: str
    request_id: int

    def for_version(self, version: OcppVersion, now: datetime) -> OcppCall:
        if version is OcppVersion.V16:
            return OcppCall("GetDiagnostics", {"location": self.location})
        log = {"remoteLocation": self.location}
        payload = {"logType": "DiagnosticsLog", "requestId": self.request_id, "log": log}
        return OcppCall("GetLog", payload)
