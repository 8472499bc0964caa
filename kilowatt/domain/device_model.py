"""What a station says about itself: OCPP 1.6 configuration keys and the 2.0.1 device model.

Both are kept as one model: a variable of a component, with an attribute type, a value and a
mutability. An OCPP 1.6 configuration key is a variable of the component ``LEGACY_COMPONENT``
("", no instance, no EVSE) with the key as the variable name and ``ReadOnly``/``ReadWrite`` as
its mutability::

    VariableRef(LEGACY_COMPONENT, "HeartbeatInterval")               # 1.6 key
    VariableRef("OCPPCommCtrlr", "HeartbeatInterval")                # 2.0.1 variable
    VariableRef("DeviceDataCtrlr", "ItemsPerMessage", variable_instance="GetVariables")

The functions here read the camelCase payloads of GetConfiguration, GetVariables and
NotifyReport into these values and write references back as OCPP ``component``/``variable``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

__all__ = [
    "LEGACY_COMPONENT",
    "DeviceVariable",
    "ReportCriterion",
    "StationSelector",
    "VariableRef",
    "from_configuration_keys",
    "from_get_variable_results",
    "from_report_data",
    "ref_from_wire",
]

#: The component of OCPP 1.6 configuration keys.
LEGACY_COMPONENT: Final = ""


@dataclass(frozen=True, slots=True)
class VariableRef:
    """Which attribute of which variable of which component (the key of a stored value)."""

    component: str
    variable: str
    component_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    variable_instance: str | None = None
    attribute_type: str = "Actual"

    @property
    def key(self) -> str:
        """One string per reference, unique within a station (the stored primary key)."""
        parts = (
            self.component,
            self.component_instance,
            self.evse_id,
            self.connector_id,
            self.variable,
            self.variable_instance,
            self.attribute_type,
        )
        return "/".join("" if part is None else str(part) for part in parts)

    @property
    def is_legacy(self) -> bool:
        return self.component == LEGACY_COMPONENT

    def to_wire(self) -> dict[str, Any]:
        """The OCPP 2.0.1 ``component``, ``variable`` and ``attributeType`` fields."""
        component: dict[str, Any] = {"name": self.component}
        if self.component_instance is not None:
            component["instance"] = self.component_instance
        if self.evse_id is not None:
            component["evse"] = {"id": self.evse_id}
            if self.connector_id is not None:
                component["evse"]["connectorId"] = self.connector_id
        variable: dict[str, Any] = {"name": self.variable}
        if self.variable_instance is not None:
            variable["instance"] = self.variable_instance
        return {"component": component, "variable": variable, "attributeType": self.attribute_type}


@dataclass(frozen=True, slots=True)
class ReportCriterion:
    """One 2.0.1 GetReport ``componentVariable``: a component, or one variable of it."""

    component: str
    variable: str | None = None
    component_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    variable_instance: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The ``ComponentVariableType`` (camelCase); ``variable`` left out when None."""
        if self.variable is None:
            ref = VariableRef(
                self.component, "", self.component_instance, self.evse_id, self.connector_id
            )
            return {"component": ref.to_wire()["component"]}
        ref = VariableRef(
            self.component,
            self.variable,
            self.component_instance,
            self.evse_id,
            self.connector_id,
            self.variable_instance,
        )
        wire = ref.to_wire()
        return {"component": wire["component"], "variable": wire["variable"]}


@dataclass(frozen=True, slots=True)
class DeviceVariable:
    """A value a station reported (or accepted), and when."""

    ref: VariableRef
    value: str | None
    mutability: str | None  # ReadOnly | WriteOnly | ReadWrite; None when not reported
    updated_at: datetime
    source: str  # the OCPP action it came from: GetConfiguration, NotifyReport, SetVariables...
    characteristics: Mapping[str, Any] | None = None  # 2.0.1 variableCharacteristics


@dataclass(frozen=True, slots=True)
class StationSelector:
    """Which stations a bulk operation reaches; every given field must match."""

    location_id: str | None = None
    model: str | None = None
    vendor: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.location_id is None and self.model is None and self.vendor is None


def ref_from_wire(
    component: Mapping[str, Any], variable: Mapping[str, Any], attribute_type: str | None = None
) -> VariableRef:
    """A reference from OCPP 2.0.1 camelCase ``component`` and ``variable`` objects."""
    evse = component.get("evse") or {}
    return VariableRef(
        component=str(component["name"]),
        variable=str(variable["name"]),
        component_instance=component.get("instance"),
        evse_id=evse.get("id"),
        connector_id=evse.get("connectorId"),
        variable_instance=variable.get("instance"),
        attribute_type=attribute_type or "Actual",
    )


def from_configuration_keys(
    keys: Iterable[Mapping[str, Any]], now: datetime, source: str = "GetConfiguration"
) -> list[DeviceVariable]:
    """OCPP 1.6 ``configurationKey`` entries (key, readonly, value)."""
    return [
        DeviceVariable(
            ref=VariableRef(LEGACY_COMPONENT, str(entry["key"])),
            value=entry.get("value"),
            mutability="ReadOnly" if entry.get("readonly") else "ReadWrite",
            updated_at=now,
            source=source,
        )
        for entry in keys
    ]


def from_report_data(
    report_data: Iterable[Mapping[str, Any]], now: datetime
) -> list[DeviceVariable]:
    """The ``reportData`` of a NotifyReport page: one value per variable attribute."""
    found: list[DeviceVariable] = []
    for data in report_data:
        characteristics = data.get("variableCharacteristics")
        for attribute in data.get("variableAttribute") or []:
            ref = ref_from_wire(data["component"], data["variable"], attribute.get("type"))
            variable = DeviceVariable(
                ref=ref,
                value=attribute.get("value"),
                mutability=attribute.get("mutability", "ReadWrite"),
                updated_at=now,
                source="NotifyReport",
                characteristics=characteristics,
            )
            found.append(variable)
    return found


def from_get_variable_results(
    results: Sequence[Mapping[str, Any]], now: datetime, known: Mapping[str, DeviceVariable]
) -> list[DeviceVariable]:
    """The accepted entries of ``getVariableResult``; mutability is kept from ``known``."""
    found = []
    for result in results:
        if result.get("attributeStatus") != "Accepted":
            continue
        ref = ref_from_wire(result["component"], result["variable"], result.get("attributeType"))
        before = known.get(ref.key)
        mutability = before.mutability if before is not None else None
        value = result.get("attributeValue")
        found.append(DeviceVariable(ref, value, mutability, now, "GetVariables"))
    return found
