"""What every request model shares: unknown fields are errors; PATCH bodies may not null
what the model requires."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["Input", "Patch"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Patch(Input):
    """A partial update: fields left out stay as they are; ``required`` fields cannot be null."""

    required: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _required_not_null(self) -> Self:
        nulled = sorted(
            n for n in self.required & self.model_fields_set if getattr(self, n) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self
