"""What every use case needs, bundled once by bootstrap and passed to the service functions."""

from __future__ import annotations

from dataclasses import dataclass

from kilowatt.domain.locations import UnknownStationPolicy
from kilowatt.ports import Authorizer, Clock, EventPublisher, UnitOfWorkFactory

__all__ = ["BillingPolicy", "ServiceContext", "StationPolicy"]


@dataclass(frozen=True, slots=True)
class StationPolicy:
    unknown_stations: UnknownStationPolicy = UnknownStationPolicy.REJECT
    heartbeat_interval_s: int = 300
    pending_retry_interval_s: int = 60


@dataclass(frozen=True, slots=True)
class BillingPolicy:
    """Who we are on CDRs and sessions (OCPI party), and what a session without a tariff
    is priced in."""

    country_code: str = "NL"
    party_id: str = "KWT"
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    clock: Clock
    authorizer: Authorizer
    events: EventPublisher
    policy: StationPolicy = StationPolicy()
    billing: BillingPolicy = BillingPolicy()
