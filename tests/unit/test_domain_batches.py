"""Splitting a list into messages a station accepts (ItemsPerMessage, BytesPerMessage...)."""

from __future__ import annotations

import json

import pytest

from kilowatt.domain.batches import MessageLimits, split
from kilowatt.domain.errors import InvalidValue


def _json_bytes(item: object) -> int:
    return len(json.dumps(item, separators=(",", ":")))


@pytest.mark.parametrize(
    ("count", "max_items", "sizes"),
    [
        (0, 3, []),
        (1, 3, [1]),
        (3, 3, [3]),
        (4, 3, [3, 1]),
        (7, 2, [2, 2, 2, 1]),
        (5, None, [5]),
    ],
)
def test_no_part_carries_more_items_than_the_station_accepts(
    count: int, max_items: int | None, sizes: list[int]
) -> None:
    parts = split(list(range(count)), MessageLimits(max_items=max_items))
    assert [len(part) for part in parts] == sizes
    assert [item for part in parts for item in part] == list(range(count)), "order is kept"


def test_the_parts_respect_the_message_size_counted_as_the_json_sent() -> None:
    items = [{"name": f"Variable{n}"} for n in range(10)]  # 21 bytes each
    overhead = len(json.dumps({"getVariableData": []}, separators=(",", ":")))
    limits = MessageLimits(max_bytes=overhead + 3 * 21 + 2, overhead_bytes=overhead)

    parts = split(items, limits, _json_bytes)

    assert [len(part) for part in parts] == [3, 3, 3, 1]
    for part in parts:
        sent = json.dumps({"getVariableData": part}, separators=(",", ":"))
        assert len(sent) <= limits.max_bytes  # type: ignore[operator]


def test_a_message_one_byte_too_small_for_three_items_takes_two() -> None:
    items = ["aaaa", "bbbb", "cccc"]  # 6 bytes each as JSON strings
    exact = MessageLimits(max_bytes=2 + 3 * 6 + 2, overhead_bytes=2)
    short = MessageLimits(max_bytes=2 + 3 * 6 + 1, overhead_bytes=2)
    assert split(items, exact, _json_bytes) == [items]
    assert split(items, short, _json_bytes) == [items[:2], items[2:]]


def test_both_limits_apply_together() -> None:
    limits = MessageLimits(max_items=2, max_bytes=60, overhead_bytes=40)
    assert split(["aaaa", "bbbb", "cccc"], limits, _json_bytes) == [["aaaa", "bbbb"], ["cccc"]]


def test_an_item_larger_than_any_message_is_refused() -> None:
    with pytest.raises(InvalidValue, match="at most 10"):
        split(["a" * 20], MessageLimits(max_bytes=10), _json_bytes)


def test_a_message_must_carry_at_least_one_item() -> None:
    with pytest.raises(InvalidValue):
        MessageLimits(max_items=0)
