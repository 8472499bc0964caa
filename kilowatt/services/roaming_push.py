"""Pushes to every registered partner's Receiver modules (CPO → eMSP; and as eMSP, our
drivers' tokens → CPO), through a durable outbox: an EVSE status change is PATCHed, a session
PUT, a CDR POSTed, a token PUT. A partner that is down gets everything later, in order: per
(partner, object) only the oldest pending push is sent, and a failure is retried with
exponential backoff before anything newer for that object.

The outbox row is written right after the change is committed, not in its transaction: at
start, ``catch_up`` re-stages the session, CDR and token pushes a crash in between lost."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kilowatt.domain import events
from kilowatt.domain.locations import ConnectorStatus, ocpi_evse_status
from kilowatt.domain.roaming import (
    InterfaceRole,
    Partner,
    PartnerFailed,
    PartnerRegistered,
    PartyAddress,
    PartyRole,
)
from kilowatt.domain.tariff_json import as_timestamp, timestamp_to_ocpi
from kilowatt.domain.tokens import IdToken
from kilowatt.ports import OcpiPush, PushOutbox, RoamingReads, UpdatedWindow
from kilowatt.services import billing
from kilowatt.services.context import ServiceContext
from kilowatt.services.roaming import Roaming
from kilowatt.services.roaming_tokens import token_object
from kilowatt.services.upkeep import every

__all__ = ["LocationLookup", "LocationSource", "PushPolicy", "Pusher", "TokenSource", "retry_delay"]

#: Every published location as an OCPI Location object (rendered by the OCPI adapter).
LocationSource = Callable[[], Awaitable[list[dict[str, Any]]]]
#: One location as an OCPI Location object, None when it is gone.
LocationLookup = Callable[[str], Awaitable[dict[str, Any] | None]]

#: Every token of our drivers (cards and app tokens), pushed to a partner CPO that registers.
TokenSource = Callable[[], Awaitable[Sequence[IdToken]]]

log = logging.getLogger(__name__)

_MAX_DELAY = timedelta(hours=1)
_PUSHED = (
    PartnerRegistered,
    events.ConnectorStatusChanged,
    events.LocationChanged,
    events.TransactionStarted,
    events.TransactionEnded,
    events.CdrIssued,
)


@dataclass(frozen=True, slots=True)
class PushPolicy:
    poll_interval_s: float = 1.0
    retry_base_s: float = 5.0  # doubled after every failure, up to an hour
    max_attempts: int = 200  # about a week at the hourly cap
    catch_up_s: float = 86400.0  # at start, sessions and CDRs changed this far back are checked


@dataclass(frozen=True, slots=True)
class _Change:
    """A session or CDR as it stands, and the push that would carry it."""

    module: str
    key: str
    method: str
    path: str
    body: dict[str, Any]
    changed_at: datetime
    once: bool  # a CDR is POSTed once; a session PUT again when it changed since


def retry_delay(policy: PushPolicy, attempts: int) -> timedelta:
    """After the n-th failed attempt: base · 2^(n-1), at most an hour."""
    return min(timedelta(seconds=policy.retry_base_s * 2 ** min(attempts - 1, 40)), _MAX_DELAY)


class Pusher:
    """Subscribed to the event publisher: stages pushes; ``running`` delivers them."""

    def __init__(
        self, ctx: ServiceContext, roaming: Roaming, outbox: PushOutbox, policy: PushPolicy
    ) -> None:
        self._ctx = ctx
        self._roaming = roaming
        self._outbox = outbox
        self._policy = policy
        self._wakeup = asyncio.Event()
        self._delivering = asyncio.Lock()  # one delivery loop at a time keeps the order
        self.locations: LocationSource | None = None  # set once the OCPI adapter exists
        self.location: LocationLookup | None = None  # likewise
        self.tokens: TokenSource | None = None  # our drivers' tokens, set by bootstrap
        self.reads: RoamingReads | None = None  # for catch_up, set by bootstrap

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.TokenChanged):
            await self._stage(await self._token_pushes(event.uid))
            return
        if isinstance(event, PartnerRegistered):
            await self._stage(await self._all_tokens(event.partner_id))
        if not isinstance(event, _PUSHED):
            return
        receivers = [p for p in await self._roaming.partners.all() if _receives(p)]
        if not receivers:
            return
        await self._stage(await self._pushes(event, receivers))

    async def _stage(self, pushes: list[OcpiPush]) -> None:
        await self._outbox.add(pushes)
        if pushes:
            self._wakeup.set()

    async def _all_tokens(self, partner_id: str) -> list[OcpiPush]:
        """A new partner CPO gets every token of our drivers (changes follow one by one)."""
        partner = await self._roaming.partners.get(partner_id)
        if self.tokens is None or partner is None or not _receives_tokens(partner):
            return []
        pushes = []
        for token in await self.tokens():
            body = token_object(token)
            path = f"/{body['country_code']}/{body['party_id']}/{token.uid}?type={body['type']}"
            pushes += self._each([partner], "tokens", f"token:{token.uid}", "PUT", path, body)
        return pushes

    async def _token_pushes(self, uid: str) -> list[OcpiPush]:
        """A driver's token changed: PUT to every partner CPO's Tokens receiver (eMSP role)."""
        async with self._ctx.uow() as uow:
            token = await uow.tokens.get(uid)
            ours = token is not None and await uow.drivers.owner_of(uid) is not None
        partners = [p for p in await self._roaming.partners.all() if _receives_tokens(p)]
        if token is None or not ours or not partners:
            return []
        body = token_object(token)
        path = f"/{body['country_code']}/{body['party_id']}/{uid}?type={body['type']}"
        return self._each(partners, "tokens", f"token:{uid}", "PUT", path, body)

    async def enqueue(self, push: OcpiPush) -> None:
        """Stage one push of our own making (a CommandResult), sent like the others."""
        await self._outbox.add([dataclasses.replace(push, next_attempt_at=push.created_at)])
        self._wakeup.set()

    async def _pushes(self, event: events.Event, partners: Sequence[Partner]) -> list[OcpiPush]:
        us = self._roaming.us
        if isinstance(event, PartnerRegistered):
            return await self._all_locations([p for p in partners if p.id == event.partner_id])
        if isinstance(event, events.ConnectorStatusChanged):
            found = await self._evse_path(event)
            if found is None:
                return []
            key, path, body = found
            return self._each(partners, "locations", key, "PATCH", path, body)
        if isinstance(event, events.LocationChanged):
            return await self._location(event.location_id, partners)
        if isinstance(event, events.TransactionStarted | events.TransactionEnded):
            session = await billing.session_object(
                event.station_id, event.transaction_id, self._ctx
            )
            path = f"/{us.country_code}/{us.party_id}/{session['id']}"
            key = f"session:{session['id']}"
            return self._each(partners, "sessions", key, "PUT", path, session)
        if isinstance(event, events.CdrIssued):
            async with self._ctx.uow() as uow:
                record = await uow.cdrs.get(event.cdr_id)
            if record is None:
                return []
            return self._each(partners, "cdrs", f"cdr:{event.cdr_id}", "POST", "", record.body)
        return []

    async def _all_locations(self, partners: Sequence[Partner]) -> list[OcpiPush]:
        """A new partner gets every published location (PATCHes of their EVSEs follow)."""
        us, pushes = self._roaming.us, []
        for location in await self.locations() if self.locations and partners else []:
            path = f"/{us.country_code}/{us.party_id}/{location['id']}"
            key = f"location:{location['id']}"
            pushes += self._each(partners, "locations", key, "PUT", path, location)
        return pushes

    async def _location(self, location_id: str, partners: Sequence[Partner]) -> list[OcpiPush]:
        """An operator's change: the whole location is PUT (in order with its EVSE PATCHes)."""
        location = await self.location(location_id) if self.location else None
        if location is None:
            return []
        path = f"/{self._roaming.us.country_code}/{self._roaming.us.party_id}/{location_id}"
        return self._each(partners, "locations", f"location:{location_id}", "PUT", path, location)

    async def _evse_path(
        self, event: events.ConnectorStatusChanged
    ) -> tuple[str, str, dict[str, Any]] | None:
        async with self._ctx.uow() as uow:
            station = await uow.stations.get(event.station_id)
        evse = station.evse(event.evse_id) if station else None
        if station is None or evse is None or station.location_id is None:
            return None
        try:
            status = ocpi_evse_status(ConnectorStatus(event.status), connected=True)
        except ValueError:
            return None
        us = self._roaming.us
        path = f"/{us.country_code}/{us.party_id}/{station.location_id}/{evse.uid}"
        body = {"status": status, "last_updated": timestamp_to_ocpi(self._ctx.clock.now())}
        return f"location:{station.location_id}", path, body

    def _each(
        self,
        partners: Sequence[Partner],
        module: str,
        key: str,
        method: str,
        path: str,
        body: Any,
    ) -> list[OcpiPush]:
        now, text = self._ctx.clock.now(), json.dumps(body, separators=(",", ":"))
        pushes = []
        for partner in partners:
            url = partner.endpoint(module, InterfaceRole.RECEIVER)
            if url is not None:
                push = OcpiPush(partner.id, key, method, url.rstrip("/") + path, text, now)
                push = push.addressed(_addressee(partner, module, body))
                pushes.append(dataclasses.replace(push, next_attempt_at=now))
        return pushes

    async def deliver_due(self, limit: int = 100) -> int:
        """Send what is due, round after round while something got through."""
        async with self._delivering:
            return await self._deliver_rounds(limit)

    async def _deliver_rounds(self, limit: int) -> int:
        delivered_total = 0
        while True:
            due = await self._outbox.due(self._ctx.clock.now(), limit)
            delivered = 0
            for push in due:
                outcome = await self._attempt(push)
                delivered += outcome.delivered_at is not None
                await self._outbox.save(outcome)
            delivered_total += delivered
            if not delivered:
                return delivered_total

    async def _attempt(self, push: OcpiPush) -> OcpiPush:
        attempts, now = push.attempts + 1, self._ctx.clock.now()
        partner = await self._roaming.partners.get(push.partner_id)
        if partner is None or not partner.registered or partner.their_token is None:
            return dataclasses.replace(push, next_attempt_at=None, last_error="unregistered")
        try:
            await self._roaming.peer.push(push, partner.their_token)
        except PartnerFailed as failure:
            gave_up = attempts >= self._policy.max_attempts
            log.warning("OCPI push %s attempt %d failed: %s", push.seq, attempts, failure)
            retry_at = None if gave_up else now + retry_delay(self._policy, attempts)
            return dataclasses.replace(
                push, attempts=attempts, next_attempt_at=retry_at, last_error=str(failure)[:255]
            )
        return dataclasses.replace(
            push, attempts=attempts, next_attempt_at=None, delivered_at=now, last_error=None
        )

    async def catch_up(self) -> int:
        """Re-stage the pushes a crash between a change's commit and its staging lost: each
        session, CDR or driver token changed within ``catch_up_s`` (and since the partner
        registered) whose latest push to a partner is missing, or older than the change
        (a CDR is POSTed once). Returns how many pushes were staged."""
        partners = [p for p in await self._roaming.partners.all() if _receives_any(p)]
        if self.reads is None or not partners:
            return 0
        since = self._ctx.clock.now() - timedelta(seconds=self._policy.catch_up_s)
        window = UpdatedWindow(since, None)
        changes = [
            *await self._session_changes(self.reads, window),
            *await self._cdr_changes(self.reads, window),
            *await self._token_changes(self.reads, window),
        ]
        pushes: list[OcpiPush] = []
        for partner in partners:
            latest = await self._outbox.latest(partner.id, [c.key for c in changes])
            for c in changes:
                pushed_at = latest.get(c.key)
                missed = pushed_at is None or (not c.once and pushed_at < c.changed_at)
                if missed and c.changed_at >= partner.created_at and _wants(partner, c.module):
                    pushes += self._each([partner], c.module, c.key, c.method, c.path, c.body)
        await self._stage(pushes)
        if pushes:
            log.warning("OCPI catch-up: %d pushes lost before a restart staged again", len(pushes))
        return len(pushes)

    async def _session_changes(self, reads: RoamingReads, window: UpdatedWindow) -> list[_Change]:
        """Sessions updated in ``window``, as they stand now."""
        us, changes, offset = self._roaming.us, [], 0
        while page := (await reads.session_keys(window, limit=100, offset=offset)).items:
            for station_id, transaction_id in page:
                body = await billing.session_object(station_id, transaction_id, self._ctx)
                path = f"/{us.country_code}/{us.party_id}/{body['id']}"
                changed = as_timestamp(body["last_updated"], "last_updated")
                key = f"session:{body['id']}"
                changes.append(_Change("sessions", key, "PUT", path, body, changed, once=False))
            offset += len(page)
        return changes

    async def _cdr_changes(self, reads: RoamingReads, window: UpdatedWindow) -> list[_Change]:
        changes: list[_Change] = []
        while cdrs := (await reads.cdr_bodies(window, limit=100, offset=len(changes))).items:
            for cdr in cdrs:
                changed = as_timestamp(cdr["last_updated"], "last_updated")
                key = f"cdr:{cdr['id']}"
                changes.append(_Change("cdrs", key, "POST", "", dict(cdr), changed, once=True))
        return changes

    async def _token_changes(self, reads: RoamingReads, window: UpdatedWindow) -> list[_Change]:
        """Our drivers' tokens updated in ``window`` (for partner CPOs)."""
        changes: list[_Change] = []
        while tokens := (
            await reads.driver_token_page(window, limit=100, offset=len(changes))
        ).items:
            for token in tokens:
                body = token_object(token)
                path = f"/{body['country_code']}/{body['party_id']}/{token.uid}?type={body['type']}"
                changed = as_timestamp(body["last_updated"], "last_updated")
                key = f"token:{token.uid}"
                changes.append(_Change("tokens", key, "PUT", path, body, changed, once=False))
        return changes

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Deliveries every poll interval, and right after a push is staged; what a crash
        lost is staged again first."""
        try:
            await self.catch_up()
        except Exception:  # a failed catch-up must not keep the server from serving
            log.exception("OCPI push catch-up failed")
        stop = asyncio.Event()
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(every(self._policy.poll_interval_s, self.deliver_due, stop))
            tasks.create_task(self._on_wakeup(stop))
            try:
                yield
            finally:
                stop.set()
                self._wakeup.set()

    async def _on_wakeup(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._wakeup.wait()
            self._wakeup.clear()
            if stop.is_set():
                return
            try:
                await self.deliver_due()
            except Exception:
                log.exception("OCPI push delivery failed")


def _receives(partner: Partner) -> bool:
    return partner.registered and partner.acts_as(PartyRole.EMSP)


def _receives_tokens(partner: Partner) -> bool:
    return partner.registered and partner.acts_as(PartyRole.CPO)


def _receives_any(partner: Partner) -> bool:
    return _receives(partner) or _receives_tokens(partner)


def _wants(partner: Partner, module: str) -> bool:
    """Tokens go to partner CPOs, everything else we push to partner eMSPs."""
    return _receives_tokens(partner) if module == "tokens" else _receives(partner)


def _addressee(partner: Partner, module: str, body: Any) -> PartyAddress | None:
    """The partner's party a push is to (routing headers): a session's or CDR's is the
    eMSP party of its token when that party is theirs; tokens go to their CPO party,
    everything else we push as CPO to their eMSP party."""
    token = body.get("cdr_token") if isinstance(body, dict) else None
    if module in ("sessions", "cdrs") and isinstance(token, dict):
        owner = PartyAddress(str(token.get("country_code")), str(token.get("party_id")))
        if partner.owns(owner):
            return owner
    return partner.party(PartyRole.CPO if module == "tokens" else PartyRole.EMSP)
