"""Firmware updates and diagnostics uploads over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.ports import StationReport

__all__ = ["FirmwareUpdateIn", "OperationStatePublic", "ReportedStatus", "UploadIn"]


class FirmwareUpdateIn(Input):
    location: str = Field(min_length=1, max_length=512, description="Where to download it")
    retrieve_at: AwareDatetime | None = Field(None, description="Not before (default: now)")


class UploadIn(Input):
    location: str = Field(min_length=1, max_length=512, description="Where to upload to")


class ReportedStatus(BaseModel):
    kind: str
    status: str
    request_id: int | None
    reported_at: datetime

    @classmethod
    def of(cls, report: StationReport) -> Self:
        payload: dict[str, Any] = dict(report.payload)
        return cls(
            kind=report.kind,
            status=str(payload.get("status")),
            request_id=payload.get("requestId"),
            reported_at=report.reported_at,
        )


class OperationStatePublic(BaseModel):
    """The latest status the station reported, and every one before it (newest first)."""

    status: str | None
    history: list[ReportedStatus]
