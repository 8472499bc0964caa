"""Splitting a request that carries a list into messages a station accepts.

Stations advertise how much one message may carry: OCPP 2.0.1 ``ItemsPerMessage`` and
``BytesPerMessage`` (DeviceDataCtrlr per action, LocalAuthListCtrlr for SendLocalList), OCPP 1.6
``GetConfigurationMaxKeys`` and ``SendLocalListMaxLength``. ``split`` cuts a list greedily, in
order, so that every part respects both limits::

    limits = MessageLimits(max_items=2, max_bytes=60, overhead_bytes=40)
    split(["aaaa", "bbbb", "cccc"], limits, lambda item: len(item) + 2)
    # [["aaaa", "bbbb"], ["cccc"]]  (40 + 6 + 1 + 6 = 53 bytes, then 46)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from kilowatt.domain.errors import InvalidValue

__all__ = ["MessageLimits", "split"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class MessageLimits:
    """What one message may carry; None means no limit.

    ``overhead_bytes`` is the size of the message with an empty list: a part of n items takes
    ``overhead_bytes + sum(item sizes) + (n - 1)`` bytes (the commas of a JSON array).
    """

    max_items: int | None = None
    max_bytes: int | None = None
    overhead_bytes: int = 0

    def __post_init__(self) -> None:
        if self.max_items is not None and self.max_items < 1:
            raise InvalidValue(f"a message must carry at least one item, not {self.max_items}")


def split(
    items: Sequence[_T], limits: MessageLimits, item_bytes: Callable[[_T], int] = lambda _: 0
) -> list[list[_T]]:
    """``items`` in order, cut into as few parts as the greedy rule gives; ``[]`` for no items.

    Raises InvalidValue when one item alone is larger than ``max_bytes`` allows.
    """
    parts: list[list[_T]] = []
    current: list[_T] = []
    used = limits.overhead_bytes
    for item in items:
        size = item_bytes(item)
        if limits.max_bytes is not None and limits.overhead_bytes + size > limits.max_bytes:
            raise InvalidValue(
                f"one item takes {limits.overhead_bytes + size} bytes in a message; "
                f"the station accepts at most {limits.max_bytes}"
            )
        if current and not _fits(len(current), used + 1 + size, limits):
            parts.append(current)
            current, used = [], limits.overhead_bytes
        used += size + (1 if current else 0)
        current.append(item)
    if current:
        parts.append(current)
    return parts


def _fits(count: int, size: int, limits: MessageLimits) -> bool:
    if limits.max_items is not None and count + 1 > limits.max_items:
        return False
    return limits.max_bytes is None or size <= limits.max_bytes
