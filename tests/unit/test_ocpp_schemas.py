"""kilowatt.ocpp.schemas agrees with the ocpp library it replaces on the hot path."""

from __future__ import annotations

import copy
import decimal
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ocpp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp import messages
from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.exceptions import (
    FormatViolationError,
    NotImplementedError,
    OCPPError,
    PropertyConstraintViolationError,
    ProtocolError,
    TypeConstraintViolationError,
)
from ocpp.messages import Call, CallError, CallResult

from kilowatt.ocpp import schemas
from kilowatt.ocpp.schemas import (
    OcppVersion,
    PayloadValidator,
    camel_keys,
    frame_unique_id,
    parse_frame,
    snake_keys,
)

Sample = tuple[OcppVersion, str, str, dict[str, Any]]
LIBRARY_DIR = Path(ocpp.__file__).parent
NOW = "2024-05-01T12:00:00Z"

V16: list[tuple[str, str, dict[str, Any]]] = [
    ("BootNotification", "request", {"chargePointVendor": "Acme", "chargePointModel": "X1"}),
    ("BootNotification", "response", {"status": "Accepted", "currentTime": NOW, "interval": 300}),
    ("Authorize", "request", {"idTag": "04A2B3C4D5E6F7"}),
    ("Authorize", "response", {"idTagInfo": {"status": "Accepted", "expiryDate": NOW}}),
    ("Heartbeat", "request", {}),
    ("Heartbeat", "response", {"currentTime": NOW}),
    (
        "StatusNotification",
        "request",
        {"connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": NOW},
    ),
    (
        "StartTransaction",
        "request",
        {"connectorId": 1, "idTag": "TAG1", "meterStart": 1200, "timestamp": NOW},
    ),
    ("StartTransaction", "response", {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}),
    (
        "MeterValues",
        "request",
        {
            "connectorId": 1,
            "transactionId": 7,
            "meterValue": [
                {
                    "timestamp": NOW,
                    "sampledValue": [
                        {
                            "value": "1234.5",
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                            "context": "Sample.Periodic",
                        },
                        {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"},
                    ],
                }
            ],
        },
    ),
    (
        "StopTransaction",
        "request",
        {
            "transactionId": 7,
            "meterStop": 15000,
            "timestamp": NOW,
            "reason": "EVDisconnected",
            "transactionData": [{"timestamp": NOW, "sampledValue": [{"value": "15000"}]}],
        },
    ),
    ("DataTransfer", "request", {"vendorId": "com.acme", "messageId": "x", "data": "{}"}),
    (
        "SetChargingProfile",
        "request",
        {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 21.4},
                        {"startPeriod": 600, "limit": 16},
                    ],
                    "minChargingRate": 6.1,
                },
            },
        },
    ),
    (
        "RemoteStartTransaction",
        "request",
        {
            "idTag": "TAG1",
            "chargingProfile": {
                "chargingProfileId": 2,
                "stackLevel": 1,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Relative",
                "chargingSchedule": {
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400.0}],
                },
            },
        },
    ),
    (
        "GetCompositeSchedule",
        "response",
        {
            "status": "Accepted",
            "connectorId": 1,
            "scheduleStart": NOW,
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32.0}],
            },
        },
    ),
    ("RemoteStopTransaction", "response", {"status": "Accepted"}),
    ("GetConfiguration", "response", {"configurationKey": [{"key": "A", "readonly": True}]}),
]

V201: list[tuple[str, str, dict[str, Any]]] = [
    (
        "BootNotification",
        "request",
        {
            "chargingStation": {"model": "X2", "vendorName": "Acme", "modem": {"iccid": "89"}},
            "reason": "PowerUp",
        },
    ),
    ("BootNotification", "response", {"currentTime": NOW, "interval": 300, "status": "Accepted"}),
    ("Authorize", "request", {"idToken": {"idToken": "04A2B3", "type": "ISO14443"}}),
    ("Authorize", "response", {"idTokenInfo": {"status": "Accepted"}}),
    ("Heartbeat", "request", {}),
    (
        "StatusNotification",
        "request",
        {"timestamp": NOW, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1},
    ),
    (
        "TransactionEvent",
        "request",
        {
            "eventType": "Updated",
            "timestamp": NOW,
            "triggerReason": "MeterValuePeriodic",
            "seqNo": 3,
            "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [
                {
                    "timestamp": NOW,
                    "sampledValue": [
                        {
                            "value": 1234.5,
                            "measurand": "Energy.Active.Import.Register",
                            "unitOfMeasure": {"unit": "Wh", "multiplier": 0},
                        },
                        {"value": 71, "measurand": "SoC", "context": "Sample.Periodic"},
                    ],
                }
            ],
            "customData": {"vendorId": "com.acme", "anything": [1, 2]},
        },
    ),
    ("TransactionEvent", "response", {"totalCost": 3.5, "idTokenInfo": {"status": "Accepted"}}),
    (
        "SetChargingProfile",
        "request",
        {
            "evseId": 0,
            "chargingProfile": {
                "id": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 21.43}],
                    }
                ],
            },
        },
    ),
    (
        "GetVariables",
        "response",
        {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "attributeValue": "60",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        },
    ),
    ("RequestStartTransaction", "response", {"status": "Accepted", "transactionId": "tx-9"}),
]

SAMPLES: list[Sample] = [("1.6", *s) for s in V16] + [("2.0.1", *s) for s in V201]


# ---------------------------------------------------------------- helpers


def library_error(version: str, action: str, direction: str, payload: Any) -> type | None:
    """The exception class ``ocpp.messages.validate_payload`` raises, or None."""
    payload = copy.deepcopy(payload)  # the library rewrites 1.6 decimal payloads
    if direction == "request":
        message: Any = Call("1", action, payload)
    else:
        message = CallResult("1", payload, action)
    try:
        messages._validate_payload(message, version)
    except OCPPError as exc:
        return type(exc)
    except decimal.InvalidOperation:  # e.g. 1e308 % Decimal("0.1") crashes the library
        return LibraryCrash
    return None


class LibraryCrash(Exception):
    """The library raised a non-OCPP error (decimal arithmetic on huge numbers)."""


def our_error(version: OcppVersion, action: str, direction: str, payload: Any) -> type | None:
    validator = PayloadValidator.for_version(version)
    check = validator.validate_request if direction == "request" else validator.validate_response
    try:
        check(action, payload)
    except OCPPError as exc:
        assert exc.description, "a violation must be described"
        return type(exc)
    return None


def assert_same(version: OcppVersion, action: str, direction: str, payload: Any) -> None:
    expected = library_error(version, action, direction, payload)
    ours = our_error(version, action, direction, payload)
    if expected is LibraryCrash:  # we answer instead of crashing
        assert ours in (None, FormatViolationError), (action, payload)
    else:
        assert ours is expected, (action, payload)


def mutations(data: Any) -> Iterator[Any]:
    """Copies of ``data`` with exactly one field broken in a typical way."""
    if isinstance(data, dict):
        yield {**data, "unexpectedField": 1}
        for key, value in data.items():
            yield {k: v for k, v in data.items() if k != key}
            for broken in _broken_values(value):
                yield {**data, key: broken}
            for broken in mutations(value):
                yield {**data, key: broken}
    elif isinstance(data, list):
        yield []
        for index, value in enumerate(data):
            for broken in mutations(value):
                yield [*data[:index], broken, *data[index + 1 :]]


def _broken_values(value: Any) -> list[Any]:
    common: list[Any] = [None, True, [value], {"x": value}]
    if isinstance(value, str):
        return [*common, 12, "Bogus", "x" * 3000, "not-a-date"]
    if isinstance(value, bool):
        return [*common, "true", 1]
    if isinstance(value, int):
        return [*common, str(value), value + 0.5, float(value), -(10**30)]
    if isinstance(value, float):
        return [*common, str(value), value + 0.01, 1e308, int(value)]
    return common


# ---------------------------------------------------------------- validation


def test_public_surface() -> None:
    assert sorted(schemas.__all__) == [
        "Frame",
        "OcppVersion",
        "PayloadValidator",
        "camel_keys",
        "frame_unique_id",
        "parse_frame",
        "snake_keys",
    ]


def test_for_version_is_cached_and_checked() -> None:
    assert PayloadValidator.for_version("1.6") is PayloadValidator.for_version("1.6")
    assert PayloadValidator.for_version("2.0.1").version == "2.0.1"
    with pytest.raises(ValueError, match="unsupported"):
        PayloadValidator.for_version("2.0")  # type: ignore[arg-type]


@pytest.mark.parametrize(("version", "action", "direction", "payload"), SAMPLES)
def test_real_payloads_are_valid(
    version: OcppVersion, action: str, direction: str, payload: dict[str, Any]
) -> None:
    assert library_error(version, action, direction, payload) is None
    assert our_error(version, action, direction, payload) is None


@pytest.mark.parametrize(("version", "action", "direction", "payload"), SAMPLES)
def test_every_single_mutation_fails_like_the_library(
    version: OcppVersion, action: str, direction: str, payload: dict[str, Any]
) -> None:
    for broken in mutations(payload):
        assert_same(version, action, direction, broken)


@st.composite
def multiply_broken(draw: st.DrawFn) -> tuple[Sample, Any]:
    version, action, direction, payload = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(1, 3))):
        payload = draw(st.sampled_from(list(mutations(payload))))
    return (version, action, direction, payload), payload


@settings(max_examples=150, deadline=None)
@given(multiply_broken())
def test_several_violations_report_the_library_first_one(case: tuple[Sample, Any]) -> None:
    (version, action, direction, _), payload = case
    assert_same(version, action, direction, payload)


def schema_actions() -> list[tuple[OcppVersion, str, str]]:
    cases: list[tuple[OcppVersion, str, str]] = []
    versions: list[tuple[OcppVersion, str, str]] = [
        ("1.6", "v16", ""),
        ("2.0.1", "v201", "Request"),
    ]
    for version, folder, suffix in versions:
        for path in sorted((LIBRARY_DIR / folder / "schemas").glob("*Response.json")):
            action = path.stem.removesuffix("Response")
            cases += [(version, action, "response")]
            if (path.parent / f"{action}{suffix}.json").exists():
                cases += [(version, action, "request")]
    return cases


@pytest.mark.parametrize(("version", "action", "direction"), schema_actions())
def test_every_schema_file_compiles_and_agrees(
    version: OcppVersion, action: str, direction: str
) -> None:
    payloads: list[Any] = [{}, {"customData": {"vendorId": "x"}}, {"zzz": 1}, {"status": 3}, []]
    for payload in payloads:
        assert_same(version, action, direction, payload)


@pytest.mark.parametrize(
    ("version", "limit", "expected"),
    [
        ("1.6", 21.4, None),
        ("1.6", 16, None),
        ("1.6", 0.30000000000000004, FormatViolationError),
        ("1.6", 4.11, FormatViolationError),
        ("1.6", "21.4", TypeConstraintViolationError),
        ("2.0.1", 21.43, None),
    ],
)
def test_charging_limits_use_decimal_arithmetic_like_the_library(
    version: OcppVersion, limit: Any, expected: type | None
) -> None:
    action, direction, sample = next(
        s[1:] for s in SAMPLES if s[:2] == (version, "SetChargingProfile")
    )
    payload = copy.deepcopy(sample)
    profile = payload["csChargingProfiles" if version == "1.6" else "chargingProfile"]
    schedule = profile["chargingSchedule"]
    period = (schedule if version == "1.6" else schedule[0])["chargingSchedulePeriod"][0]
    period["limit"] = limit
    assert library_error(version, action, direction, payload) is expected
    assert our_error(version, action, direction, payload) is expected


@settings(max_examples=100, deadline=None)
@given(limit=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_any_float_limit_agrees(limit: float) -> None:
    payload = {
        "status": "Accepted",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }
    assert_same("1.6", "GetCompositeSchedule", "response", payload)


def test_meter_values_are_strings_in_16_and_numbers_in_201() -> None:
    def meter_values(key: str, value: Any) -> dict[str, Any]:
        return {key: 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": value}]}]}

    assert our_error("1.6", "MeterValues", "request", meter_values("connectorId", "12.5")) is None
    assert our_error("2.0.1", "MeterValues", "request", meter_values("evseId", 12.5)) is None
    wrong: list[tuple[OcppVersion, str, Any]] = [
        ("1.6", "connectorId", 12.5),
        ("2.0.1", "evseId", "12.5"),
    ]
    for version, key, value in wrong:
        payload = meter_values(key, value)
        assert our_error(version, "MeterValues", "request", payload) is (
            TypeConstraintViolationError
        )


def test_formats_are_not_checked_like_the_library() -> None:
    payload = {"currentTime": "yesterday"}
    assert library_error("1.6", "Heartbeat", "response", payload) is None
    assert our_error("1.6", "Heartbeat", "response", payload) is None


def test_payload_is_not_modified() -> None:
    payload = {"status": "Accepted", "currentTime": NOW, "interval": 300}
    PayloadValidator.for_version("2.0.1").validate_response("BootNotification", payload)
    assert payload == {"status": "Accepted", "currentTime": NOW, "interval": 300}


@pytest.mark.parametrize("action", ["NoSuchAction", "../v201/schemas/Heartbeat", ""])
def test_unknown_action_is_not_implemented(action: str) -> None:
    with pytest.raises(NotImplementedError):
        PayloadValidator.for_version("1.6").validate_request(action, {})
    with pytest.raises(NotImplementedError):
        PayloadValidator.for_version("2.0.1").validate_response(action, {})


@pytest.mark.parametrize(
    ("payload", "error", "field"),
    [
        ({"idTag": 5}, TypeConstraintViolationError, "idTag"),
        ({"idTag": "x" * 21}, TypeConstraintViolationError, "idTag"),
        ({}, ProtocolError, "idTag"),
        ({"idTag": "a", "pin": 1}, FormatViolationError, ""),
    ],
)
def test_errors_name_the_offending_field(payload: Any, error: type, field: str) -> None:
    with pytest.raises(error) as caught:
        PayloadValidator.for_version("1.6").validate_request("Authorize", payload)
    exc: Any = caught.value
    assert exc.details["field"] == field
    assert (field or "pin") in exc.description
    assert len(exc.description) <= 255


def test_nested_required_field_is_named() -> None:
    with pytest.raises(ProtocolError) as caught:
        PayloadValidator.for_version("2.0.1").validate_request("Authorize", {"idToken": {}})
    exc: Any = caught.value
    assert exc.details == {"field": "idToken.idToken", "constraint": "required"}


async def test_matches_the_async_library_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "ASYNC_VALIDATION", False)
    call = Call("1", "Authorize", {"idTag": 5})
    with pytest.raises(TypeConstraintViolationError):
        await messages.validate_payload(call, "1.6")
    with pytest.raises(TypeConstraintViolationError):
        PayloadValidator.for_version("1.6").validate_request("Authorize", {"idTag": 5})


# ---------------------------------------------------------------- frames


def test_parse_call_result_and_error() -> None:
    call = parse_frame('[2, "id-1", "Heartbeat", {}]')
    assert isinstance(call, Call)
    assert (call.unique_id, call.action, call.payload) == ("id-1", "Heartbeat", {})
    result = parse_frame(b'[3, "id-2", {"currentTime": "now"}]')
    assert isinstance(result, CallResult)
    assert (result.unique_id, result.payload, result.action) == (
        "id-2",
        {"currentTime": "now"},
        None,
    )
    error = parse_frame('[4, "id-3", "NotImplemented", "nope", {"a": 1}]')
    assert isinstance(error, CallError)
    assert (error.error_code, error.error_description, error.error_details) == (
        "NotImplemented",
        "nope",
        {"a": 1},
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", FormatViolationError),
        ('[2, "1", "Heartbeat", {}', FormatViolationError),
        ('[2, "1", "Heartbeat", {"x": NaN}]', FormatViolationError),
        (b"\xff\xfe", FormatViolationError),
        ('{"a": 1}', ProtocolError),
        ('"text"', ProtocolError),
        ("[]", ProtocolError),
        ('[2, "1", "Heartbeat"]', ProtocolError),
        ('[2, "1", "Heartbeat", {}, {}]', ProtocolError),
        ('[3, "1", {}, "Heartbeat"]', ProtocolError),
        ('[4, "1", "GenericError", "x"]', ProtocolError),
        ('[2, 1, "Heartbeat", {}]', ProtocolError),
        ('[2, null, "Heartbeat", {}]', ProtocolError),
        ('[2, "1", 7, {}]', ProtocolError),
        ('[2, "1", "Heartbeat", []]', ProtocolError),
        ('[3, "1", "ok"]', ProtocolError),
        ('[4, "1", 5, "x", {}]', ProtocolError),
        ('[4, "1", "GenericError", null, {}]', ProtocolError),
        ('[4, "1", "GenericError", "x", null]', ProtocolError),
        ('[5, "1", {}]', PropertyConstraintViolationError),
        ('["2", "1", "Heartbeat", {}]', PropertyConstraintViolationError),
        ('[true, "1", "Heartbeat", {}]', PropertyConstraintViolationError),
        ('[2.0, "1", "Heartbeat", {}]', PropertyConstraintViolationError),
    ],
)
def test_broken_frames(text: str | bytes, error: type) -> None:
    with pytest.raises(error):
        parse_frame(text)


@pytest.mark.parametrize(
    "text", ["", "[", "{}", "[2", '[2, "1"', "[2, 1, 2]", '[5, "1", {}]', '{"a": 1}']
)
def test_broken_frames_the_library_also_rejects(text: str) -> None:
    with pytest.raises(OCPPError) as ours:
        parse_frame(text)
    with pytest.raises(OCPPError) as theirs:
        messages.unpack(text)
    if type(theirs.value) is not ProtocolError:  # the library only lacks our extra checks
        assert type(ours.value) is type(theirs.value)


@pytest.mark.parametrize(
    ("text", "unique_id"),
    [
        ('[2, "abc-1", "Heartbeat", {}]', "abc-1"),
        ('[2, "abc-1", "Heartbeat", {', "abc-1"),
        ('  [ 2 ,"a\\"b", ', 'a"b'),
        (b'[3, "r-9", {"broken": ]', "r-9"),
        ('[2, 17, "Heartbeat", {}]', None),
        ('[2, "unterminated', None),
        ("not json at all", None),
        ("", None),
        ('{"id": "x"}', None),
    ],
)
def test_frame_unique_id(text: str | bytes, unique_id: str | None) -> None:
    assert frame_unique_id(text) == unique_id


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60) | st.binary(max_size=60))
def test_arbitrary_input_raises_only_ocpp_errors(text: str | bytes) -> None:
    try:
        parse_frame(text)
    except OCPPError:
        pass
    unique_id = frame_unique_id(text)
    assert unique_id is None or isinstance(unique_id, str)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_unique_id_survives_a_truncated_frame(unique_id: str) -> None:
    frame = json.dumps([2, unique_id, "Heartbeat", {}])
    assert frame_unique_id(frame[: len(frame) - 5]) == unique_id


# ---------------------------------------------------------------- key casing


def schema_property_names() -> list[str]:
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(
                node.get("properties", {}) if isinstance(node.get("properties"), dict) else ()
            )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(LIBRARY_DIR.glob("v*/schemas/*.json")):
        walk(json.loads(path.read_text(encoding="utf-8-sig")))
    return sorted(names)


PROPERTY_NAMES = schema_property_names()


def test_schema_property_names_are_collected() -> None:
    assert {"chargePointVendor", "idTag", "stateOfCharge", "evseId"} <= set(PROPERTY_NAMES)
    assert len(PROPERTY_NAMES) > 300


def test_key_conversion_matches_the_library_on_every_schema_name() -> None:
    special = ["ocppCSMSURL", "ocpp_csms_url", "soc_limit_reached", "socket", "aB", "V2XCharging"]
    snake = list(camel_to_snake_case(dict.fromkeys(PROPERTY_NAMES + special)))
    names = PROPERTY_NAMES + special + snake
    for name in names:
        assert snake_keys({name: 1}) == camel_to_snake_case({name: 1}), name
        assert camel_keys({name: 1}) == snake_to_camel_case({name: 1}), name


def test_key_conversion_is_recursive() -> None:
    payload = {"idTagInfo": {"parentIdTag": "x"}, "meterValue": [{"sampledValue": [{"v": 1}]}]}
    assert snake_keys(payload) == camel_to_snake_case(payload)
    assert camel_keys(snake_keys(payload)) == payload
    assert snake_keys([{"aBc": [1, "cD"]}, 3]) == [{"a_bc": [1, "cD"]}, 3]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_key_conversion_matches_the_library_on_arbitrary_json(value: Any) -> None:
    assert snake_keys(value) == camel_to_snake_case(value)
    assert camel_keys(value) == snake_to_camel_case(value)
