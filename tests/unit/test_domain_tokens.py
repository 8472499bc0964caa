"""ID tokens and the rule that authorizes them (kilowatt.domain.tokens)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.tokens import (
    Authorization,
    AuthorizationStatus,
    IdToken,
    TokenStatus,
    TokenType,
    decide,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _token(**overrides: Any) -> IdToken:
    values: dict[str, Any] = {
        "uid": "04A1B2C3D4E5F6",
        "type": TokenType.RFID,
        "created_at": NOW - timedelta(days=30),
        "updated_at": NOW - timedelta(days=30),
    }
    values.update(overrides)
    return IdToken(**values)


def test_an_unknown_token_is_invalid() -> None:
    assert decide(None, NOW) == Authorization(AuthorizationStatus.INVALID)


def test_an_active_token_without_expiry_is_accepted() -> None:
    assert decide(_token(), NOW) == Authorization(AuthorizationStatus.ACCEPTED)


def test_an_accepted_token_tells_the_station_its_expiry_and_group() -> None:
    expires = NOW + timedelta(days=1)
    decision = decide(_token(group_id="FLEET-7", expires_at=expires), NOW)
    assert decision == Authorization(AuthorizationStatus.ACCEPTED, expires, "FLEET-7")


def test_a_blocked_token_is_blocked_with_its_group() -> None:
    decision = decide(_token(status=TokenStatus.BLOCKED, group_id="FLEET-7"), NOW)
    assert decision == Authorization(AuthorizationStatus.BLOCKED, group_id="FLEET-7")


def test_blocking_outranks_expiry() -> None:
    token = _token(status=TokenStatus.BLOCKED, expires_at=NOW - timedelta(days=1))
    assert decide(token, NOW).status is AuthorizationStatus.BLOCKED


def test_a_token_past_its_expiry_is_expired() -> None:
    token = _token(expires_at=NOW - timedelta(seconds=1), group_id="FLEET-7")
    decision = decide(token, NOW)
    assert decision == Authorization(AuthorizationStatus.EXPIRED, group_id="FLEET-7")
    assert decision.expires_at is None


def test_a_token_expires_at_the_very_moment_of_its_expiry() -> None:
    assert decide(_token(expires_at=NOW), NOW).status is AuthorizationStatus.EXPIRED


def test_a_token_is_accepted_until_its_expiry() -> None:
    token = _token(expires_at=NOW + timedelta(microseconds=1))
    assert decide(token, NOW).status is AuthorizationStatus.ACCEPTED


@pytest.mark.parametrize("uid", ["A", "x" * 36])
def test_a_token_uid_has_1_to_36_characters(uid: str) -> None:
    assert _token(uid=uid).uid == uid


@pytest.mark.parametrize("uid", ["", "x" * 37])
def test_an_empty_or_too_long_token_uid_is_refused(uid: str) -> None:
    with pytest.raises(InvalidValue, match="1 to 36 characters"):
        _token(uid=uid)
