"""The seams between the service layer and its adapters, as ``typing.Protocol`` classes.

Services depend on these only; ``bootstrap`` picks the implementations (the SQLAlchemy store,
the in-process station gateway, the system clock).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

from kilowatt.domain.alerts import Alert, AlertKind
from kilowatt.domain.availability import MaintenanceWindow, Period
from kilowatt.domain.device_model import DeviceVariable, StationSelector
from kilowatt.domain.drivers import Driver, DriverSecret
from kilowatt.domain.events import Event
from kilowatt.domain.guests import Guest
from kilowatt.domain.invoices import Invoice, InvoiceRefund, Month
from kilowatt.domain.local_lists import LocalList
from kilowatt.domain.locations import ChargingStation, Location
from kilowatt.domain.payments import Payment, PaymentRefund
from kilowatt.domain.remote_starts import RemoteStartRecord
from kilowatt.domain.reservations import Reservation
from kilowatt.domain.roaming import Endpoint, Partner, PartyAddress
from kilowatt.domain.roaming_objects import (
    ObjectKey,
    ReceivedModule,
    ReceivedObject,
    SentCommand,
)
from kilowatt.domain.session_readings import SessionRecord
from kilowatt.domain.subscriptions import Plan, Subscription
from kilowatt.domain.tariff_selection import OfferedTariff
from kilowatt.domain.tickets import Ticket
from kilowatt.domain.tokens import Authorization, AuthorizationRequest, IdToken
from kilowatt.domain.transactions import MeterSample, Transaction, TransactionEvent
from kilowatt.domain.vehicles import Vehicle

__all__ = [
    "AlertRepository",
    "ApiKey",
    "ApiKeyRepository",
    "Authorizer",
    "AvailabilityHistory",
    "CdrFilter",
    "CdrRecord",
    "CdrRepository",
    "Clock",
    "ConnectorStatusReport",
    "DeviceModelRepository",
    "DriverRepository",
    "EventPublisher",
    "EvseRef",
    "GuestRepository",
    "LocalListRepository",
    "LocationRepository",
    "Mail",
    "Mailer",
    "MaintenanceRepository",
    "MessageFilter",
    "MessageLog",
    "MeterHistory",
    "OcppExchange",
    "Outage",
    "OutageRepository",
    "PaymentGateway",
    "PaymentHold",
    "Queries",
    "RemoteStartRepository",
    "RequestIds",
    "ReservationRepository",
    "SilentStation",
    "StationGateway",
    "StationReport",
    "StationRepository",
    "TariffRepository",
    "TicketRepository",
    "TokenRepository",
    "TransactionRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "WebhookDelivery",
    "WebhookOutbox",
    "WebhookSender",
]
__all__ += [
    "OcpiPage",
    "PartnerRegistry",
    "PulledPage",
    "ReceivedObjects",
    "RoamingPeer",
    "RoamingReads",
    "RoamingReservations",
    "SentCommands",
    "UpdatedWindow",
]  # issue 6
__all__ += [
    "IntentStatus",
    "PaymentLookup",
    "PaymentStore",
    "ProviderEvent",
    "SavedCard",
    "SavedCards",
    "SubscriptionBilling",
    "SubscriptionStore",
]  # issue 7, payments
__all__ += ["Favourites"]  # driver app (issue 7)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True, slots=True)
class ConnectorStatusReport:
    """A StatusNotification, as recorded in the status history."""

    station_id: str
    evse_id: int  # 0 = the station as a whole
    connector_id: int
    status: str
    reported_at: datetime
    received_at: datetime
    error_code: str | None = None
    info: str | None = None
    vendor_error_code: str | None = None


@dataclass(frozen=True, slots=True)
class StationReport:
    """Something a station reported that the core keeps as sent: NotifyEvent, NotifyReport,
    SecurityEventNotification, firmware/diagnostics/log status, DataTransfer."""

    station_id: str
    kind: str  # the OCPP action
    reported_at: datetime
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OcppExchange:
    """One OCPP request and its answer, either direction, for the per-station message log."""

    station_id: str
    message_id: str
    direction: str  # "in" (station → CSMS) or "out"
    action: str
    request: Any
    response: Any
    error_code: str | None
    received_at: datetime
    duration_us: int


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An operator API key, known only by its digest."""

    digest: str
    name: str
    role: str  # "admin" | "operator" | "support" | ...
    created_at: datetime


class ApiKeyRepository(Protocol):
    async def get(self, digest: str) -> ApiKey | None: ...
    def add(self, key: ApiKey) -> None: ...


class LocationRepository(Protocol):
    async def get(self, location_id: str) -> Location | None: ...
    def add(self, location: Location) -> None: ...
    def save(self, location: Location) -> None: ...
    def delete(self, location_id: str) -> None: ...


class StationRepository(Protocol):
    async def get(self, station_id: str) -> ChargingStation | None:
        """The station with its EVSEs and connectors."""
        ...

    def add(self, station: ChargingStation) -> None: ...
    def save(self, station: ChargingStation, *, with_evses: bool = False) -> None: ...
    def touch(self, station_id: str, last_heartbeat_at: datetime) -> None:
        """Record that the station was heard from (a narrow, cheap update)."""
        ...

    def delete(self, station_id: str) -> None: ...
    def forget_cached(self, station_id: str) -> None:
        """Drop what this process remembers of the station (it has just connected here)."""
        ...

    def record_status(self, report: ConnectorStatusReport) -> None:
        """Keep a status in the history (once) and as the connector's current status."""
        ...

    def record_report(self, report: StationReport) -> None: ...


class TokenRepository(Protocol):
    async def get(self, uid: str) -> IdToken | None: ...
    def add(self, token: IdToken) -> None: ...
    def save(self, token: IdToken) -> None: ...
    def delete(self, uid: str) -> None: ...


class TransactionRepository(Protocol):
    async def get(self, station_id: str, transaction_id: str) -> Transaction | None: ...
    async def by_pk(self, pk: str) -> Transaction | None: ...
    async def by_start_key(self, station_id: str, start_key: str) -> Transaction | None: ...
    async def active_with_token(self, uid: str) -> Sequence[Transaction]: ...
    async def next_legacy_id(self) -> int:
        """A fresh OCPP 1.6 integer transaction id, unique across processes."""
        ...

    def add(self, transaction: Transaction) -> None: ...
    def save(self, transaction: Transaction) -> None: ...
    def record_event(self, transaction: Transaction, event: TransactionEvent) -> None:
        """Keep the reported event as it came (seqNo, offline, trigger) once."""
        ...

    def record_samples(
        self,
        transaction: Transaction | None,
        station_id: str,
        evse_id: int,
        samples: Sequence[MeterSample],
    ) -> None:
        """Keep meter samples (once each), with or without a transaction."""
        ...

    async def unmetered_since(self, cutoff: datetime) -> Sequence[Transaction]:
        """Active transactions with no meter value (nor start) since ``cutoff``."""
        ...


@dataclass(frozen=True, slots=True)
class CdrRecord:
    """An issued CDR as stored: the OCPI CDR object and what it is filed under."""

    body: Mapping[str, Any]
    transaction_pk: str
    revision: int
    credit: bool
    station_id: str
    location_id: str | None
    id_token: str | None


@dataclass(frozen=True, slots=True)
class CdrFilter:
    """Which CDRs to list; times bound ``end_date_time`` (from inclusive, to exclusive)."""

    station_id: str | None = None
    location_id: str | None = None
    id_token: str | None = None
    transaction_pk: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None


class TariffRepository(Protocol):
    async def get(self, tariff_id: str) -> OfferedTariff | None: ...
    async def offered(self, tariff_ids: Sequence[str]) -> list[OfferedTariff]:
        """The tariffs of ``tariff_ids`` that exist, in that order."""
        ...

    async def referenced_by(self, tariff_id: str) -> list[str]:
        """The stations with a connector that names the tariff."""
        ...

    def save(self, offer: OfferedTariff) -> None: ...
    def delete(self, tariff_id: str) -> None: ...


class CdrRepository(Protocol):
    async def get(self, cdr_id: str) -> CdrRecord | None: ...
    async def of_transaction(self, transaction_pk: str) -> Sequence[CdrRecord]:
        """Every CDR issued for a transaction, by revision, credit CDRs after their original."""
        ...

    async def unbilled(self, limit: int) -> Sequence[tuple[str, str]]:
        """(station id, transaction id) of completed transactions that have no CDR yet."""
        ...

    def add(self, record: CdrRecord) -> None: ...


class MeterHistory(Protocol):
    async def session_record(self, transaction: Transaction, until: datetime) -> SessionRecord:
        """What the station reported of a transaction's energy, state, power and current."""
        ...

    async def signed_samples(self, transaction_pk: str) -> Sequence[MeterSample]:
        """The transaction's samples that carry signed meter data, in time order."""
        ...


class DeviceModelRepository(Protocol):
    """Configuration keys (1.6) and device model variables (2.0.1) per station."""

    async def variables(
        self, station_id: str, *, component: str | None = None, variable: str | None = None
    ) -> Sequence[DeviceVariable]: ...
    def save(self, station_id: str, variables: Sequence[DeviceVariable]) -> None:
        """Keep these values, replacing what was stored under the same references."""
        ...

    async def stations_matching(self, selector: StationSelector) -> Sequence[str]:
        """The ids of the stations a bulk operation reaches."""
        ...


class LocalListRepository(Protocol):
    """What each station's local authorization list holds, as far as we know."""

    async def get(self, station_id: str) -> LocalList | None: ...
    def save(self, local_list: LocalList) -> None: ...
    async def stations_holding(self) -> Sequence[str]:
        """Stations that were sent a list (they must follow token changes)."""
        ...

    async def tokens(self) -> Sequence[IdToken]:
        """Every token in the store (what a full list is made from)."""
        ...


class ReservationRepository(Protocol):
    async def next_id(self) -> int:
        """A fresh reservation id (an OCPP integer), unique across processes."""
        ...

    async def get(self, reservation_id: int) -> Reservation | None: ...
    async def active(self, station_id: str) -> Sequence[Reservation]:
        """The station's reservations whose status is ACTIVE (some may be past expiry)."""
        ...

    async def evse_statuses(self, station_id: str) -> Mapping[int, Sequence[str]]:
        """The current status of each connector, by EVSE (1.6: connector; 0 left out)."""
        ...

    def save(self, reservation: Reservation) -> None: ...


class RequestIds(Protocol):
    async def next(self) -> int:
        """A fresh OCPP ``requestId`` (GetReport, GetLog, UpdateFirmware, monitoring...),
        unique across processes: two requests in the same millisecond never share one."""
        ...


class RemoteStartRepository(Protocol):
    async def next_id(self) -> int:
        """A fresh remoteStartId, unique across processes."""
        ...

    async def get(self, station_id: str, remote_start_id: int) -> RemoteStartRecord | None: ...
    async def unlinked(self, station_id: str) -> Sequence[RemoteStartRecord]:
        """Requested or accepted remote starts not linked to a transaction, oldest first."""
        ...

    def save(self, record: RemoteStartRecord) -> None: ...


class UnitOfWork(Protocol):
    """One atomic change: repositories stage writes; ``commit`` makes them durable together.

    Leaving the ``async with`` block without ``commit`` discards the staged writes.
    """

    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def locations(self) -> LocationRepository: ...
    @property
    def stations(self) -> StationRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def transactions(self) -> TransactionRepository: ...
    @property
    def tariffs(self) -> TariffRepository: ...
    @property
    def cdrs(self) -> CdrRepository: ...
    @property
    def meter_history(self) -> MeterHistory: ...
    @property
    def alerts(self) -> AlertRepository: ...
    @property
    def outages(self) -> OutageRepository: ...
    @property
    def webhooks(self) -> WebhookOutbox: ...
    @property
    def maintenance(self) -> MaintenanceRepository: ...
    @property
    def tickets(self) -> TicketRepository: ...
    @property
    def device_model(self) -> DeviceModelRepository: ...
    @property
    def local_lists(self) -> LocalListRepository: ...
    @property
    def reservations(self) -> ReservationRepository: ...
    @property
    def remote_starts(self) -> RemoteStartRepository: ...
    @property
    def request_ids(self) -> RequestIds: ...
    @property
    def drivers(self) -> DriverRepository: ...
    @property
    def guests(self) -> GuestRepository: ...
    @property
    def vehicles(self) -> VehicleRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    def record(self, *events: Event) -> None:
        """Events to publish once the unit of work has committed."""
        ...

    def collect_events(self) -> list[Event]: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class StationGateway(Protocol):
    """The one way to talk to a connected station (the scale-out seam: a message bus can route
    the call to the node that holds the station's socket).

    ``call`` sends an OCPP request (action and camelCase payload as on the wire) and returns the
    station's camelCase response; it raises ``StationOffline``, ``StationTimeout`` or
    ``StationRefused`` (the station answered with a CALLERROR).
    """

    async def call(
        self, station_id: str, action: str, payload: Mapping[str, Any], timeout_s: float
    ) -> dict[str, Any]: ...

    def is_connected(self, station_id: str) -> bool: ...
    def connected_stations(self) -> Sequence[str]: ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[Event]) -> None: ...


class MessageLog(Protocol):
    def record(self, exchange: OcppExchange) -> None:
        """Keep an exchange; best effort, never delays the answer to the station."""
        ...

    async def prune(self, before: datetime) -> int:
        """Forget exchanges received before ``before``; returns how many."""
        ...


class Authorizer(Protocol):
    """May this token charge? Local tokens first; driver accounts and roaming extend the chain."""

    async def authorize(self, request: AuthorizationRequest) -> Authorization | None:
        """A decision, or None when this authorizer does not know the token."""
        ...


class Queries(Protocol):
    """The read side, for the API: lists and details, never used to make decisions."""

    async def locations(self, *, limit: int, offset: int) -> Sequence[Location]: ...
    async def location(self, location_id: str) -> Location | None: ...
    async def stations(
        self, *, location_id: str | None, limit: int, offset: int
    ) -> Sequence[ChargingStation]: ...
    async def station(self, station_id: str) -> ChargingStation | None: ...
    async def connector_statuses(self, station_id: str) -> Sequence[ConnectorStatusReport]: ...
    async def status_history(
        self, station_id: str, *, limit: int, offset: int
    ) -> Sequence[ConnectorStatusReport]: ...
    async def tokens(self, *, limit: int, offset: int) -> Sequence[IdToken]: ...
    async def transactions(
        self,
        *,
        station_id: str | None,
        status: str | None,
        id_token: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[Transaction]: ...
    async def transaction(self, station_id: str, transaction_id: str) -> Transaction | None: ...
    async def meter_samples(self, transaction_pk: str) -> Sequence[MeterSample]: ...
    async def messages(
        self, station_id: str, *, action: str | None, limit: int, offset: int
    ) -> Sequence[OcppExchange]: ...

    async def reports(
        self, station_id: str, *, kind: str | None, limit: int, offset: int
    ) -> Sequence[StationReport]: ...
    async def tariffs(
        self, *, driver_group: str | None, limit: int, offset: int
    ) -> Sequence[OfferedTariff]: ...
    async def cdrs(self, where: CdrFilter, *, limit: int, offset: int) -> Sequence[CdrRecord]: ...
    async def cdr(self, cdr_id: str) -> CdrRecord | None: ...
    # monitoring (issue 4); also AvailabilityHistory's methods, below
    async def filtered_messages(
        self, station_id: str, where: MessageFilter, *, limit: int, offset: int
    ) -> Sequence[OcppExchange]: ...
    async def alerts(
        self,
        *,
        state: str | None,
        kind: str | None,
        station_id: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[Alert]: ...
    async def alert(self, alert_id: str) -> Alert | None: ...
    async def evses(
        self, *, location_id: str | None, station_id: str | None, evse_id: int | None
    ) -> Sequence[EvseRef]: ...
    async def status_changes(
        self, station_id: str, period: Period
    ) -> Sequence[ConnectorStatusReport]: ...
    async def outages(self, station_id: str, period: Period) -> Sequence[Outage]: ...
    async def maintenance_windows(
        self, station_id: str | None, period: Period
    ) -> Sequence[MaintenanceWindow]: ...
    async def tickets(
        self,
        *,
        state: str | None,
        station_id: str | None,
        assignee: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[Ticket]:
        """Without their comments, newest first."""
        ...

    async def offline_since(self, station_id: str) -> datetime | None:
        """When the station's current outage started (None: it is not offline)."""
        ...

    async def device_model(
        self,
        station_id: str,
        *,
        component: str | None,
        variable: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[DeviceVariable]: ...
    async def local_list(self, station_id: str) -> LocalList | None: ...
    async def reservations(
        self, station_id: str, *, limit: int, offset: int
    ) -> Sequence[Reservation]: ...
    async def remote_start(
        self, station_id: str, transaction_id: str, remote_start_id: int | None
    ) -> RemoteStartRecord | None:
        """The remote start linked to the transaction, or the one its remoteStartId names."""
        ...


# --- monitoring (issue 4) ---


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """Which OCPP exchanges of a station to list (None: any)."""

    action: str | None = None
    direction: str | None = None  # "in" | "out"
    errors_only: bool = False
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outage:
    """A stretch during which a station was not heard from; ``ended_at`` None: still silent."""

    id: str
    station_id: str
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SilentStation:
    station_id: str
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One webhook call in the outbox: the body is fixed when the event happens."""

    id: str
    event: str
    body: str
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None  # None: delivered or given up
    delivered_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class EvseRef:
    station_id: str
    evse_id: int


class AlertRepository(Protocol):
    async def get(self, alert_id: str) -> Alert | None: ...
    async def active(self, kind: AlertKind, station_id: str | None = None) -> Sequence[Alert]:
        """Open or acknowledged alerts of a kind, of one station or of all."""
        ...

    def add(self, alert: Alert) -> None: ...
    def save(self, alert: Alert) -> None: ...


class OutageRepository(Protocol):
    async def silent_stations(self, cutoff: datetime) -> Sequence[SilentStation]:
        """Stations last heard from before ``cutoff``."""
        ...

    async def open_outages(self) -> Sequence[Outage]: ...
    def save(self, outage: Outage) -> None: ...


class WebhookOutbox(Protocol):
    def add(self, delivery: WebhookDelivery) -> None: ...
    async def due(self, now: datetime, limit: int) -> Sequence[WebhookDelivery]: ...
    def save(self, delivery: WebhookDelivery) -> None: ...


class MaintenanceRepository(Protocol):
    async def get(self, window_id: str) -> MaintenanceWindow | None: ...
    def add(self, window: MaintenanceWindow) -> None: ...
    def save(self, window: MaintenanceWindow) -> None: ...
    def delete(self, window_id: str) -> None: ...


class WebhookSender(Protocol):
    async def send(self, delivery: WebhookDelivery) -> None:
        """POST the delivery's body, signed; raises ``DeliveryFailed`` when not taken."""
        ...


class AvailabilityHistory(Protocol):
    """What availability is computed from (the read side)."""

    async def evses(
        self, *, location_id: str | None, station_id: str | None, evse_id: int | None
    ) -> Sequence[EvseRef]: ...
    async def status_changes(
        self, station_id: str, period: Period
    ) -> Sequence[ConnectorStatusReport]:
        """The station's statuses within ``period`` and, per connector, the last one before it,
        oldest first."""
        ...

    async def outages(self, station_id: str, period: Period) -> Sequence[Outage]: ...
    async def maintenance_windows(
        self, station_id: str | None, period: Period
    ) -> Sequence[MaintenanceWindow]:
        """Windows overlapping ``period``, of one station or of all."""
        ...


class TicketRepository(Protocol):
    async def get(self, ticket_id: str) -> Ticket | None:
        """The ticket with its comments, oldest first."""
        ...

    def add(self, ticket: Ticket) -> None: ...
    def save(self, ticket: Ticket) -> None:
        """The ticket's fields, and any comment not stored yet."""
        ...


# --- drivers and payments (issue 7) ---


class DriverRepository(Protocol):
    """Driver accounts, their secrets (link tokens, sessions) and the tokens they own."""

    async def get(self, driver_id: str) -> Driver | None: ...
    async def by_email(self, email: str) -> Driver | None: ...
    async def by_contract_id(self, contract_id: str) -> Driver | None: ...
    def add(self, driver: Driver) -> None: ...
    def save(self, driver: Driver) -> None: ...
    async def secret(self, digest: str) -> DriverSecret | None: ...
    def add_secret(self, secret: DriverSecret) -> None: ...
    def save_secret(self, secret: DriverSecret) -> None: ...
    def revoke_sessions(self, driver_id: str) -> None:
        """Forget every sign-in session of the driver (after a password reset)."""
        ...

    def link_token(self, driver_id: str, uid: str, linked_at: datetime) -> None: ...
    async def tokens(self, driver_id: str) -> Sequence[IdToken]:
        """The driver's tokens (app token and cards), oldest first."""
        ...

    async def owner_of(self, uid: str) -> str | None:
        """The id of the driver who owns token ``uid``, if any."""
        ...


class GuestRepository(Protocol):
    """Ad hoc guests (a session paid by card without an account)."""

    async def get(self, guest_id: str) -> Guest | None: ...
    async def by_secret(self, digest: str) -> Guest | None: ...
    async def by_token(self, uid: str) -> Guest | None: ...
    def save(self, guest: Guest) -> None: ...


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None:
        """Deliver (or, without a mail server, log) a message to a driver."""
        ...


@dataclass(frozen=True, slots=True)
class PaymentHold:
    """A pre-authorisation: hold ``amount_minor`` on a saved card of a customer."""

    customer: str
    payment_method: str
    amount_minor: int
    currency: str
    idempotency_key: str


class PaymentGateway(Protocol):
    """The payment provider (Stripe). Card data never reaches us: the app tokenises the card
    with the provider and hands us its payment method id. Every creating call carries an
    idempotency key, so a retry never charges twice."""

    async def create_customer(self, email: str, idempotency_key: str) -> str: ...
    async def attach_card(self, customer: str, payment_method: str) -> None:
        """Save a tokenised card on the customer; raises PaymentDeclined if refused."""
        ...

    async def hold(self, hold: PaymentHold) -> str:
        """Place the hold and return its reference; raises PaymentDeclined."""
        ...

    async def capture(self, reference: str, amount_minor: int, idempotency_key: str) -> None:
        """Take ``amount_minor`` (> 0) of the hold; the rest is released."""
        ...

    async def release(self, reference: str, idempotency_key: str) -> None: ...
    async def refund(self, reference: str, amount_minor: int, idempotency_key: str) -> str:
        """Give back ``amount_minor`` of what was captured; returns the refund's reference."""
        ...


# --- roaming (issue 6) ---

_T = TypeVar("_T")


class PartnerRegistry(Protocol):
    """The OCPI platforms we roam with; each write is durable when the call returns."""

    async def get(self, partner_id: str) -> Partner | None: ...
    async def by_token(self, digest: str) -> Partner | None:
        """The partner whose token (A while invited, C once registered) has this digest."""
        ...

    async def all(self) -> Sequence[Partner]: ...
    async def save(self, partner: Partner) -> None: ...


class RoamingPeer(Protocol):
    """Calls to a partner's OCPI API (``token`` is the one they gave us, sent base64).

    Calls to functional modules carry the routing headers: from us, to ``to`` (the push's
    ``to``) when known; configuration modules (versions, credentials) never do."""

    async def versions(self, url: str, token: str) -> Sequence[Mapping[str, Any]]:
        """Their ``/versions`` list: [{"version": "2.2.1", "url": ...}]."""
        ...

    async def endpoints(self, url: str, token: str) -> Sequence[Endpoint]:
        """The modules of one version (its details URL)."""
        ...

    async def post_credentials(
        self, url: str, token: str, credentials: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """POST our credentials to their credentials module; their credentials come back."""
        ...

    async def delete_credentials(self, url: str, token: str) -> None: ...
    async def push(self, push: OcpiPush, token: str) -> None:
        """Send one outbox entry to its receiver; raises ``PartnerFailed`` unless accepted."""
        ...

    async def authorize(
        self, url: str, token: str, token_type: str, to: PartyAddress | None
    ) -> Mapping[str, Any] | None:
        """Real-time authorization: their AuthorizationInfo, or None for an unknown token."""
        ...

    async def page(self, url: str, token: str, to: PartyAddress | None) -> PulledPage:
        """One page of a Sender's list; ``url`` carries the query (offset, limit, date_from)."""
        ...

    async def command(
        self, url: str, token: str, body: Mapping[str, Any], to: PartyAddress | None
    ) -> Mapping[str, Any]:
        """POST a command to their Commands receiver; their CommandResponse comes back."""
        ...


@dataclass(frozen=True, slots=True)
class PulledPage:
    items: Sequence[Any]
    next_url: str | None  # from the Link rel="next" header; None on the last page


@dataclass(frozen=True, slots=True)
class UpdatedWindow:
    """OCPI ``date_from`` (inclusive) and ``date_to`` (exclusive) on ``last_updated``."""

    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class OcpiPage(Generic[_T]):
    items: Sequence[_T]
    total: int


class RoamingReads(Protocol):
    """The read side of the OCPI Sender modules: pages with their total count."""

    async def published_locations(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[Location]: ...
    async def location_stations(self, location_id: str) -> Sequence[ChargingStation]: ...
    async def session_keys(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[tuple[str, str]]:
        """(station id, transaction id) of transactions updated in the window."""
        ...

    async def cdr_bodies(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[Mapping[str, Any]]: ...
    async def tariff_page(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[OfferedTariff]: ...
    async def driver_token_page(
        self, window: UpdatedWindow, *, limit: int, offset: int
    ) -> OcpiPage[IdToken]:
        """Our drivers' tokens (cards and app tokens), by ``updated_at``."""
        ...

    async def driver_token(self, uid: str) -> IdToken | None:
        """The token ``uid`` if it is one of our drivers' (roaming tokens are not)."""
        ...


@dataclass(frozen=True, slots=True)
class OcpiPush:
    """One call to a partner's Receiver module in the outbox; the body is fixed when the
    change happens. ``object_key`` orders pushes: one at a time per (partner, key)."""

    partner_id: str
    object_key: str
    method: str  # PUT, PATCH or POST
    url: str
    body: str
    created_at: datetime
    seq: int | None = None  # assigned by the store, in the order pushes were added
    attempts: int = 0
    next_attempt_at: datetime | None = None  # None: delivered or given up
    delivered_at: datetime | None = None
    last_error: str | None = None
    to_country_code: str | None = None  # the partner's party it is for (routing headers)
    to_party_id: str | None = None

    @property
    def to(self) -> PartyAddress | None:
        if self.to_country_code is None or self.to_party_id is None:
            return None
        return PartyAddress(self.to_country_code, self.to_party_id)

    def addressed(self, to: PartyAddress | None) -> OcpiPush:
        """The same push, for the partner's party ``to`` (None: open routing)."""
        if to is None:
            return self
        return dataclasses.replace(self, to_country_code=to.country_code, to_party_id=to.party_id)


class PushOutbox(Protocol):
    """The durable outbox of OCPI pushes; ``add`` is committed when it returns."""

    async def add(self, pushes: Sequence[OcpiPush]) -> None: ...
    async def due(self, now: datetime, limit: int) -> Sequence[OcpiPush]:
        """Due pushes that are the oldest pending one of their (partner, key), by seq."""
        ...

    async def save(self, push: OcpiPush) -> None: ...
    async def latest(self, partner_id: str, object_keys: Sequence[str]) -> Mapping[str, datetime]:
        """When the newest push of each of ``object_keys`` to the partner was staged (keys
        never pushed are left out)."""
        ...


class RoamingReservations(Protocol):
    """An eMSP's RESERVE_NOW reservation ids (unique per partner) and ours; committed at once."""

    async def ours(self, partner_id: str, reservation_id: str) -> int | None: ...
    async def keep(
        self, partner_id: str, reservation_id: str, our_id: int, at: datetime
    ) -> None: ...


class ReceivedObjects(Protocol):
    """Partner CPOs' Locations, Sessions, CDRs and Tariffs as sent (eMSP role); each write
    is durable when the call returns."""

    async def get(self, module: ReceivedModule, key: ObjectKey) -> ReceivedObject | None: ...
    async def put(self, item: ReceivedObject) -> None: ...
    async def delete(self, module: ReceivedModule, key: ObjectKey) -> None: ...
    async def page(
        self,
        module: ReceivedModule,
        partner_id: str | None,
        *,
        limit: int,
        offset: int,
        published_only: bool = False,
    ) -> OcpiPage[ReceivedObject]:
        """Ordered by country code, party id and id; all partners' when ``partner_id`` is None;
        ``published_only``: locations with ``publish`` true."""
        ...

    async def cdr_of_session(self, session: ObjectKey) -> ReceivedObject | None:
        """The CDR a partner sent for that session (``session_id`` under its party)."""
        ...

    async def of_tokens(
        self,
        module: ReceivedModule,
        token_uids: Sequence[str],
        *,
        limit: int,
        offset: int,
        object_id: str | None = None,
    ) -> OcpiPage[ReceivedObject]:
        """Sessions or CDRs whose ``cdr_token`` is one of ``token_uids`` (only ``object_id``
        when given), the most recently updated first."""
        ...


class SentCommands(Protocol):
    """Commands we sent to partner CPOs, with their answers; each save durable on return."""

    async def get(self, command_id: str) -> SentCommand | None: ...
    async def save(self, command: SentCommand) -> None: ...


# --- payments (issue 7) ---


@dataclass(frozen=True, slots=True)
class SavedCard:
    """A card saved with the provider, as the driver may see it (never its number)."""

    id: str  # the provider's payment method id
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    default: bool = False


class SavedCards(Protocol):
    """A driver's cards at the provider. Card data goes from the app to the provider only:
    we hand the app a SetupIntent's client secret and later see the saved card's id."""

    async def setup_intent(self, customer: str, idempotency_key: str) -> str:
        """A SetupIntent for the customer; returns its client secret for Stripe.js."""
        ...

    async def cards(self, customer: str) -> Sequence[SavedCard]: ...
    async def saved_by(self, setup_intent: str) -> str | None:
        """The card a SetupIntent saved once it succeeded (None before)."""
        ...

    async def set_default(self, customer: str, payment_method: str) -> None: ...
    async def detach(self, payment_method: str) -> None: ...


@dataclass(frozen=True, slots=True)
class IntentStatus:
    """What the provider says of one hold: its status and the amount it received (captured)."""

    reference: str
    status: str  # requires_capture | succeeded | canceled | ...
    received_minor: int


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified webhook event: about a hold (``intent``), or a subscription that ended
    (``ended_subscription``, its id), or neither."""

    id: str
    type: str
    intent: IntentStatus | None
    ended_subscription: str | None = None


class PaymentLookup(Protocol):
    """Reading the provider's side, for a lost or late webhook."""

    async def intent(self, reference: str) -> IntentStatus: ...
    def verify(self, payload: bytes, signature: str) -> ProviderEvent:
        """A webhook's event if its signature is good; raises AccessDenied if not."""
        ...


class PaymentStore(Protocol):
    """Payments, refunds, Stripe customers and handled webhook events; each write is
    durable when the call returns (payments follow the provider, not a unit of work)."""

    async def save(self, payment: Payment) -> None: ...
    async def get(self, payment_id: str) -> Payment | None: ...
    async def by_reference(self, reference: str) -> Payment | None: ...
    async def of_transaction(self, transaction_pk: str) -> Sequence[Payment]: ...
    async def of_driver(self, driver_id: str, limit: int, offset: int) -> Sequence[Payment]: ...
    async def of_cdr(self, cdr_id: str) -> Sequence[Payment]: ...
    async def unlinked(self, station_id: str) -> Sequence[Payment]:
        """Start holds at the station (held or released) not yet linked to a transaction."""
        ...

    async def of_roaming_session(self, session_key: str) -> Sequence[Payment]:
        """The holds of a partner's session, ``{country}:{party}:{session id}``."""
        ...

    async def by_roaming_reference(self, reference: str) -> Sequence[Payment]:
        """The hold whose START_SESSION carried this authorization_reference."""
        ...

    async def unlinked_roaming(
        self, driver_id: str, partner_id: str, location_id: str
    ) -> Sequence[Payment]:
        """The driver's start holds (held or released) for a partner's location that no
        partner session claimed yet."""
        ...

    async def authorized(self, limit: int) -> Sequence[Payment]: ...
    async def add_refund(self, refund: PaymentRefund, payment: Payment) -> None:
        """The refund and the payment it changed, together."""
        ...

    async def refunds(self, payment_ids: Sequence[str]) -> Sequence[PaymentRefund]: ...
    async def refund_by_key(self, idempotency_key: str) -> Sequence[PaymentRefund]: ...
    async def customer(self, driver_id: str) -> str | None: ...
    async def add_customer(self, driver_id: str, customer: str, now: datetime) -> None: ...
    async def seen_event(self, event_id: str) -> bool: ...
    async def add_event(self, event_id: str, now: datetime) -> None: ...


class SubscriptionBilling(Protocol):
    """Recurring plans at the provider (Stripe's legacy Plans API, which localstripe has)."""

    async def create_plan(
        self, name: str, amount_minor: int, currency: str, interval: str, idempotency_key: str
    ) -> str:
        """The provider's plan id."""
        ...

    async def subscribe(
        self, customer: str, plan: str, payment_method: str, idempotency_key: str
    ) -> str:
        """The subscription's id once its first period is paid; raises PaymentDeclined."""
        ...

    async def cancel(self, reference: str) -> None: ...
    async def status(self, reference: str) -> str:
        """What the provider says of the subscription now: ``active``, ``past_due``,
        ``unpaid``, ``canceled``, ... (its own words; the domain maps them)."""
        ...


class SubscriptionStore(Protocol):
    """Plans and subscriptions; each write durable when the call returns."""

    async def add_plan(self, plan: Plan) -> None: ...
    async def plan(self, plan_id: str) -> Plan | None: ...
    async def plans(self) -> Sequence[Plan]: ...
    async def save(self, subscription: Subscription) -> None: ...
    async def active_of(self, driver_id: str) -> Subscription | None:
        """The driver's subscription that has not ended (active or past due)."""
        ...

    async def by_reference(self, reference: str) -> Subscription | None: ...
    async def unended(self, limit: int) -> Sequence[Subscription]:
        """Subscriptions not yet CANCELED, oldest first (the reconcile poll)."""
        ...


# --- driver app (issue 7) ---


class Favourites(Protocol):
    """The locations each driver starred; each write is durable when the call returns."""

    async def of(self, driver_id: str) -> Sequence[str]:
        """The starred location ids, oldest star first."""
        ...

    async def star(self, driver_id: str, location_id: str, at: datetime) -> None:
        """Idempotent: starring a starred location changes nothing."""
        ...

    async def unstar(self, driver_id: str, location_id: str) -> None: ...


# --- postpaid invoices (issue 7) ---

__all__ += ["InvoiceCharges", "InvoiceDocuments", "InvoiceStore"]


class InvoiceCharges(Protocol):
    """Charging an invoice at the provider: one off-session payment, captured at once."""

    async def charge(self, charge: PaymentHold) -> str:
        """Charge ``amount_minor`` to the saved card now (confirm, off session); the payment's
        reference. Raises PaymentDeclined (with the reason) when the card is refused or
        needs the driver (3-D Secure)."""
        ...


class InvoiceStore(Protocol):
    """Postpaid drivers and their invoices; each write durable when the call returns."""

    async def set_postpaid(self, driver_id: str, since: datetime, set_by: str) -> None: ...
    async def unset_postpaid(self, driver_id: str) -> None: ...
    async def postpaid_since(self, driver_id: str) -> datetime | None: ...
    async def postpaid_drivers(self) -> Sequence[tuple[str, datetime]]: ...
    async def uninvoiced_cdrs(
        self, driver_id: str, since: datetime, until: datetime
    ) -> Sequence[CdrRecord]:
        """The driver's CDRs issued in [since, until) on no invoice yet, but for those of
        sessions paid by card holds (pay as you go)."""
        ...

    async def uninvoiced_partner_cdrs(
        self, driver_id: str, since: datetime, until: datetime
    ) -> Sequence[dict[str, Any]]:
        """The OCPI CDRs partner CPOs sent for the driver's tokens, received in [since,
        until), on no invoice yet, but for those of sessions paid by card holds."""
        ...

    async def issue(self, invoice: Invoice, prefix: str) -> Invoice:
        """Store the invoice with the next number of its year (gapless), its lines with it,
        in one transaction; Conflict if it lost a race (a number, a CDR, the period)."""
        ...

    async def of_period(self, driver_id: str, period: Month) -> Invoice | None: ...
    async def get(self, number: str) -> Invoice | None: ...
    async def listed(
        self, driver_id: str | None, period: Month | None, limit: int, offset: int
    ) -> Sequence[Invoice]: ...
    async def save_state(self, invoice: Invoice) -> None:
        """Its payment state: state, attempts, reference, failure reason, paid at, refunded."""
        ...

    async def add_refund(self, refund: InvoiceRefund, invoice: Invoice) -> None:
        """The refund and the invoice's refunded amount, together."""
        ...

    async def refund_by_key(self, idempotency_key: str) -> InvoiceRefund | None: ...
    async def refunds(self, invoice_id: str) -> Sequence[InvoiceRefund]: ...


class InvoiceDocuments(Protocol):
    def pdf(self, invoice: Invoice) -> bytes:
        """The invoice as a PDF document."""
        ...


# --- partner CPOs' locations among the driver app's favourites (receipts branch) ---

__all__ += ["PartnerFavourites"]


class PartnerFavourites(Protocol):
    """The partner CPOs' locations (received ones, by their OCPI key) each driver starred;
    each write is durable when the call returns."""

    async def of(self, driver_id: str) -> Sequence[ObjectKey]:
        """The starred locations' keys, oldest star first."""
        ...

    async def star(self, driver_id: str, location: ObjectKey, at: datetime) -> None:
        """Idempotent: starring a starred location changes nothing."""
        ...

    async def unstar(self, driver_id: str, location: ObjectKey) -> None: ...


# --- driver vehicles (issue 7) ---

__all__ += ["VehicleRepository"]


class VehicleRepository(Protocol):
    """Drivers' vehicles."""

    async def of(self, driver_id: str) -> Sequence[Vehicle]:
        """The driver's vehicles, oldest first."""
        ...

    def save(self, vehicle: Vehicle) -> None: ...
    def remove(self, vehicle_id: str) -> None: ...
