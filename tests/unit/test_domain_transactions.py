"""The transaction aggregate as a fold over reported events (kilowatt.domain.transactions).

Stations send events late, out of order and more than once; whatever the order of
arrival, the transaction must end up the same.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain import events
from kilowatt.domain.cdrs import AuthMethod
from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.transactions import (
    ENERGY_REGISTER,
    MeterSample,
    Transaction,
    TransactionEvent,
    TransactionEventType,
    TransactionStatus,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
STARTED = TransactionEventType.STARTED
UPDATED = TransactionEventType.UPDATED
ENDED = TransactionEventType.ENDED


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _register(minutes: int, wh: int) -> MeterSample:
    return MeterSample(measured_at=_at(minutes), value=Decimal(wh))


def _event(
    event_type: TransactionEventType,
    minutes: int,
    seq_no: int | None,
    register_wh: int | None = None,
    **fields: Any,
) -> TransactionEvent:
    samples = () if register_wh is None else (_register(minutes, register_wh),)
    values: dict[str, Any] = {
        "event_type": event_type,
        "transaction_id": "tx-1",
        "timestamp": _at(minutes),
        "trigger_reason": "Authorized" if event_type is STARTED else "MeterValuePeriodic",
        "seq_no": seq_no,
        "samples": samples,
    }
    values.update(fields)
    return TransactionEvent(**values)


def _fold(arrivals: list[TransactionEvent]) -> Transaction:
    transaction = Transaction.begin("pk-1", "CS-001", arrivals[0], NOW)
    for event in arrivals[1:]:
        transaction.apply(event, NOW)
    return transaction


def _session() -> list[TransactionEvent]:
    """Started at 9:00 (1000 Wh), updated at 9:30 (4000 Wh), ended at 10:00 (7000 Wh)."""
    return [
        _event(STARTED, 0, 0, 1_000, id_token="TOKEN-A", evse_id=1, connector_id=1),
        _event(UPDATED, 30, 1, 4_000, charging_state="Charging"),
        _event(ENDED, 60, 2, 7_000, stopped_reason="EVDisconnected", charging_state="Idle"),
    ]


# MeterSample.register_wh


def test_the_outlet_import_register_in_wh_is_read_as_it_is() -> None:
    assert MeterSample(T0, Decimal(1234)).register_wh() == 1234


def test_the_import_register_in_kwh_is_read_in_whole_wh() -> None:
    assert MeterSample(T0, Decimal("12.3456"), unit="kWh").register_wh() == 12346


@pytest.mark.parametrize(
    "overrides",
    [
        {"measurand": "Power.Active.Import"},
        {"measurand": "Energy.Active.Export.Register"},
        {"measurand": "Energy.Active.Import.Interval"},
        {"phase": "L1"},
        {"phase": "L1-N"},
        {"location": "Inlet"},
        {"location": "EV"},
        {"unit": "W"},
        {"unit": "varh"},
        {"value": Decimal("NaN"), "signed_data": "OCMF|{}|{}"},
    ],
)
def test_other_samples_are_not_the_energy_register(overrides: dict[str, Any]) -> None:
    values: dict[str, Any] = {"measured_at": T0, "value": Decimal(1234)}
    values.update(overrides)
    assert MeterSample(**values).register_wh() is None


def test_a_sample_defaults_to_the_periodic_outlet_import_register_in_wh() -> None:
    sample = MeterSample(T0, Decimal(1))
    assert (sample.measurand, sample.unit, sample.location) == (ENERGY_REGISTER, "Wh", "Outlet")
    assert sample.phase == ""
    assert sample.context == "Sample.Periodic"


# begin / apply


def test_a_transaction_begins_active_at_its_first_event() -> None:
    transaction = Transaction.begin("pk-1", "CS-001", _session()[0], NOW)
    assert transaction.status is TransactionStatus.ACTIVE
    assert transaction.is_active
    assert (transaction.pk, transaction.station_id, transaction.transaction_id) == (
        "pk-1",
        "CS-001",
        "tx-1",
    )
    assert transaction.started_at == T0
    assert transaction.updated_at == NOW
    assert (transaction.evse_id, transaction.connector_id) == (1, 1)
    assert transaction.id_token == "TOKEN-A"
    assert transaction.meter_start_wh == 1_000
    assert transaction.meter_stop_wh is None
    assert transaction.stopped_at is None


def test_a_full_session_folds_into_a_completed_transaction() -> None:
    transaction = _fold(_session())
    assert transaction.status is TransactionStatus.COMPLETED
    assert not transaction.is_active
    assert transaction.started_at == _at(0)
    assert transaction.stopped_at == _at(60)
    assert transaction.stop_reason == "EVDisconnected"
    assert (transaction.meter_start_wh, transaction.meter_stop_wh) == (1_000, 7_000)
    assert transaction.energy_wh == 6_000
    assert transaction.charging_state == "Idle"


def test_the_stop_reason_falls_back_to_the_trigger_reason() -> None:
    ended = _event(ENDED, 60, 2, trigger_reason="RemoteStop")
    assert _fold([_session()[0], ended]).stop_reason == "RemoteStop"


def test_apply_reports_that_a_new_event_was_taken() -> None:
    transaction = Transaction.begin("pk-1", "CS-001", _session()[0], NOW)
    assert transaction.apply(_session()[1], NOW) is True


def test_a_resent_seq_no_changes_nothing() -> None:
    transaction = _fold(_session()[:2])
    before = dataclasses.asdict(transaction)
    resent = _event(ENDED, 90, 1, 99_000, id_token="OTHER", offline=True)

    assert transaction.apply(resent, NOW + timedelta(hours=1)) is False

    assert dataclasses.asdict(transaction) == before


def test_events_without_seq_no_are_never_taken_for_duplicates() -> None:
    first = _event(STARTED, 0, None, 1_000)
    transaction = Transaction.begin("pk-1", "CS-001", first, NOW)
    assert transaction.apply(_event(UPDATED, 10, None, 2_000), NOW) is True
    assert transaction.apply(_event(UPDATED, 20, None, 3_000), NOW) is True
    assert transaction.last_meter_wh == 3_000


def test_events_queued_while_offline_are_counted() -> None:
    transaction = _fold(
        [
            _event(STARTED, 0, 0),
            _event(UPDATED, 10, 1, offline=True),
            _event(UPDATED, 20, 2, offline=True),
            _event(UPDATED, 20, 2, offline=True),  # resent: counted once
            _event(UPDATED, 30, 3),
        ]
    )
    assert transaction.offline_events == 2


def test_the_first_evse_and_connector_reported_stick() -> None:
    transaction = _fold([_event(UPDATED, 10, 1), _event(STARTED, 0, 0, evse_id=2, connector_id=1)])
    assert (transaction.evse_id, transaction.connector_id) == (2, 1)
    transaction.apply(_event(UPDATED, 20, 2, evse_id=3, connector_id=2), NOW)
    assert (transaction.evse_id, transaction.connector_id) == (2, 1)


def test_the_remote_start_id_is_kept() -> None:
    transaction = _fold([_event(STARTED, 0, 0, remote_start_id=42), _event(UPDATED, 10, 1)])
    assert transaction.remote_start_id == 42
    assert transaction.authorized_with is AuthMethod.COMMAND  # the remote start's echo


def test_a_session_authorized_by_no_request_nor_command_is_whitelist() -> None:
    assert _fold(_session()).authorized_with is AuthMethod.WHITELIST


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ([AuthMethod.AUTH_REQUEST], AuthMethod.AUTH_REQUEST),
        ([AuthMethod.COMMAND], AuthMethod.COMMAND),
        # a 1.6 station may have the command's token authorized again, before the link
        ([AuthMethod.AUTH_REQUEST, AuthMethod.COMMAND], AuthMethod.COMMAND),
        ([AuthMethod.COMMAND, AuthMethod.AUTH_REQUEST], AuthMethod.COMMAND),
    ],
)
def test_a_command_outranks_a_real_time_authorization(
    marks: list[AuthMethod], expected: AuthMethod
) -> None:
    transaction = _fold(_session())
    for method in marks:
        transaction.authorized_by(method)
    assert transaction.authorized_with is expected


# Out of order


def test_a_transaction_first_heard_of_by_its_end_still_starts_at_the_earliest_event() -> None:
    started, updated, ended = _session()
    transaction = _fold([ended, updated, started])
    assert transaction.started_at == _at(0)
    assert transaction.stopped_at == _at(60)
    assert transaction.status is TransactionStatus.COMPLETED


def test_the_meter_start_is_the_earliest_register_and_the_stop_the_latest() -> None:
    started, updated, ended = _session()
    transaction = _fold([updated, ended, started])
    assert (transaction.meter_start_wh, transaction.meter_stop_wh) == (1_000, 7_000)
    assert transaction.energy_wh == 6_000


def test_the_id_token_is_the_one_that_authorized_first() -> None:
    early = _event(STARTED, 0, 0, id_token="FIRST", id_token_type="ISO14443")
    late = _event(UPDATED, 10, 1, id_token="SECOND", id_token_type="eMAID")
    for arrivals in ([early, late], [late, early]):
        transaction = _fold(arrivals)
        assert (transaction.id_token, transaction.id_token_type) == ("FIRST", "ISO14443")


def test_the_seq_no_breaks_a_tie_between_events_at_the_same_moment() -> None:
    lower = _event(UPDATED, 10, 3, id_token="LOWER")
    higher = _event(UPDATED, 10, 4, id_token="HIGHER")
    assert _fold([higher, lower]).id_token == "LOWER"
    assert _fold([lower, higher]).id_token == "LOWER"


def test_a_late_event_supplies_the_token_when_the_latest_has_none() -> None:
    started = _event(STARTED, 0, 0, id_token="TOKEN-A", id_token_type="ISO14443")
    ended = _event(ENDED, 60, 2)
    transaction = _fold([ended, started])
    assert (transaction.id_token, transaction.id_token_type) == ("TOKEN-A", "ISO14443")


def test_the_id_token_is_the_first_reported_one_whatever_the_order() -> None:
    started = _event(STARTED, 0, 0, id_token="TOKEN-A")
    stopped_by_another_card = _event(UPDATED, 30, 1, id_token="TOKEN-B")
    ended = _event(ENDED, 60, 2)
    assert _fold([started, stopped_by_another_card, ended]).id_token == "TOKEN-A"
    assert _fold([ended, stopped_by_another_card, started]).id_token == "TOKEN-A"


def test_the_charging_state_is_that_of_the_latest_event_that_carries_one_whatever_the_order() -> (
    None
):
    charging = _event(UPDATED, 10, 1, charging_state="Charging")
    periodic = _event(UPDATED, 20, 2)
    assert _fold([charging, periodic]).charging_state == "Charging"
    assert _fold([periodic, charging]).charging_state == "Charging"


# After the end


def test_an_event_after_the_end_never_reopens_the_transaction() -> None:
    started, _, ended = _session()
    transaction = _fold([started, ended])
    late = _event(UPDATED, 90, 5, 9_000, charging_state="Charging")

    assert transaction.apply(late, NOW) is True

    assert transaction.status is TransactionStatus.COMPLETED
    assert transaction.stopped_at == _at(60)
    assert transaction.stop_reason == "EVDisconnected"


def test_a_second_end_keeps_the_first_stop() -> None:
    transaction = _fold(_session())
    transaction.apply(_event(ENDED, 120, 9, stopped_reason="Other"), NOW)
    assert transaction.stopped_at == _at(60)
    assert transaction.stop_reason == "EVDisconnected"


def test_a_register_reported_late_but_measured_before_the_stop_counts() -> None:
    started, updated, ended = _session()
    transaction = _fold([started, ended, updated])
    assert transaction.meter_stop_wh == 7_000
    assert transaction.last_meter_at == _at(60)
    assert transaction.energy_wh == 6_000


def test_meter_values_are_recorded_even_after_the_end() -> None:
    started, _, ended = _session()
    transaction = _fold([ended])
    transaction.record_samples(started.samples, NOW)
    assert transaction.meter_start_wh == 1_000
    assert transaction.energy_wh == 6_000


# Energy


def test_energy_is_unknown_without_a_register_reading() -> None:
    transaction = _fold([_event(STARTED, 0, 0)])
    assert transaction.energy_wh is None
    assert transaction.meter_start_wh is None


def test_energy_is_zero_with_a_single_reading() -> None:
    assert _fold([_event(STARTED, 0, 0, 5_000)]).energy_wh == 0


def test_energy_is_never_negative_when_the_register_goes_back() -> None:
    transaction = _fold([_event(STARTED, 0, 0, 5_000), _event(UPDATED, 10, 1, 4_000)])
    assert transaction.energy_wh == 0


def test_energy_is_counted_so_far_while_the_transaction_is_active() -> None:
    transaction = _fold(_session()[:2])
    assert transaction.energy_wh == 3_000
    assert transaction.meter_stop_wh is None


def test_only_the_outlet_import_register_moves_the_meter() -> None:
    samples = (
        MeterSample(_at(10), Decimal(99_000), phase="L1"),
        MeterSample(_at(10), Decimal(7_400), measurand="Power.Active.Import", unit="W"),
        MeterSample(_at(10), Decimal("2.5"), unit="kWh"),
    )
    transaction = _fold([_event(STARTED, 0, 0, 1_000), _event(UPDATED, 10, 1, samples=samples)])
    assert transaction.last_meter_wh == 2_500
    assert transaction.energy_wh == 1_500


def test_a_negative_register_is_refused() -> None:
    transaction = _fold([_event(STARTED, 0, 0)])
    with pytest.raises(InvalidValue, match="cannot read"):
        transaction.record_samples((_register(5, -1),), NOW)


# Events emitted


def test_beginning_a_transaction_emits_transaction_started() -> None:
    transaction = Transaction.begin("pk-1", "CS-001", _event(UPDATED, 30, 1), NOW)
    assert transaction.events == [events.TransactionStarted("CS-001", "tx-1", _at(30))]


def test_meter_samples_emit_transaction_metered_with_the_energy_so_far() -> None:
    transaction = _fold(_session()[:2])
    assert [e for e in transaction.events if isinstance(e, events.TransactionMetered)] == [
        events.TransactionMetered("CS-001", "tx-1", 0, _at(0)),
        events.TransactionMetered("CS-001", "tx-1", 3_000, _at(30)),
    ]


def test_an_event_without_samples_emits_nothing_more() -> None:
    transaction = _fold([_event(STARTED, 0, 0), _event(UPDATED, 10, 1)])
    assert transaction.events == [events.TransactionStarted("CS-001", "tx-1", _at(0))]


def test_the_end_emits_transaction_ended_once_with_the_energy() -> None:
    transaction = _fold(_session())
    transaction.apply(_event(ENDED, 120, None, stopped_reason="Other"), NOW)
    assert [e for e in transaction.events if isinstance(e, events.TransactionEnded)] == [
        events.TransactionEnded("CS-001", "tx-1", _at(60), 6_000)
    ]
    assert [type(e) for e in transaction.events] == [
        events.TransactionStarted,
        events.TransactionMetered,
        events.TransactionMetered,
        events.TransactionMetered,
        events.TransactionEnded,
    ]


def test_a_resent_event_emits_nothing() -> None:
    transaction = _fold(_session())
    emitted = list(transaction.events)
    transaction.apply(_session()[2], NOW)
    transaction.apply(_session()[1], NOW)
    assert transaction.events == emitted


# Order independence, as a property


@st.composite
def _reported_session(draw: st.DrawFn) -> list[TransactionEvent]:
    """Started, some Updated, maybe Ended: increasing moments, seqNos and registers."""
    updates = draw(st.integers(min_value=0, max_value=6))
    ended = draw(st.booleans())
    count = 1 + updates + int(ended)
    gaps = draw(st.lists(st.integers(1, 600), min_size=count, max_size=count))
    increments = draw(st.lists(st.integers(0, 5_000), min_size=count, max_size=count))
    register = draw(st.integers(0, 1_000_000))
    session: list[TransactionEvent] = []
    moment = T0
    for index in range(count):
        moment += timedelta(seconds=gaps[index])
        register += increments[index]
        event_type = STARTED if index == 0 else UPDATED
        if ended and index == count - 1:
            event_type = ENDED
        samples: tuple[MeterSample, ...] = ()
        if draw(st.booleans()):
            unit = draw(st.sampled_from(["Wh", "kWh"]))
            value = Decimal(register) if unit == "Wh" else Decimal(register) / 1000
            samples = (
                MeterSample(moment, value, unit=unit),
                MeterSample(moment, Decimal(register // 3), phase="L1"),
            )
        session.append(
            TransactionEvent(
                event_type=event_type,
                transaction_id="tx-1",
                timestamp=moment,
                trigger_reason="Updated",
                seq_no=index,
                offline=draw(st.booleans()),
                id_token=draw(st.sampled_from(["TOKEN-A", "TOKEN-B", "TOKEN-C"])),
                samples=samples,
            )
        )
    return session


def _outcome(transaction: Transaction) -> tuple[object, ...]:
    return (
        transaction.status,
        transaction.started_at,
        transaction.stopped_at,
        transaction.meter_start_wh,
        transaction.meter_stop_wh,
        transaction.energy_wh,
        transaction.id_token,
        transaction.offline_events,
    )


@settings(max_examples=200, deadline=None)
@given(data=st.data(), session=_reported_session())
def test_any_order_of_arrival_with_resends_gives_the_same_transaction(
    data: st.DataObject, session: list[TransactionEvent]
) -> None:
    resends = data.draw(st.lists(st.sampled_from(session), max_size=4), label="resends")
    arrivals = data.draw(st.permutations(session + resends), label="arrivals")

    in_order = _fold(session)
    shuffled = _fold(arrivals)

    assert _outcome(shuffled) == _outcome(in_order)
    assert in_order.started_at == session[0].timestamp
    if session[-1].event_type is ENDED:
        assert in_order.status is TransactionStatus.COMPLETED
        assert in_order.stopped_at == session[-1].timestamp
    assert in_order.id_token == session[0].id_token


def test_the_last_authorization_reference_given_is_the_sessions() -> None:
    transaction = Transaction("pk", "CP1", "tx", _at(0), _at(0))
    assert transaction.refer_to("START-1", _at(0))
    assert transaction.refer_to("REALTIME-2", _at(5))  # given later: it wins
    assert not transaction.refer_to("RESERVE-0", _at(-30))  # given earlier, known later
    assert transaction.authorization_reference == "REALTIME-2"
    assert transaction.authorization_reference_at == _at(5)
