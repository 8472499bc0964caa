"""The SQLAlchemy unit of work: repositories stage writes, ``commit`` hands them to the group
committer and returns once they are durable."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import Self

from kilowatt.domain.events import Event
from kilowatt.store import monitoring
from kilowatt.store.billing import CdrRepository, MeterHistoryRepository, TariffRepository
from kilowatt.store.committer import GroupCommitter
from kilowatt.store.device_model import DeviceModelRepository
from kilowatt.store.drivers import DriverRepository
from kilowatt.store.guests import GuestRepository
from kilowatt.store.local_lists import LocalListRepository
from kilowatt.store.remote_starts import RemoteStartRepository, RequestIdSequence
from kilowatt.store.repositories import (
    ApiKeyRepository,
    LocationRepository,
    StationRepository,
    StoreContext,
    TokenRepository,
    TransactionRepository,
)
from kilowatt.store.reservations import ReservationRepository
from kilowatt.store.vehicles import VehicleRepository
from kilowatt.store.writes import Write

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    def __init__(self, context: StoreContext, committer: GroupCommitter) -> None:
        self._context = context
        self._committer = committer
        self._writes: list[Write] = []
        self._touched: set[str] = set()
        self._events: list[Event] = []
        self._committed = False

    # Repositories are made on first use: most units of work need only one.
    @cached_property
    def api_keys(self) -> ApiKeyRepository:
        return ApiKeyRepository(self._context, self._writes, self._touched)

    @cached_property
    def locations(self) -> LocationRepository:
        return LocationRepository(self._context, self._writes, self._touched)

    @cached_property
    def stations(self) -> StationRepository:
        return StationRepository(self._context, self._writes, self._touched)

    @cached_property
    def tokens(self) -> TokenRepository:
        return TokenRepository(self._context, self._writes, self._touched)

    @cached_property
    def transactions(self) -> TransactionRepository:
        return TransactionRepository(self._context, self._writes, self._touched)

    @cached_property
    def tariffs(self) -> TariffRepository:
        return TariffRepository(self._context, self._writes, self._touched)

    @cached_property
    def cdrs(self) -> CdrRepository:
        return CdrRepository(self._context, self._writes, self._touched)

    @cached_property
    def meter_history(self) -> MeterHistoryRepository:
        return MeterHistoryRepository(self._context, self._writes, self._touched)

    @cached_property
    def alerts(self) -> monitoring.AlertRepository:
        return monitoring.AlertRepository(self._context, self._writes, self._touched)

    @cached_property
    def outages(self) -> monitoring.OutageRepository:
        return monitoring.OutageRepository(self._context, self._writes, self._touched)

    @cached_property
    def webhooks(self) -> monitoring.WebhookOutbox:
        return monitoring.WebhookOutbox(self._context, self._writes, self._touched)

    @cached_property
    def maintenance(self) -> monitoring.MaintenanceRepository:
        return monitoring.MaintenanceRepository(self._context, self._writes, self._touched)

    @cached_property
    def tickets(self) -> monitoring.TicketRepository:
        return monitoring.TicketRepository(self._context, self._writes, self._touched)

    @cached_property
    def device_model(self) -> DeviceModelRepository:
        return DeviceModelRepository(self._context, self._writes, self._touched)

    @cached_property
    def local_lists(self) -> LocalListRepository:
        return LocalListRepository(self._context, self._writes, self._touched)

    @cached_property
    def reservations(self) -> ReservationRepository:
        return ReservationRepository(self._context, self._writes, self._touched)

    @cached_property
    def remote_starts(self) -> RemoteStartRepository:
        return RemoteStartRepository(self._context, self._writes, self._touched)

    @cached_property
    def request_ids(self) -> RequestIdSequence:
        return RequestIdSequence(self._context, self._writes, self._touched)

    @cached_property
    def drivers(self) -> DriverRepository:
        return DriverRepository(self._context, self._writes, self._touched)

    @cached_property
    def guests(self) -> GuestRepository:
        return GuestRepository(self._context, self._writes, self._touched)

    @cached_property
    def vehicles(self) -> VehicleRepository:
        return VehicleRepository(self._context, self._writes, self._touched)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # A unit of work that only read leaves the cache alone: dropping it here would let a
        # reader reload a row that a commit under way has not reached yet.
        if not self._committed and self._touched and (exc_type is not None or self._writes):
            self._forget_touched()

    async def commit(self) -> None:
        writes, self._writes[:] = list(self._writes), []
        caches = (self._context.stations, self._context.transactions)
        stations = list(self._touched)
        for cache in caches:  # loads that overlap this commit are not cached
            for station_id in stations:
                cache.committing(station_id)
        try:
            await self._committer.commit(writes)
        except BaseException:
            self._forget_touched()
            raise
        finally:
            for cache in caches:
                for station_id in stations:
                    cache.committed(station_id)
        self._committed = True

    def record(self, *events: Event) -> None:
        self._events.extend(events)

    def collect_events(self) -> list[Event]:
        collected, self._events = self._events, []
        return collected

    def _forget_touched(self) -> None:
        """Cached aggregates may hold changes that never reached the database: drop them."""
        for station_id in self._touched:
            self._context.stations.forget_station(station_id)
            self._context.transactions.forget_station(station_id)
