"""Locations (charging sites), shaped after OCPI 2.2.1: coordinates as decimal strings,
ISO 3166-1 alpha-3 countries, IANA time zones and OCPI Hours."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from kilowatt.api.schemas.base import Input, Patch
from kilowatt.domain.locations import ExceptionalPeriod, Location, OpeningHours, RegularHours

__all__ = [
    "ExceptionalPeriodModel",
    "HoursModel",
    "LocationCreate",
    "LocationPublic",
    "LocationUpdate",
    "RegularHoursModel",
]

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_COORDINATE = r"^-?[0-9]{1,3}\.[0-9]{1,7}$"
ParkingType = Literal[
    "ALONG_MOTORWAY",
    "PARKING_GARAGE",
    "PARKING_LOT",
    "ON_DRIVEWAY",
    "ON_STREET",
    "UNDERGROUND_GARAGE",
]


class RegularHoursModel(Input):
    weekday: int = Field(ge=1, le=7, description="1 = Monday ... 7 = Sunday")
    period_begin: str = Field(pattern=_HHMM, examples=["08:00"])
    period_end: str = Field(pattern=_HHMM, examples=["20:00"])


class ExceptionalPeriodModel(Input):
    period_begin: AwareDatetime
    period_end: AwareDatetime


class HoursModel(Input):
    """OCPI Hours: open around the clock, or regular hours; exceptions either way."""

    twentyfourseven: bool = True
    regular_hours: list[RegularHoursModel] = []
    exceptional_openings: list[ExceptionalPeriodModel] = []
    exceptional_closings: list[ExceptionalPeriodModel] = []

    def to_domain(self) -> OpeningHours:
        def periods(items: list[ExceptionalPeriodModel]) -> tuple[ExceptionalPeriod, ...]:
            return tuple(ExceptionalPeriod(p.period_begin, p.period_end) for p in items)

        return OpeningHours(
            twentyfourseven=self.twentyfourseven,
            regular_hours=tuple(RegularHours(**r.model_dump()) for r in self.regular_hours),
            exceptional_openings=periods(self.exceptional_openings),
            exceptional_closings=periods(self.exceptional_closings),
        )

    @classmethod
    def of(cls, hours: OpeningHours) -> HoursModel:
        def periods(items: tuple[ExceptionalPeriod, ...]) -> list[ExceptionalPeriodModel]:
            return [
                ExceptionalPeriodModel(period_begin=p.period_begin, period_end=p.period_end)
                for p in items
            ]

        return cls(
            twentyfourseven=hours.twentyfourseven,
            regular_hours=[
                RegularHoursModel(
                    weekday=r.weekday, period_begin=r.period_begin, period_end=r.period_end
                )
                for r in hours.regular_hours
            ],
            exceptional_openings=periods(hours.exceptional_openings),
            exceptional_closings=periods(hours.exceptional_closings),
        )


class _Checked(Input):
    """Field checks shared by create and update, so both answer 422 with FastAPI's detail."""

    @field_validator("latitude", check_fields=False)
    @classmethod
    def _latitude(cls, value: str | None) -> str | None:
        return _within(value, 90, "latitude")

    @field_validator("longitude", check_fields=False)
    @classmethod
    def _longitude(cls, value: str | None) -> str | None:
        return _within(value, 180, "longitude")

    @field_validator("time_zone", check_fields=False)
    @classmethod
    def _time_zone(cls, value: str | None) -> str | None:
        try:
            if value is not None:
                ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone (e.g. Europe/Amsterdam)"
            ) from None
        return value

    def domain_fields(self) -> dict[str, Any]:
        """The set fields as the domain wants them (Decimal coordinates, OpeningHours)."""
        fields = self.model_dump(exclude={"opening_hours"}, exclude_unset=True)
        for name in ("latitude", "longitude"):
            if fields.get(name) is not None:
                fields[name] = Decimal(fields[name])
        hours = getattr(self, "opening_hours", None)
        if "opening_hours" in self.model_fields_set and hours is not None:
            fields["opening_hours"] = hours.to_domain()
        return fields


def _within(value: str | None, bound: int, name: str) -> str | None:
    if value is not None and not -bound <= Decimal(value) <= bound:
        raise ValueError(f"{name} {value} is not between -{bound} and {bound}")
    return value


class LocationCreate(_Checked):
    id: str = Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9._-]+$", examples=["AMS-1"])
    name: str = Field(min_length=1, max_length=255)
    address: str = Field(min_length=1, max_length=45)
    city: str = Field(min_length=1, max_length=45)
    postal_code: str = Field(min_length=1, max_length=10)
    state: str | None = Field(default=None, max_length=20)
    country: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3", examples=["NLD"])
    latitude: str = Field(pattern=_COORDINATE, examples=["52.373169"])
    longitude: str = Field(pattern=_COORDINATE, examples=["4.890660"])
    time_zone: str = Field(max_length=64, examples=["Europe/Amsterdam"])
    opening_hours: HoursModel = HoursModel()
    parking_type: ParkingType | None = None
    publish: bool = True


class LocationUpdate(_Checked, Patch):
    required: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "address",
            "city",
            "postal_code",
            "country",
            "latitude",
            "longitude",
            "time_zone",
            "opening_hours",
            "publish",
        }
    )

    name: str | None = Field(default=None, min_length=1, max_length=255)
    address: str | None = Field(default=None, min_length=1, max_length=45)
    city: str | None = Field(default=None, min_length=1, max_length=45)
    postal_code: str | None = Field(default=None, min_length=1, max_length=10)
    state: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    latitude: str | None = Field(default=None, pattern=_COORDINATE)
    longitude: str | None = Field(default=None, pattern=_COORDINATE)
    time_zone: str | None = Field(default=None, max_length=64)
    opening_hours: HoursModel | None = None
    parking_type: ParkingType | None = None
    publish: bool | None = None


class LocationPublic(BaseModel):
    id: str
    name: str
    address: str
    city: str
    postal_code: str
    state: str | None
    country: str
    latitude: str
    longitude: str
    time_zone: str
    opening_hours: HoursModel
    parking_type: str | None
    publish: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, location: Location) -> LocationPublic:
        names = set(cls.model_fields) - {"latitude", "longitude", "opening_hours"}
        return cls(
            **{name: getattr(location, name) for name in names},
            latitude=str(location.latitude),
            longitude=str(location.longitude),
            opening_hours=HoursModel.of(location.opening_hours),
        )
