"""The pure model of Kilowatt: standard library only, no I/O."""

from __future__ import annotations

__all__: list[str] = []
