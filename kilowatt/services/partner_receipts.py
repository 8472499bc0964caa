"""Receipts of the CDRs partner CPOs sent for a driver's tokens (roaming, eMSP role): the same
receipt as for our own sessions, with the operator who sent it, times in the zone of the
partner's location (UTC when we were never sent it, or it names no zone) and VAT only as the
CDR states it. Another driver's CDR is "not found", never shown. With payments on, it shows
what the driver's card paid for it and what was refunded since (``{country}:{party}:{id}``
is the CDR as payments know it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kilowatt.domain.errors import InvalidValue
from kilowatt.domain.roaming_objects import ObjectKey, ReceivedModule, ReceivedObject
from kilowatt.ports import PaymentStore, ReceivedObjects
from kilowatt.services import driver_roaming
from kilowatt.services.context import ServiceContext
from kilowatt.services.receipts import Receipt, address_line, receipt_of_cdr, with_payments

__all__ = ["partner_receipt", "receipt_of_partner_cdr"]


async def partner_receipt(
    received: ReceivedObjects,
    ctx: ServiceContext,
    driver_id: str,
    cdr_id: str,
    store: PaymentStore | None = None,
) -> Receipt:
    """The receipt of one of the driver's partner CDRs, with what the driver's card paid for
    it when ``store`` is given; NotFound for anyone else's."""
    cdr = await driver_roaming.cdr_of(received, ctx, driver_id, cdr_id)
    made = await _located(received, cdr)
    if store is None:
        return made
    key = cdr.key
    paid = await store.of_cdr(f"{key.country_code}:{key.party_id}:{key.id}")
    return with_payments(made, [p for p in paid if p.driver_id == driver_id])


async def _located(received: ReceivedObjects, cdr: ReceivedObject) -> Receipt:
    location_id = str((cdr.body.get("cdr_location") or {}).get("id", ""))
    try:
        key = ObjectKey(cdr.key.country_code, cdr.key.party_id, location_id)
    except InvalidValue:
        return receipt_of_partner_cdr(cdr.body, None)
    location = await received.get(ReceivedModule.LOCATIONS, key)
    return receipt_of_partner_cdr(cdr.body, location.body if location is not None else None)


def receipt_of_partner_cdr(cdr: Mapping[str, Any], location: Mapping[str, Any] | None) -> Receipt:
    """The receipt of a partner's OCPI CDR, with the OCPI Location it names if we have it
    (pure)."""
    where = location or {}
    try:
        made = receipt_of_cdr(cdr, _zone(where.get("time_zone")))
    except InvalidValue:  # tariffs we cannot read: the lines go unpriced, the totals stand
        made = receipt_of_cdr({**cdr, "tariffs": []}, _zone(where.get("time_zone")))
    named = (cdr.get("cdr_location") or {}).get("name") or where.get("name")
    party = f"{cdr['country_code']}*{cdr['party_id']}"
    operator_name = (where.get("operator") or {}).get("name")
    return replace(
        made,
        location_name=str(named or made.location_name),
        address=made.address or address_line(where),
        operator=f"{operator_name} ({party})" if operator_name else party,
    )


def _zone(name: object) -> str:
    """An IANA zone the location names, else UTC (OCPI 2.2.1 Locations carry one)."""
    if not isinstance(name, str) or not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name
