"""(Re)synchronise what a partner CPO publishes (OCPI eMSP pulling the CPO's Sender
interfaces): every page of locations, tariffs, sessions and CDRs, following the Link headers,
optionally only what changed since ``date_from``. Objects that fail the checks are counted
and logged, never stored; the rest are stored as if pushed."""

from __future__ import annotations

import logging
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime

from kilowatt.domain.errors import DomainError, InvalidValue, NotFound
from kilowatt.domain.roaming import InterfaceRole, Partner, PartyRole
from kilowatt.domain.roaming_objects import ReceivedModule
from kilowatt.domain.tariff_json import timestamp_to_ocpi
from kilowatt.ports import ReceivedObjects
from kilowatt.services import roaming_received
from kilowatt.services.roaming import Roaming

__all__ = ["MAX_PAGES", "SyncCount", "synchronise"]

log = logging.getLogger(__name__)

MAX_PAGES = 10_000  # a partner whose Link never ends must not keep us forever


@dataclass(slots=True)
class SyncCount:
    """What one module's pull did: objects stored (new or changed), unchanged, refused."""

    stored: int = 0
    unchanged: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)  # the first few refusals, for the operator


async def synchronise(
    roaming: Roaming,
    store: ReceivedObjects,
    partner_id: str,
    modules: tuple[ReceivedModule, ...] = tuple(ReceivedModule),
    date_from: datetime | None = None,
) -> dict[ReceivedModule, SyncCount]:
    """Pull each module the partner offers as Sender; modules it does not offer are left out."""
    partner = await roaming.partners.get(partner_id)
    if partner is None or not partner.registered or partner.their_token is None:
        raise NotFound(f"no registered partner {partner_id}")
    counts = {}
    for module in modules:
        url = partner.endpoint(module.value, InterfaceRole.SENDER)
        if url is not None:
            counts[module] = await _pull(roaming, store, partner, module, _first(url, date_from))
    return counts


def _first(url: str, date_from: datetime | None) -> str:
    if date_from is None:
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}date_from={urllib.parse.quote(timestamp_to_ocpi(date_from))}"


async def _pull(
    roaming: Roaming,
    store: ReceivedObjects,
    partner: Partner,
    module: ReceivedModule,
    url: str,
) -> SyncCount:
    assert partner.their_token is not None
    count, seen = SyncCount(), set[str]()
    next_url: str | None = url
    while next_url is not None and next_url not in seen and len(seen) < MAX_PAGES:
        seen.add(next_url)
        to = partner.party(PartyRole.CPO)
        page = await roaming.peer.page(next_url, partner.their_token, to)
        for item in page.items:
            await _store(store, partner, module, item, count)
        next_url = page.next_url
    log.info("OCPI sync of %s from %s: %s", module.value, partner.id, count)
    return count


async def _store(
    store: ReceivedObjects,
    partner: Partner,
    module: ReceivedModule,
    item: object,
    count: SyncCount,
) -> None:
    try:
        if not isinstance(item, dict):
            raise InvalidValue("not a JSON object")
        key = roaming_received.object_key(item)
        changed = await roaming_received.put_object(module, key, item, partner, store)
    except DomainError as refusal:
        count.refused += 1
        if len(count.errors) < 10:
            name = item.get("id") if isinstance(item, dict) else None
            count.errors.append(f"{module.value} {name}: {refusal}")
        log.warning("OCPI sync of %s from %s refused an object: %s", module, partner.id, refusal)
        return
    if changed:
        count.stored += 1
    else:
        count.unchanged += 1
