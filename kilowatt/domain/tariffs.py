"""OCPI 2.2.1 tariffs: Tariff → TariffElement → PriceComponent, read and written as OCPI JSON.

A Tariff lists elements; each element groups price components that share restrictions.
For every dimension (ENERGY, TIME, PARKING_TIME, FLAT) the first element, in list order,
that has a component for it and whose restrictions hold is the one that applies.

>>> tariff = Tariff.from_ocpi(data)   # data: an OCPI Tariff object as a dict
>>> tariff.to_ocpi() == data          # lossless for every OCPI field
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.tariff_json import (
    JsonObject,
    as_integer,
    as_items,
    as_mapping,
    as_number,
    as_text,
    as_timestamp,
    required,
    timestamp_to_ocpi,
)
from kilowatt.domain.tariff_restrictions import TariffRestrictions

__all__ = [
    "DisplayText",
    "EnergyMix",
    "Price",
    "PriceComponent",
    "Tariff",
    "TariffDimension",
    "TariffElement",
    "TariffType",
    "unreachable_elements",
]


class TariffDimension(StrEnum):
    """What a price component prices: ENERGY per kWh (steps of 1 Wh), TIME and
    PARKING_TIME per hour (steps of 1 s), FLAT once per session."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class TariffType(StrEnum):
    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


@dataclass(frozen=True, slots=True)
class Price:
    """An OCPI Price: an amount excluding VAT and, optionally, including VAT."""

    excl_vat: Decimal
    incl_vat: Decimal | None = None

    @classmethod
    def from_ocpi(cls, data: object, field: str) -> Price:
        body = as_mapping(data, field)
        incl = body.get("incl_vat")
        return cls(
            as_number(required(body, "excl_vat", field), f"{field}.excl_vat"),
            None if incl is None else as_number(incl, f"{field}.incl_vat"),
        )

    def to_ocpi(self) -> dict[str, object]:
        data: dict[str, object] = {"excl_vat": self.excl_vat}
        if self.incl_vat is not None:
            data["incl_vat"] = self.incl_vat
        return data


@dataclass(frozen=True, slots=True)
class PriceComponent:
    """How one dimension is priced: ``price`` excl. VAT per unit, ``vat`` in percent
    (None: no VAT applies, unlike 0), billed in blocks of ``step_size`` Wh or seconds.
    A step_size of 0 (the spec's free-of-charge example uses it) means no stepping."""

    type: TariffDimension
    price: Decimal
    step_size: int = 1
    vat: Decimal | None = None

    def __post_init__(self) -> None:
        if self.price < 0:
            raise InvalidValue(f"{self.type} price must not be negative")
        if self.vat is not None and self.vat < 0:
            raise InvalidValue(f"{self.type} vat must not be negative")
        if self.step_size < 0:
            raise InvalidValue(f"{self.type} step_size must not be negative")

    @classmethod
    def from_ocpi(cls, data: JsonObject) -> PriceComponent:
        where = "price_component"
        kind = as_text(required(data, "type", where), f"{where}.type")
        if kind not in TariffDimension.__members__:
            raise InvalidValue(f"{kind!r} is not a TariffDimensionType")
        vat = data.get("vat")
        return cls(
            TariffDimension(kind),
            as_number(required(data, "price", where), f"{where}.price"),
            as_integer(required(data, "step_size", where), f"{where}.step_size"),
            None if vat is None else as_number(vat, f"{where}.vat"),
        )

    def to_ocpi(self) -> dict[str, object]:
        data: dict[str, object] = {"type": str(self.type), "price": self.price}
        if self.vat is not None:
            data["vat"] = self.vat
        data["step_size"] = self.step_size
        return data


@dataclass(frozen=True, slots=True)
class TariffElement:
    """Price components that apply together while ``restrictions`` hold (None: always)."""

    price_components: tuple[PriceComponent, ...]
    restrictions: TariffRestrictions | None = None

    def __post_init__(self) -> None:
        if not self.price_components:
            raise InvalidValue("a tariff element needs at least one price component")
        if self.restrictions is not None and self.restrictions.reservation is not None:
            allowed = {TariffDimension.FLAT, TariffDimension.TIME}
            if any(component.type not in allowed for component in self.price_components):
                raise InvalidValue("a reservation element may only price FLAT and TIME")

    def component(self, dimension: TariffDimension) -> PriceComponent | None:
        """The first component for ``dimension`` in this element, if any."""
        return next((c for c in self.price_components if c.type is dimension), None)

    @classmethod
    def from_ocpi(cls, data: JsonObject) -> TariffElement:
        items = as_items(required(data, "price_components", "element"), "price_components")
        restrictions = data.get("restrictions")
        return cls(
            tuple(PriceComponent.from_ocpi(as_mapping(i, "price_component")) for i in items),
            None
            if restrictions is None
            else TariffRestrictions.from_ocpi(as_mapping(restrictions, "restrictions")),
        )

    def to_ocpi(self) -> dict[str, object]:
        data: dict[str, object] = {"price_components": [c.to_ocpi() for c in self.price_components]}
        if self.restrictions is not None:
            data["restrictions"] = self.restrictions.to_ocpi()
        return data


@dataclass(frozen=True, slots=True)
class DisplayText:
    language: str
    text: str

    def to_ocpi(self) -> dict[str, object]:
        return {"language": self.language, "text": self.text}


@dataclass(frozen=True, slots=True)
class EnergyMix:
    """OCPI EnergyMix; sources and impacts are kept as (name, percentage or amount) pairs."""

    is_green_energy: bool
    energy_sources: tuple[tuple[str, Decimal], ...] = ()
    environ_impact: tuple[tuple[str, Decimal], ...] = ()
    supplier_name: str | None = None
    energy_product_name: str | None = None

    @classmethod
    def from_ocpi(cls, data: JsonObject) -> EnergyMix:
        green = required(data, "is_green_energy", "energy_mix")
        if not isinstance(green, bool):
            raise InvalidValue("energy_mix.is_green_energy must be a boolean")
        return cls(
            green,
            _pairs(data.get("energy_sources"), "source", "percentage"),
            _pairs(data.get("environ_impact"), "category", "amount"),
            _optional_text(data, "supplier_name"),
            _optional_text(data, "energy_product_name"),
        )

    def to_ocpi(self) -> dict[str, object]:
        data: dict[str, object] = {"is_green_energy": self.is_green_energy}
        if self.energy_sources:
            data["energy_sources"] = [
                {"source": s, "percentage": p} for s, p in self.energy_sources
            ]
        if self.environ_impact:
            data["environ_impact"] = [{"category": c, "amount": a} for c, a in self.environ_impact]
        for key in ("supplier_name", "energy_product_name"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True, slots=True)
class Tariff:
    """An OCPI 2.2.1 Tariff. ``last_updated`` is required by OCPI but absent from the
    spec's own PUT example, so a missing one is accepted and kept missing."""

    country_code: str
    party_id: str
    id: str
    currency: str
    elements: tuple[TariffElement, ...]
    last_updated: datetime | None = None
    type: TariffType | None = None
    tariff_alt_text: tuple[DisplayText, ...] = ()
    tariff_alt_url: str | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    energy_mix: EnergyMix | None = None

    def __post_init__(self) -> None:
        _check_identity(self)
        if not self.elements:
            raise InvalidValue(f"tariff {self.id} needs at least one element")
        if self.min_price and self.max_price and self.min_price.excl_vat > self.max_price.excl_vat:
            raise InvalidValue(f"tariff {self.id}: min_price is above max_price")
        if self.start_date_time and self.end_date_time:
            if self.start_date_time >= self.end_date_time:
                raise InvalidValue(f"tariff {self.id}: start_date_time is not before end")

    @classmethod
    def from_ocpi(cls, data: JsonObject) -> Tariff:
        """Parse an OCPI Tariff object; raises ``InvalidValue`` naming the bad field."""
        fields: dict[str, Any] = {
            name: as_text(required(data, name, "tariff"), f"tariff.{name}")
            for name in ("country_code", "party_id", "id", "currency")
        }
        items = as_items(required(data, "elements", "tariff"), "tariff.elements")
        fields["elements"] = tuple(TariffElement.from_ocpi(as_mapping(i, "element")) for i in items)
        fields.update(_optional_fields(data))
        return cls(**fields)

    def to_ocpi(self) -> dict[str, object]:
        """The OCPI Tariff object; absent optional fields are left out."""
        data: dict[str, object] = {
            "country_code": self.country_code,
            "party_id": self.party_id,
            "id": self.id,
            "currency": self.currency,
        }
        if self.type is not None:
            data["type"] = str(self.type)
        if self.tariff_alt_text:
            data["tariff_alt_text"] = [text.to_ocpi() for text in self.tariff_alt_text]
        _put(data, "tariff_alt_url", self.tariff_alt_url)
        for key in ("min_price", "max_price", "energy_mix"):
            value = getattr(self, key)
            _put(data, key, None if value is None else value.to_ocpi())
        data["elements"] = [element.to_ocpi() for element in self.elements]
        for key in ("start_date_time", "end_date_time", "last_updated"):
            moment = getattr(self, key)
            _put(data, key, None if moment is None else timestamp_to_ocpi(moment))
        return data

    def is_valid_at(self, moment: datetime) -> bool:
        """Whether ``moment`` lies within start_date_time (incl.) and end_date_time (excl.)."""
        starts, ends = self.start_date_time, self.end_date_time
        return (starts is None or moment >= starts) and (ends is None or moment < ends)


def unreachable_elements(tariff: Tariff) -> list[str]:
    """Explain every price component that can never apply.

    A component for dimension D in element j never applies when an earlier element i
    also prices D and its restrictions hold whenever j's do (no restrictions, or looser
    ones). The check is conservative: it reports only certain cases.
    """
    problems = []
    for j, element in enumerate(tariff.elements):
        for component in element.price_components:
            shadow = _shadowing_element(tariff.elements[:j], element, component.type)
            if shadow is not None:
                problems.append(
                    f"element {j} {component.type} can never apply: element {shadow} also "
                    f"prices {component.type} and its restrictions hold whenever element {j}'s do"
                )
    return problems


def _shadowing_element(
    earlier: tuple[TariffElement, ...], element: TariffElement, dimension: TariffDimension
) -> int | None:
    for i, candidate in enumerate(earlier):
        if candidate.component(dimension) is None:
            continue
        looser = candidate.restrictions or TariffRestrictions()
        if looser.covers(element.restrictions):
            return i
    return None


def _optional_fields(data: JsonObject) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if data.get("type") is not None:
        kind = as_text(data["type"], "tariff.type")
        if kind not in TariffType.__members__:
            raise InvalidValue(f"{kind!r} is not a TariffType")
        fields["type"] = TariffType(kind)
    texts = as_items(data.get("tariff_alt_text") or [], "tariff.tariff_alt_text")
    fields["tariff_alt_text"] = tuple(_display_text(t) for t in texts)
    fields["tariff_alt_url"] = _optional_text(data, "tariff_alt_url")
    for key in ("min_price", "max_price"):
        if data.get(key) is not None:
            fields[key] = Price.from_ocpi(data[key], f"tariff.{key}")
    for key in ("start_date_time", "end_date_time", "last_updated"):
        if data.get(key) is not None:
            fields[key] = as_timestamp(data[key], f"tariff.{key}")
    if data.get("energy_mix") is not None:
        fields["energy_mix"] = EnergyMix.from_ocpi(as_mapping(data["energy_mix"], "energy_mix"))
    return fields


def _check_identity(tariff: Tariff) -> None:
    if not re.fullmatch(r"[A-Za-z]{2}", tariff.country_code):
        raise InvalidValue(f"country_code {tariff.country_code!r} is not ISO 3166-1 alpha-2")
    if not re.fullmatch(r"[A-Za-z0-9]{3}", tariff.party_id):
        raise InvalidValue(f"party_id {tariff.party_id!r} is not 3 characters")
    if not 1 <= len(tariff.id) <= 36:
        raise InvalidValue("tariff id must be 1 to 36 characters")
    if not re.fullmatch(r"[A-Z]{3}", tariff.currency):
        raise InvalidValue(f"currency {tariff.currency!r} is not an ISO 4217 code")


def _display_text(item: object) -> DisplayText:
    body = as_mapping(item, "tariff_alt_text")
    return DisplayText(
        as_text(required(body, "language", "tariff_alt_text"), "language", 2),
        as_text(required(body, "text", "tariff_alt_text"), "text", 512),
    )


def _pairs(items: object, name: str, amount: str) -> tuple[tuple[str, Decimal], ...]:
    pairs = []
    for item in as_items(items or [], f"energy_mix {name}s"):
        body = as_mapping(item, f"energy_mix {name}")
        pairs.append(
            (
                as_text(required(body, name, "energy_mix"), name),
                as_number(required(body, amount, "energy_mix"), amount),
            )
        )
    return tuple(pairs)


def _optional_text(data: JsonObject, key: str) -> str | None:
    value = data.get(key)
    return None if value is None else as_text(value, key)


def _put(data: dict[str, object], key: str, value: object) -> None:
    if value is not None:
        data[key] = value
