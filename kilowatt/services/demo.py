"""Seed data for ``kilowatt demo``: two sites, a mixed fleet of stations and RFID cards."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kilowatt.domain.errors import AlreadyExists
from kilowatt.domain.locations import Connector, ConnectorStandard, Evse, PowerType
from kilowatt.domain.tariffs import Tariff
from kilowatt.domain.tokens import TokenType
from kilowatt.ports import Mail
from kilowatt.services import drivers, registry, tariffs
from kilowatt.services.context import ServiceContext
from kilowatt.services.drivers import DriverContext, SignUp

__all__ = ["DemoDriver", "DemoFleet", "seed_demo", "seed_demo_driver"]

_SITES: tuple[dict[str, Any], ...] = (
    {
        "id": "LOC-AMS-01",
        "name": "Kilowatt Amsterdam Zuidas",
        "address": "Gustav Mahlerplein 1",
        "city": "Amsterdam",
        "postal_code": "1082 MA",
        "country": "NLD",
        "latitude": Decimal("52.3389"),
        "longitude": Decimal("4.8730"),
        "time_zone": "Europe/Amsterdam",
    },
    {
        "id": "LOC-BER-01",
        "name": "Kilowatt Berlin Mitte",
        "address": "Invalidenstrasse 50",
        "city": "Berlin",
        "postal_code": "10557",
        "country": "DEU",
        "latitude": Decimal("52.5283"),
        "longitude": Decimal("13.3713"),
        "time_zone": "Europe/Berlin",
    },
)


def _component(kind: str, price: str, step: int = 1) -> dict[str, Any]:
    return {"type": kind, "price": Decimal(price), "vat": Decimal(21), "step_size": step}


# (tariff, driver group): a public AC tariff, cheaper at night, with parking billed per
# 5 minutes once the car stops drawing; subscribers pay less for energy and no parking.
_TARIFFS: tuple[tuple[dict[str, Any], str | None], ...] = (
    (
        {
            "country_code": "NL",
            "party_id": "KWT",
            "id": "DEMO-AC",
            "currency": "EUR",
            "type": "REGULAR",
            "tariff_alt_text": [{"language": "en", "text": "0.39/kWh, 0.29/kWh 23-07h"}],
            "elements": [
                {
                    "price_components": [_component("ENERGY", "0.29")],
                    "restrictions": {"start_time": "23:00", "end_time": "07:00"},
                },
                {
                    "price_components": [
                        _component("ENERGY", "0.39"),
                        _component("PARKING_TIME", "6.00", 300),
                    ]
                },
            ],
        },
        None,
    ),
    (
        {
            "country_code": "NL",
            "party_id": "KWT",
            "id": "DEMO-AC-SUB",
            "currency": "EUR",
            "type": "REGULAR",
            "elements": [{"price_components": [_component("ENERGY", "0.25")]}],
        },
        "subscribers",
    ),
)


@dataclass(frozen=True, slots=True)
class DemoFleet:
    station_ids: list[str]
    passwords: dict[str, str]
    id_tags: list[str]


async def seed_demo(
    ctx: ServiceContext, *, stations: int, id_prefix: str, id_tags: list[str]
) -> DemoFleet:
    """Create what is missing (safe to run on every start)."""
    for site in _SITES:
        await _ignore_existing(registry.create_location(site, ctx))
    for body, group in _TARIFFS:
        await tariffs.put_tariff(Tariff.from_ocpi(body), group, ctx)
    ids = [f"{id_prefix}{index:03d}" for index in range(1, stations + 1)]
    passwords = {station_id: f"demo-password-{station_id}" for station_id in ids}
    for index, station_id in enumerate(ids):
        fields = {
            "id": station_id,
            "location_id": _SITES[index % len(_SITES)]["id"],
            "evses": _evses(station_id, index),
        }
        await _ignore_existing(registry.create_station(fields, passwords[station_id], ctx))
    for tag in id_tags:
        fields = {"uid": tag, "type": TokenType.RFID, "contract_id": f"NL-KWT-C{tag[-8:]}"}
        await _ignore_existing(registry.create_token(fields, ctx))
    return DemoFleet(ids, passwords, id_tags)


def _evses(station_id: str, index: int) -> list[Evse]:
    country = "NL" if index % 2 == 0 else "DE"
    return [
        Evse(
            evse_id=evse_id,
            uid=f"{station_id}-{evse_id}",
            evse_code=f"{country}*KWT*E{station_id.replace('-', '')}*{evse_id}",
            connectors=[
                Connector(
                    1,
                    standard=ConnectorStandard.IEC_62196_T2,
                    power_type=PowerType.AC_3_PHASE,
                    max_electric_power_w=22_000,
                    tariff_ids=tuple(body["id"] for body, _ in _TARIFFS),
                )
            ],
        )
        for evse_id in (1, 2)
    ]


async def _ignore_existing(creation: Any) -> None:
    try:
        await creation
    except AlreadyExists:
        pass


# --- the driver app (issue 7) ---


@dataclass(frozen=True, slots=True)
class DemoDriver:
    email: str
    password: str


DEMO_DRIVER = DemoDriver("demo.driver@example.com", "kilowatt-demo-driver")
_LINK = re.compile(r"verify-email\?token=([A-Za-z0-9_\-]+)")


class _KeptMail:
    """A mailer that keeps the mail, so the demo can open its own verification link."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    async def send(self, mail: Mail) -> None:
        self.sent.append(mail)


async def seed_demo_driver(dctx: DriverContext, driver: DemoDriver = DEMO_DRIVER) -> DemoDriver:
    """A verified driver account to charge from the app (kept if it exists already)."""
    kept = _KeptMail()
    try:
        form = SignUp(driver.email, driver.password, name="Demo Driver")
        await drivers.sign_up(form, dataclasses.replace(dctx, mailer=kept))
    except AlreadyExists:
        return driver
    (link,) = _LINK.findall(kept.sent[0].body)
    await drivers.verify_email(link, dctx)
    return driver
