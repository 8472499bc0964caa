"""What every use case needs, bundled once by bootstrap and passed to the service functions."""

from __future__ import annotations

from dataclasses import dataclass

from kilowatt.domain.locations import UnknownStationPolicy
from kilowatt.ports import Authorizer, Clock, EventPublisher, UnitOfWorkFactory

__all__ = ["BillingPolicy", "MonitoringRules", "ServiceContext", "StationPolicy"]


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
class MonitoringRules:
    """When a station counts as offline, when alerts open, whether they go to a webhook."""

    offline_grace_s: float = 600.0  # not heard from for this long: offline
    offline_alert_after_s: float = 900.0  # not heard from for this long: an alert
    meter_values_alert_after_s: float = 1800.0  # an active transaction silent this long
    webhook_enabled: bool = False
    webhook_max_attempts: int = 12
    webhook_retry_base_s: float = 10.0  # doubled after every failure, up to an hour


@dataclass(frozen=True, slots=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    clock: Clock
    authorizer: Authorizer
    events: EventPublisher
    policy: StationPolicy = StationPolicy()
    billing: BillingPolicy = BillingPolicy()
    monitoring: MonitoringRules = MonitoringRules()
