"""Fast OCPP-J frame parsing, payload validation and key conversion.

The mobilityhouse ``ocpp`` library validates every payload with ``jsonschema``
in a thread executor (hundreds of microseconds per message). This module checks
the very same schema files shipped inside the library, compiled once per
(action, direction) with ``fastjsonschema``, so a valid payload costs a few
microseconds.

Only the rare failing payload takes the slow path: it is re-checked with the
library's own Draft 4 validator (``ocpp.messages.get_validator``) so that the
first violation, and therefore the OCPP error class, is exactly the one
``ocpp.messages.validate_payload`` would raise:

* ``type`` and ``maxLength`` → ``TypeConstraintViolationError``
* ``required`` → ``ProtocolError``
* ``additionalProperties`` and everything else → ``FormatViolationError``
* an action without a schema → ``NotImplementedError``

Like the library, formats (``date-time``, ``uri``) are not checked, and the
three OCPP 1.6 messages with ``multipleOf: 0.1`` compare decimals, not floats.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Final, Literal, TypeAlias, TypeVar, cast

import fastjsonschema
import ocpp
from ocpp.exceptions import (
    FormatViolationError,
    NotImplementedError,
    OCPPError,
    PropertyConstraintViolationError,
    ProtocolError,
    TypeConstraintViolationError,
)
from ocpp.messages import Call, CallError, CallResult, MessageType, get_validator

__all__ = [
    "Frame",
    "OcppVersion",
    "PayloadValidator",
    "camel_keys",
    "frame_unique_id",
    "parse_frame",
    "snake_keys",
]

OcppVersion = Literal["1.6", "2.0.1"]
Frame: TypeAlias = Call | CallResult | CallError
Direction = Literal["request", "response"]

_J = TypeVar("_J")
_Check = Callable[[Any], Any]

_DRAFT4: Final = "http://json-schema.org/draft-04/schema#"
_SCHEMA_DIRS: Final[dict[str, str]] = {"1.6": "v16", "2.0.1": "v201"}
_DESCRIPTION_MAX: Final = 255
# OCPP 1.6 messages the library validates with decimal.Decimal (multipleOf 0.1).
_DECIMAL_MESSAGES: Final = frozenset(
    {
        ("SetChargingProfile", "request"),
        ("RemoteStartTransaction", "request"),
        ("GetCompositeSchedule", "response"),
    }
)
_TYPE_CONSTRAINTS: Final = frozenset({"type", "maxLength"})


# ---------------------------------------------------------------- validation


class PayloadValidator:
    """Validates OCPP payloads of one protocol version against its JSON schemas."""

    _instances: ClassVar[dict[str, PayloadValidator]] = {}

    def __init__(self, version: OcppVersion) -> None:
        if version not in _SCHEMA_DIRS:
            raise ValueError(f"unsupported OCPP version: {version!r}")
        self.version: OcppVersion = version
        self._dir = Path(ocpp.__file__).parent / _SCHEMA_DIRS[version] / "schemas"
        self._names = frozenset(path.stem for path in self._dir.glob("*.json"))
        self._checks: dict[tuple[str, Direction], _Check] = {}

    @classmethod
    def for_version(cls, version: OcppVersion) -> PayloadValidator:
        """Return the shared validator of ``version`` ("1.6" or "2.0.1")."""
        validator = cls._instances.get(version)
        if validator is None:
            validator = cls._instances[version] = cls(version)
        return validator

    def validate_request(self, action: str, payload: dict[str, Any]) -> None:
        """Check the payload of a CALL; raise the library's ``OCPPError`` if invalid."""
        self._validate(action, "request", payload)

    def validate_response(self, action: str, payload: dict[str, Any]) -> None:
        """Check the payload of a CALLRESULT; raise the library's ``OCPPError`` if invalid."""
        self._validate(action, "response", payload)

    def _validate(self, action: str, direction: Direction, payload: Any) -> None:
        check = self._checks.get((action, direction)) or self._compile(action, direction)
        try:
            check(payload)
        except (fastjsonschema.JsonSchemaException, ArithmeticError, ValueError, TypeError):
            self._explain(action, direction, payload)

    def _compile(self, action: str, direction: Direction) -> _Check:
        schema = self._load(action, direction)
        schema.pop("$id", None)
        schema["$schema"] = _DRAFT4  # the library validates every file as Draft 4
        check: _Check = fastjsonschema.compile(
            schema, use_default=False, use_formats=False, detailed_exceptions=False
        )
        self._checks[(action, direction)] = check
        return check

    def _load(self, action: str, direction: Direction) -> dict[str, Any]:
        name = self._schema_name(action, direction)
        if name not in self._names:
            raise NotImplementedError(details={"cause": f"Failed to validate action: {action}"})
        text = (self._dir / f"{name}.json").read_text(encoding="utf-8-sig")
        return cast(dict[str, Any], json.loads(text))

    def _schema_name(self, action: str, direction: Direction) -> str:
        if direction == "response":
            return action + "Response"
        return action if self.version == "1.6" else action + "Request"

    def _explain(self, action: str, direction: Direction, payload: Any) -> None:
        """Find the violation the library reports first and raise its error."""
        try:
            error = self._first_library_error(action, direction, payload)
        except Exception as exc:  # the library itself would crash on this payload
            raise FormatViolationError(
                description=_truncate(f"{action} payload cannot be validated: {exc}"),
                details={"field": "", "constraint": type(exc).__name__},
            ) from exc
        if error is not None:
            raise _to_ocpp_error(error)

    def _first_library_error(self, action: str, direction: Direction, payload: Any) -> Any:
        message_type = MessageType.Call if direction == "request" else MessageType.CallResult
        if self.version == "1.6" and (action, direction) in _DECIMAL_MESSAGES:
            validator = get_validator(message_type, action, "1.6", parse_float=decimal.Decimal)
            payload = json.loads(json.dumps(payload), parse_float=decimal.Decimal)
        else:
            validator = get_validator(message_type, action, self.version)
        return next(iter(validator.iter_errors(payload)), None)


def _to_ocpp_error(error: Any) -> OCPPError:
    """Map a jsonschema error like ``ocpp.messages._validate_payload`` does."""
    kind: str = error.validator
    field = _field(error)
    description = _truncate(f"{field or 'payload'}: {_complaint(error, kind)}")
    details = {"field": field, "constraint": kind}
    if kind in _TYPE_CONSTRAINTS:
        return TypeConstraintViolationError(description=description, details=details)
    if kind == "required":
        return ProtocolError(description=description, details=details)
    return FormatViolationError(description=description, details=details)


def _field(error: Any) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
        return f"{path}.{missing}" if path else str(missing)
    return path


def _complaint(error: Any, kind: str) -> str:
    value = error.validator_value
    if kind == "required":
        return "required property is missing"
    if kind == "type":
        return f"must be of type {value}, not {type(error.instance).__name__}"
    if kind == "maxLength":
        return f"longer than {value} characters"
    if kind == "enum":
        return f"{_short(error.instance)} is not one of {', '.join(map(str, value))}"
    if kind == "additionalProperties":
        extra = [key for key in error.instance if key not in error.schema.get("properties", {})]
        return f"unexpected properties {', '.join(map(_short, extra))}"
    return f"violates {kind} {_short(value)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _truncate(text: str) -> str:
    return text if len(text) <= _DESCRIPTION_MAX else text[: _DESCRIPTION_MAX - 3] + "..."


# ---------------------------------------------------------------- frames

_FRAME_LENGTHS: Final[dict[int, int]] = {
    MessageType.Call: 4,
    MessageType.CallResult: 3,
    MessageType.CallError: 5,
}
_UNIQUE_ID: Final = re.compile(r'\[\s*\d+\s*,\s*("(?:[^"\\]|\\.)*")')


def parse_frame(text: str | bytes) -> Frame:
    """Parse an OCPP-J frame into the library's ``Call``, ``CallResult`` or ``CallError``.

    Broken JSON raises ``FormatViolationError`` and an unknown MessageTypeId
    ``PropertyConstraintViolationError`` (both as ``ocpp.messages.unpack``);
    every other structural problem raises ``ProtocolError``.
    """
    frame = _load_frame(text)
    type_id = frame[0]
    if type(type_id) is not int or type_id not in _FRAME_LENGTHS:
        raise PropertyConstraintViolationError(
            description=f"MessageTypeId {_short(type_id)} is not supported"
        )
    if len(frame) != _FRAME_LENGTHS[type_id]:
        raise _protocol(f"a message of type {type_id} has {_FRAME_LENGTHS[type_id]} elements")
    if not isinstance(frame[1], str):
        raise _protocol("MessageId must be a string")
    return _build(type_id, frame)


def _load_frame(text: str | bytes) -> list[Any]:
    try:
        frame = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity
        raise FormatViolationError(
            description="Message is not valid JSON", details={"cause": str(exc)}
        ) from exc
    except RecursionError as exc:  # nested deeper than the decoder can follow
        raise FormatViolationError(
            description="Message is nested too deeply", details={"cause": "RecursionError"}
        ) from exc
    if not isinstance(frame, list):
        raise _protocol(f"a message must be a JSON array, not {type(frame).__name__}")
    if not frame:
        raise _protocol("Message does not contain MessageTypeId")
    return frame


def _build(type_id: int, frame: list[Any]) -> Frame:
    if type_id == MessageType.Call:
        _expect(frame[2], str, "Action must be a string")
        _expect(frame[3], dict, "Payload must be a JSON object")
        return Call(frame[1], frame[2], frame[3])
    if type_id == MessageType.CallResult:
        _expect(frame[2], dict, "Payload must be a JSON object")
        return CallResult(frame[1], frame[2])
    _expect(frame[2], str, "ErrorCode must be a string")
    _expect(frame[3], str, "ErrorDescription must be a string")
    _expect(frame[4], dict, "ErrorDetails must be a JSON object")
    return CallError(frame[1], frame[2], frame[3], frame[4])


def _expect(value: Any, kind: type, problem: str) -> None:
    if not isinstance(value, kind):
        raise _protocol(problem)


def _protocol(cause: str) -> ProtocolError:
    return ProtocolError(description=f"Invalid OCPP-J frame: {cause}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def frame_unique_id(text: str | bytes) -> str | None:
    """Best-effort MessageId of a (possibly broken) frame; ``None`` if unreadable.

    OCPP-J 2.0.1 §4.2.3: when the MessageId cannot be read the CALLERROR
    carries "-1" instead.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    match = _UNIQUE_ID.match(text.lstrip())
    if match is None:
        return None
    try:
        unique_id = json.loads(match.group(1))
    except ValueError:
        return None
    return unique_id if isinstance(unique_id, str) else None


# ---------------------------------------------------------------- key casing

_CACHE_MAX: Final = 4096
_snake_cache: dict[str, str] = {}
_camel_cache: dict[str, str] = {}
_CAMEL_WORD: Final = re.compile("(.)([A-Z][a-z]+)")
_CAMEL_HUMP: Final = re.compile("([a-z0-9])([A-Z])(?=\\S)")


def snake_keys(payload: _J) -> _J:
    """Convert all dict keys from camelCase to snake_case, like the library does."""
    return cast(_J, _convert(payload, _snake_key))


def camel_keys(payload: _J) -> _J:
    """Convert all dict keys from snake_case to camelCase, like the library does."""
    return cast(_J, _convert(payload, _camel_key))


def _convert(data: Any, key: Callable[[str], str]) -> Any:
    if isinstance(data, dict):
        return {key(name): _convert(value, key) for name, value in data.items()}
    if isinstance(data, list):
        return [_convert(value, key) for value in data]
    return data


def _snake_key(name: str) -> str:
    converted = _snake_cache.get(name)
    if converted is None:
        converted = _remember(_snake_cache, name, _to_snake(name))
    return converted


def _camel_key(name: str) -> str:
    converted = _camel_cache.get(name)
    if converted is None:
        converted = _remember(_camel_cache, name, _to_camel(name))
    return converted


def _remember(cache: dict[str, str], name: str, converted: str) -> str:
    if len(cache) < _CACHE_MAX:  # keys come from the network: bound the memory
        cache[name] = converted
    return converted


def _to_snake(key: str) -> str:
    """``ocpp.charge_point.camel_to_snake_case`` for one key."""
    key = key.replace("ocppCSMSURL", "ocpp_csms_url")
    key = key.replace("V2X", "_v2x").replace("V2G", "_v2g")
    return _CAMEL_HUMP.sub(r"\1_\2", _CAMEL_WORD.sub(r"\1_\2", key)).lower()


def _to_camel(key: str) -> str:
    """``ocpp.charge_point.snake_to_camel_case`` for one key."""
    key = key.replace("soc", "SoC").replace("_v2x", "V2X")
    key = key.replace("ocpp_csms_url", "ocppCsmsUrl").replace("csms", "CSMS")
    key = key.replace("_url", "URL").replace("soc", "SoC").replace("_SoCket", "Socket")
    key = key.replace("_v2x", "V2X").replace("soc_limit_reached", "SOCLimitReached")
    key = key.replace("_v2x", "V2X").replace("_v2g", "V2G")
    first, *rest = key.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)
