"""Driver accounts: who charges through the app, the one-time secrets they are sent
(email verification, password reset) and their sign-in sessions, and the tokens they own.

Secrets are random strings given to the driver once; only their SHA-256 digests are stored,
so a stolen database does not let anyone sign in or reset a password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilowatt.domain.errors import InvalidValue

__all__ = [
    "Driver",
    "DriverSecret",
    "SecretPurpose",
    "contract_id_for",
    "normalize_email",
    "require_password_rules",
]

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


class SecretPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    SESSION = "session"


@dataclass(slots=True)
class Driver:
    """A driver account. ``contract_id`` is the eMA id the driver's tokens carry."""

    id: str
    email: str
    password_hash: str
    contract_id: str
    created_at: datetime
    updated_at: datetime
    name: str | None = None
    language: str | None = None
    email_verified_at: datetime | None = None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


@dataclass(slots=True)
class DriverSecret:
    """A one-time link token or a sign-in session, known only by its digest."""

    digest: str
    driver_id: str
    purpose: SecretPurpose
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, purpose: SecretPurpose, now: datetime) -> bool:
        """Of this purpose, not expired, and (a link token) not used before."""
        return self.purpose is purpose and self.used_at is None and now < self.expires_at


def normalize_email(text: str) -> str:
    """Emails are compared case-insensitively: one account per address.

    >>> normalize_email("  Ada@Example.COM ")
    'ada@example.com'
    """
    email = text.strip().lower()
    if len(email) > 254 or _EMAIL.match(email) is None:
        raise InvalidValue(f"{text!r} is not an email address")
    return email


def require_password_rules(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidValue(
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )


def contract_id_for(country_code: str, party_id: str, number: int) -> str:
    """An eMA id for our ``number``-th contract, with the DIN SPEC 91286-style check letter
    simplified to a checksum over the characters (letters and digits).

    >>> contract_id_for("NL", "KWT", 12345678)
    'NL-KWT-C12345678-Q'
    """
    instance = f"C{number:08d}"
    body = f"{country_code}{party_id}{instance}"
    check = sum((i + 1) * int(c, 36) for i, c in enumerate(body)) % 36
    return f"{country_code}-{party_id}-{instance}-{_BASE36[check]}"


_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
