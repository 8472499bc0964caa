"""The transaction aggregate: one charging session as the station reports it.

Stations queue messages while offline and send them late and out of order, and they
resend messages whose answer they missed. So a transaction is a fold over what was
reported, and every rule here gives the same result whatever the order of arrival:

* the start is the earliest moment reported, the stop is the moment of the end event;
* the meter start is the earliest energy register reading, the meter stop the latest;
* the token is the first one reported (by timestamp, then seqNo): the one that authorized
  the session, not a card shown later to stop it;
* the charging state is that of the latest event (by timestamp, then seqNo) that has one;
* an OCPP 2.0.1 seqNo already applied changes nothing;
* an event that arrives after the end is kept but never reopens the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from kilowatt.domain import events
from kilowatt.domain.cdrs import AuthMethod
from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.units import energy_to_wh

__all__ = [
    "ENERGY_REGISTER",
    "MeterSample",
    "Transaction",
    "TransactionEvent",
    "TransactionEventType",
    "TransactionStatus",
]

ENERGY_REGISTER = "Energy.Active.Import.Register"


class TransactionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"


class TransactionEventType(StrEnum):
    STARTED = "Started"
    UPDATED = "Updated"
    ENDED = "Ended"


@dataclass(frozen=True, slots=True)
class MeterSample:
    """One sampled value (OCPP SampledValue), with the OCPP defaults filled in.

    ``signed_data`` holds the station's signed meter value (OCMF or other) as it was sent;
    ``value`` is NaN when the station sent only the signed block (OCPP 1.6 SignedData).
    """

    measured_at: datetime
    value: Decimal
    measurand: str = ENERGY_REGISTER
    unit: str = "Wh"
    phase: str = ""
    location: str = "Outlet"
    context: str = "Sample.Periodic"
    signed_data: str | None = None

    def register_wh(self) -> int | None:
        """The energy register in Wh, if this sample is the import register."""
        if self.measurand != ENERGY_REGISTER or self.phase or self.location != "Outlet":
            return None
        if not self.value.is_finite():  # a signed block without a plain reading
            return None
        if self.unit not in ("Wh", "kWh"):
            return None
        return energy_to_wh(self.value, self.unit)


@dataclass(frozen=True, slots=True)
class TransactionEvent:
    """A decoded OCPP 2.0.1 TransactionEvent (1.6 Start/Stop are mapped onto it too)."""

    event_type: TransactionEventType
    transaction_id: str
    timestamp: datetime
    trigger_reason: str
    seq_no: int | None = None
    offline: bool = False
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: str | None = None
    id_token_type: str | None = None
    charging_state: str | None = None
    stopped_reason: str | None = None
    remote_start_id: int | None = None
    samples: tuple[MeterSample, ...] = ()
    reservation_id: int | None = None  # the reservation this transaction uses (ends)


@dataclass(slots=True)
class Transaction:
    """A charging session at one EVSE of one station.

    ``transaction_id`` is the id the station knows: the integer the central system gave
    it (1.6) or the station's own string (2.0.1); it is unique per station.
    """

    pk: str
    station_id: str
    transaction_id: str
    started_at: datetime
    updated_at: datetime
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: str | None = None
    id_token_type: str | None = None
    status: TransactionStatus = TransactionStatus.ACTIVE
    stopped_at: datetime | None = None
    stop_reason: str | None = None
    meter_start_wh: int | None = None
    meter_start_at: datetime | None = None
    last_meter_wh: int | None = None
    last_meter_at: datetime | None = None
    charging_state: str | None = None
    remote_start_id: int | None = None
    start_key: str | None = None
    # The eMSP's OCPI authorization_reference: the last one given that concerns this session.
    authorization_reference: str | None = None
    authorization_reference_at: datetime | None = None  # when it was given
    # How the session was let start (OCPI auth_method); None: a token known here (WHITELIST).
    auth_method: AuthMethod | None = None
    offline_events: int = 0
    latest_event_at: datetime | None = None
    latest_event_seq: int = -1
    token_order: tuple[datetime, int] | None = None  # (timestamp, seqNo) of id_token's event
    state_order: tuple[datetime, int] | None = None  # (timestamp, seqNo) of charging_state's
    seq_nos: set[int] = field(default_factory=set)
    events: list[events.Event] = field(default_factory=list)

    @property
    def meter_stop_wh(self) -> int | None:
        return self.last_meter_wh if self.status is TransactionStatus.COMPLETED else None

    @property
    def energy_wh(self) -> int | None:
        """Energy delivered so far (or in total once completed)."""
        if self.meter_start_wh is None or self.last_meter_wh is None:
            return None
        return max(0, self.last_meter_wh - self.meter_start_wh)

    @property
    def is_active(self) -> bool:
        return self.status is TransactionStatus.ACTIVE

    def observe_register(self, measured_at: datetime, energy_wh: int) -> None:
        """Take an energy register reading into the start and latest readings."""
        if energy_wh < 0:
            raise InvalidValue(f"an energy register cannot read {energy_wh} Wh")
        if self.meter_start_at is None or measured_at < self.meter_start_at:
            self.meter_start_wh, self.meter_start_at = energy_wh, measured_at
        if self.last_meter_at is None or measured_at >= self.last_meter_at:
            self.last_meter_wh, self.last_meter_at = energy_wh, measured_at

    def record_samples(self, samples: tuple[MeterSample, ...], now: datetime) -> None:
        """Meter values arrived for this transaction (at any time, even after its end)."""
        for sample in samples:
            register = sample.register_wh()
            if register is not None:
                self.observe_register(sample.measured_at, register)
        self.updated_at = now
        self.events.append(
            events.TransactionMetered(
                self.station_id, self.transaction_id, self.energy_wh, self.last_meter_at
            )
        )

    def apply(self, event: TransactionEvent, now: datetime) -> bool:
        """Apply a reported event; False when it was applied before (same seqNo)."""
        if event.seq_no is not None:
            if event.seq_no in self.seq_nos:
                return False
            self.seq_nos.add(event.seq_no)
        self.offline_events += int(event.offline)
        self.started_at = min(self.started_at, event.timestamp)
        self.evse_id = self.evse_id if self.evse_id is not None else event.evse_id
        self.connector_id = self.connector_id if self.connector_id else event.connector_id
        if event.remote_start_id is not None:
            self.remote_start_id = event.remote_start_id
            self.authorized_by(AuthMethod.COMMAND)
        self._apply_latest_state(event)
        if event.samples:
            self.record_samples(event.samples, now)
        if event.event_type is TransactionEventType.ENDED:
            self._end(event)
        self.updated_at = now
        return True

    def _apply_latest_state(self, event: TransactionEvent) -> None:
        order = (event.timestamp, event.seq_no if event.seq_no is not None else 0)
        self.observe_token(order, event.id_token, event.id_token_type)
        self.observe_state(order, event.charging_state)
        if self.latest_event_at is None or order >= (self.latest_event_at, self.latest_event_seq):
            self.latest_event_at, self.latest_event_seq = order

    def observe_token(
        self, order: tuple[datetime, int], token: str | None, token_type: str | None
    ) -> None:
        """Keep the earliest reported token."""
        if token is not None and (self.token_order is None or order < self.token_order):
            self.id_token, self.id_token_type, self.token_order = token, token_type, order

    def observe_state(self, order: tuple[datetime, int], state: str | None) -> None:
        """Keep the latest reported charging state."""
        if state is not None and (self.state_order is None or order >= self.state_order):
            self.charging_state, self.state_order = state, order

    def refer_to(self, authorization_reference: str, given_at: datetime) -> bool:
        """An eMSP gave a reference for this session (START_SESSION, real-time authorization):
        the last one given wins (OCPI mod_sessions). True when it is now the session's."""
        given_before = self.authorization_reference_at
        if given_before is not None and given_at < given_before:
            return False
        self.authorization_reference = authorization_reference
        self.authorization_reference_at = given_at
        return True

    def authorized_by(self, method: AuthMethod) -> None:
        """How the session was let start. A command (remote start) outranks a real-time
        authorization: a 1.6 station may have the command's token authorized again."""
        if self.auth_method is not AuthMethod.COMMAND:
            self.auth_method = method

    @property
    def authorized_with(self) -> AuthMethod:
        """The OCPI auth_method of this session's Session and CDR."""
        return self.auth_method or AuthMethod.WHITELIST

    def _end(self, event: TransactionEvent) -> None:
        if self.status is TransactionStatus.COMPLETED:
            return
        self.status = TransactionStatus.COMPLETED
        self.stopped_at = event.timestamp
        self.stop_reason = event.stopped_reason or event.trigger_reason
        self.events.append(
            events.TransactionEnded(
                self.station_id, self.transaction_id, self.stopped_at, self.energy_wh
            )
        )

    @classmethod
    def begin(cls, pk: str, station_id: str, event: TransactionEvent, now: datetime) -> Transaction:
        """A transaction first heard of through ``event`` (not always its Started event)."""
        transaction = cls(
            pk=pk,
            station_id=station_id,
            transaction_id=event.transaction_id,
            started_at=event.timestamp,
            updated_at=now,
        )
        transaction.events.append(
            events.TransactionStarted(station_id, event.transaction_id, event.timestamp)
        )
        transaction.apply(event, now)
        return transaction
