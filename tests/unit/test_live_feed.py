"""The live feed wakes only the streams watching the transaction an event is about."""

from __future__ import annotations

from datetime import UTC, datetime

from kilowatt.domain.events import StationConnected, TransactionEnded, TransactionMetered
from kilowatt.web.live import LiveFeed

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
