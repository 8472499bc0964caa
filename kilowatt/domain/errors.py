"""The domain's exceptions. Adapters translate them in one place each.

DomainError
├── InvalidValue               a value breaks a rule of the model (→ 422 / FormationViolation)
├── NotFound                   no such thing (→ 404)
│   ├── UnknownStation
│   ├── UnknownTransaction
│   └── UnknownToken
├── Conflict                   the request contradicts the stored state (→ 409)
│   ├── AlreadyExists
│   └── TransactionNotOwned    a station referred to another station's transaction
├── AccessDenied               credentials missing or wrong (→ 401 / handshake refused)
├── RateLimited                too many attempts for now; says when to retry (→ 429)
└── StationUnavailable         a command could not reach a station
    ├── StationOffline         it is not connected (→ 409)
    ├── StationTimeout         it did not answer in time (→ 504); retryable
    └── StationRefused         it answered with a CALLERROR (→ 502)
DeliveryFailed                 a webhook could not be delivered this time; retryable
"""

from __future__ import annotations

from datetime import timedelta

__all__ = [
    "AccessDenied",
    "AlreadyExists",
    "Conflict",
    "DeliveryFailed",
    "DomainError",
    "InvalidValue",
    "NotFound",
    "RateLimited",
    "StationOffline",
    "StationRefused",
    "StationTimeout",
    "StationUnavailable",
    "TransactionNotOwned",
    "UnknownStation",
    "UnknownToken",
    "UnknownTransaction",
]


class DomainError(Exception):
    """Base of every error the domain and services raise on purpose."""


class InvalidValue(DomainError):
    pass


class NotFound(DomainError):
    pass


class UnknownStation(NotFound):
    pass


class UnknownTransaction(NotFound):
    pass


class UnknownToken(NotFound):
    pass


class Conflict(DomainError):
    pass


class AlreadyExists(Conflict):
    pass


class TransactionNotOwned(Conflict):
    pass


class AccessDenied(DomainError):
    pass


class RateLimited(DomainError):
    """Too many attempts within a window; ``retry_after`` is when the next one may come."""

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StationUnavailable(DomainError):
    pass


class StationOffline(StationUnavailable):
    pass


class StationTimeout(StationUnavailable):
    pass


class StationRefused(StationUnavailable):
    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class DeliveryFailed(DomainError):
    """A webhook receiver did not take a delivery (unreachable, non-2xx); it is tried again."""
