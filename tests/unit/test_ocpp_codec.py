"""The idTagInfo / idTokenInfo of an authorization decision in each OCPP version."""

from __future__ import annotations

from datetime import UTC, datetime

from kilowatt.domain.tokens import Authorization, AuthorizationStatus
from kilowatt.ocpp.codec import id_token_info

EXPIRES = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def test_an_expiring_decision_names_its_expiry_the_way_each_version_does() -> None:
    decision = Authorization(AuthorizationStatus.ACCEPTED, expires_at=EXPIRES)
    assert set(id_token_info(decision)) == {"status", "expiry_date"}  # 1.6 idTagInfo
    # 2.0.1's IdTokenInfoType has no expiryDate: a station refuses it (FormatViolation)
    assert set(id_token_info(decision, v201=True)) == {"status", "cache_expiry_date_time"}


def test_a_decision_without_expiry_has_only_its_status() -> None:
    decision = Authorization(AuthorizationStatus.BLOCKED)
    assert id_token_info(decision) == id_token_info(decision, v201=True) == {"status": "Blocked"}
