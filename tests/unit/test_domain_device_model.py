"""OCPP 1.6 configuration keys and 2.0.1 device model values as one model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kilowatt.domain.device_model import (
    LEGACY_COMPONENT,
    DeviceVariable,
    ReportCriterion,
    VariableRef,
    from_configuration_keys,
    from_get_variable_results,
    from_report_data,
    ref_from_wire,
)

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def test_a_configuration_key_is_a_variable_of_the_legacy_component() -> None:
    found = from_configuration_keys(
        [
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
            {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
            {"key": "AuthorizationKey", "readonly": False},
        ],
        NOW,
    )
    assert [(v.ref.component, v.ref.variable, v.value, v.mutability) for v in found] == [
        (LEGACY_COMPONENT, "HeartbeatInterval", "300", "ReadWrite"),
        (LEGACY_COMPONENT, "NumberOfConnectors", "2", "ReadOnly"),
        (LEGACY_COMPONENT, "AuthorizationKey", None, "ReadWrite"),
    ]
    assert all(v.ref.is_legacy and v.source == "GetConfiguration" for v in found)


def test_a_report_gives_one_value_per_attribute_with_its_component_evse_and_instance() -> None:
    data: list[dict[str, Any]] = [
        {
            "component": {"name": "Connector", "evse": {"id": 2, "connectorId": 1}},
            "variable": {"name": "AvailabilityState"},
            "variableAttribute": [{"value": "Available", "mutability": "ReadOnly"}],
            "variableCharacteristics": {"dataType": "string", "supportsMonitoring": True},
        },
        {
            "component": {"name": "DeviceDataCtrlr"},
            "variable": {"name": "ItemsPerMessage", "instance": "GetVariables"},
            "variableAttribute": [
                {"type": "Actual", "value": "4"},
                {"type": "MaxSet", "value": "16", "mutability": "ReadOnly"},
            ],
        },
    ]
    found = from_report_data(data, NOW)
    assert [v.ref for v in found] == [
        VariableRef("Connector", "AvailabilityState", evse_id=2, connector_id=1),
        VariableRef("DeviceDataCtrlr", "ItemsPerMessage", variable_instance="GetVariables"),
        VariableRef(
            "DeviceDataCtrlr",
            "ItemsPerMessage",
            variable_instance="GetVariables",
            attribute_type="MaxSet",
        ),
    ]
    assert [v.mutability for v in found] == ["ReadOnly", "ReadWrite", "ReadOnly"]
    assert found[0].characteristics == {"dataType": "string", "supportsMonitoring": True}


def test_every_part_of_a_reference_makes_its_key_different() -> None:
    base = VariableRef("C", "V")
    variants = [
        base,
        VariableRef("C", "V", component_instance="1"),
        VariableRef("C", "V", evse_id=1),
        VariableRef("C", "V", evse_id=1, connector_id=1),
        VariableRef("C", "V", variable_instance="1"),
        VariableRef("C", "V", attribute_type="Target"),
        VariableRef("", "V"),
    ]
    assert len({ref.key for ref in variants}) == len(variants)


def test_a_reference_goes_to_the_wire_and_back_unchanged() -> None:
    ref = VariableRef("EVSE", "Power", "main", 1, 2, "L1", "MaxSet")
    wire = ref.to_wire()
    assert wire == {
        "component": {"name": "EVSE", "instance": "main", "evse": {"id": 1, "connectorId": 2}},
        "variable": {"name": "Power", "instance": "L1"},
        "attributeType": "MaxSet",
    }
    assert ref_from_wire(wire["component"], wire["variable"], wire["attributeType"]) == ref


def test_only_accepted_get_variable_results_are_values_and_they_keep_the_known_mutability() -> None:
    ref = VariableRef("OCPPCommCtrlr", "HeartbeatInterval")
    known = {ref.key: DeviceVariable(ref, "300", "ReadWrite", NOW, "NotifyReport")}
    results = [
        {
            "attributeStatus": "Accepted",
            "attributeValue": "60",
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
        },
        {
            "attributeStatus": "UnknownVariable",
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "Nope"},
        },
    ]
    found = from_get_variable_results(results, NOW, known)
    assert found == [DeviceVariable(ref, "60", "ReadWrite", NOW, "GetVariables")]


@pytest.mark.parametrize(
    ("criterion", "wire"),
    [
        (ReportCriterion("EVSE"), {"component": {"name": "EVSE"}}),
        (
            ReportCriterion("Connector", evse_id=1, connector_id=2),
            {"component": {"name": "Connector", "evse": {"id": 1, "connectorId": 2}}},
        ),
        (
            ReportCriterion("DeviceDataCtrlr", "ItemsPerMessage", variable_instance="GetReport"),
            {
                "component": {"name": "DeviceDataCtrlr"},
                "variable": {"name": "ItemsPerMessage", "instance": "GetReport"},
            },
        ),
    ],
)
def test_a_report_criterion_names_a_component_or_one_of_its_variables(
    criterion: ReportCriterion, wire: dict[str, object]
) -> None:
    assert criterion.to_wire() == wire
