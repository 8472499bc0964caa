"""The device model over the API: stored values, what to read or set, bulk results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from kilowatt.api.schemas.base import Input
from kilowatt.domain.device_model import (
    DeviceVariable,
    ReportCriterion,
    StationSelector,
    VariableRef,
)
from kilowatt.services.device_model import Refresh, SetOutcome, Setting, StationOutcome
from kilowatt.services.device_reports import ReportRequest

__all__ = [
    "BulkSetting",
    "CriterionIn",
    "RefreshPublic",
    "ReportIn",
    "ReportPublic",
    "SelectorIn",
    "SetOutcomePublic",
    "SettingIn",
    "SettingsIn",
    "StationOutcomePublic",
    "VariableIn",
    "VariablePublic",
    "VariablesIn",
]

_NAME = Field(min_length=1, max_length=50)


class VariableIn(Input):
    """Which value: on OCPP 1.6 stations ``variable`` is the configuration key and the other
    fields are left out."""

    component: str = Field("", max_length=50, description='"" for OCPP 1.6 keys')
    component_instance: str | None = Field(None, max_length=50)
    evse_id: int | None = Field(None, ge=0)
    connector_id: int | None = Field(None, ge=0)
    variable: str = _NAME
    variable_instance: str | None = Field(None, max_length=50)
    attribute_type: str = Field("Actual", pattern="^(Actual|Target|MinSet|MaxSet)$")

    def to_ref(self) -> VariableRef:
        return VariableRef(
            self.component,
            self.variable,
            self.component_instance,
            self.evse_id,
            self.connector_id,
            self.variable_instance,
            self.attribute_type,
        )


class VariablesIn(Input):
    variables: list[VariableIn] = Field(min_length=1, max_length=1000)


class CriterionIn(Input):
    """A GetReport ``componentVariable``: a component, or one of its variables."""

    component: str = _NAME
    component_instance: str | None = Field(None, max_length=50)
    evse_id: int | None = Field(None, ge=0)
    connector_id: int | None = Field(None, ge=0)
    variable: str | None = Field(None, min_length=1, max_length=50)
    variable_instance: str | None = Field(None, max_length=50)

    def to_criterion(self) -> ReportCriterion:
        return ReportCriterion(
            self.component,
            self.variable,
            self.component_instance,
            self.evse_id,
            self.connector_id,
            self.variable_instance,
        )


class ReportIn(Input):
    """What to report (nothing: every variable); ``component_criteria`` narrows it further
    (Active, Available, Enabled, Problem)."""

    variables: list[CriterionIn] = Field(default_factory=list, max_length=1000)
    component_criteria: list[Literal["Active", "Available", "Enabled", "Problem"]] = Field(
        default_factory=list, max_length=4
    )


class ReportPartPublic(BaseModel):
    request_id: int
    status: str
    criteria: int


class ReportPublic(BaseModel):
    """The merged answer of the GetReport requests; pages arrive as NotifyReports."""

    status: str
    request_ids: list[int]
    parts: list[ReportPartPublic]

    @classmethod
    def of(cls, done: ReportRequest) -> Self:
        parts = [
            ReportPartPublic(request_id=p.request_id, status=p.status, criteria=p.criteria)
            for p in done.parts
        ]
        return cls(status=done.status, request_ids=done.request_ids, parts=parts)


class SettingIn(VariableIn):
    value: str = Field(max_length=2500)

    def to_setting(self) -> Setting:
        return Setting(self.to_ref(), self.value)


class SettingsIn(Input):
    values: list[SettingIn] = Field(min_length=1, max_length=1000)


class SelectorIn(Input):
    """Which stations: every given field must match; at least one is required."""

    location_id: str | None = None
    model: str | None = None
    vendor: str | None = None

    def to_selector(self) -> StationSelector:
        return StationSelector(self.location_id, self.model, self.vendor)


class BulkSetting(SettingIn):
    selector: SelectorIn


class VariablePublic(BaseModel):
    component: str
    component_instance: str | None
    evse_id: int | None
    connector_id: int | None
    variable: str
    variable_instance: str | None
    attribute_type: str
    value: str | None
    mutability: str | None
    characteristics: dict[str, Any] | None
    source: str
    updated_at: datetime

    @classmethod
    def of(cls, found: DeviceVariable) -> Self:
        ref = found.ref
        return cls(
            component=ref.component,
            component_instance=ref.component_instance,
            evse_id=ref.evse_id,
            connector_id=ref.connector_id,
            variable=ref.variable,
            variable_instance=ref.variable_instance,
            attribute_type=ref.attribute_type,
            value=found.value,
            mutability=found.mutability,
            characteristics=dict(found.characteristics) if found.characteristics else None,
            source=found.source,
            updated_at=found.updated_at,
        )


class RefreshPublic(BaseModel):
    status: str
    request_id: int | None
    stored: int

    @classmethod
    def of(cls, done: Refresh) -> Self:
        return cls(status=done.status, request_id=done.request_id, stored=done.stored)


class SetOutcomePublic(BaseModel):
    component: str
    variable: str
    value: str
    status: str

    @classmethod
    def of(cls, outcome: SetOutcome) -> Self:
        ref = outcome.setting.ref
        return cls(
            component=ref.component,
            variable=ref.variable,
            value=outcome.setting.value,
            status=outcome.status,
        )


class StationOutcomePublic(BaseModel):
    station_id: str
    status: str
    detail: str | None

    @classmethod
    def of(cls, outcome: StationOutcome) -> Self:
        return cls(station_id=outcome.station_id, status=outcome.status, detail=outcome.detail)
