"""The live feed wakes only the streams watching the transaction (or the partner session,
token or command) an event is about."""

from __future__ import annotations

from datetime import UTC, datetime

from kilowatt.domain.events import (
    CommandResultReceived,
    PartnerCdrReceived,
    RoamingSessionChanged,
    StationConnected,
    TransactionEnded,
    TransactionMetered,
)
from kilowatt.domain.roaming_objects import ObjectKey
from kilowatt.web.live import (
    LiveFeed,
    partner_command_key,
    partner_session_key,
    partner_token_key,
)

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


async def test_a_meter_value_wakes_the_streams_of_its_transaction_only() -> None:
    feed = LiveFeed()
    with feed.listening(("CP-1", "7")) as mine, feed.listening(("CP-1", "8")) as other:
        await feed.on_event(TransactionMetered("CP-1", "7", 1200, NOW))
        assert mine.is_set() and not other.is_set()
        mine.clear()
        await feed.on_event(StationConnected("CP-1", "1.6"))  # not about a transaction
        assert not mine.is_set()
        await feed.on_event(TransactionEnded("CP-1", "7", NOW, 1500))
        assert mine.is_set()


async def test_a_closed_stream_stops_listening() -> None:
    feed = LiveFeed()
    with feed.listening(("CP-1", "7")) as waiter:
        pass
    await feed.on_event(TransactionMetered("CP-1", "7", 1200, NOW))
    assert not waiter.is_set()
    assert feed._waiting == {}


def partner_session(session_id: str, status: str = "ACTIVE") -> RoamingSessionChanged:
    return RoamingSessionChanged("p1", "DE", "CPO", session_id, status, "APP1")


async def test_a_partner_session_update_wakes_the_streams_of_that_session_and_token() -> None:
    feed = LiveFeed()
    mine = partner_session_key(ObjectKey("DE", "CPO", "S1"))
    with (
        feed.listening(mine) as watching,
        feed.listening(partner_session_key(ObjectKey("DE", "CPO", "S2"))) as other,
        feed.listening(partner_token_key("APP1")) as starting,
    ):
        await feed.on_event(partner_session("S1"))
        assert watching.is_set() and starting.is_set() and not other.is_set()


async def test_a_partner_cdr_wakes_the_stream_of_its_session() -> None:
    feed = LiveFeed()
    with feed.listening(partner_session_key(ObjectKey("de", "cpo", "S1"))) as watching:
        await feed.on_event(PartnerCdrReceived("p1", "DE", "CPO", "CDR1", "S1", "APP1"))
        assert watching.is_set()


async def test_a_command_result_wakes_a_stream_waiting_on_any_of_its_keys() -> None:
    feed = LiveFeed()
    keys = (partner_command_key("C1"), partner_token_key("APP1"))
    with feed.listening(*keys) as starting:
        await feed.on_event(CommandResultReceived("p1", "C1", "START_SESSION", "ACCEPTED"))
        assert starting.is_set()
        starting.clear()
        await feed.on_event(partner_session("S9"))  # the session it started
        assert starting.is_set()
    assert feed._waiting == {}
