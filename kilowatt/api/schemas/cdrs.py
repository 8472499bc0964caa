"""Bodies of the CDR endpoints (CDRs themselves travel as OCPI CDR objects)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input

__all__ = ["CdrCorrection", "CdrCorrectionPublic"]


class CdrCorrection(Input):
    tariff_id: str | None = Field(
        default=None, max_length=36, description="Price again under this tariff"
    )
    remark: str | None = Field(default=None, max_length=255, description="Why (on the new CDR)")


class CdrCorrectionPublic(BaseModel):
    credit: dict[str, Any]
    cdr: dict[str, Any]
