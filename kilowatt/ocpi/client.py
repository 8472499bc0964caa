"""Calls to partners' OCPI APIs over httpx (implements ports.RoamingPeer).

Every failure becomes ``PartnerFailed`` here, at one seam. Tolerated peer deviations: a single
object sent as a one-element list, and error bodies that are not OCPI envelopes.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from kilowatt.domain.roaming import Endpoint, InterfaceRole, PartnerFailed, PartyAddress
from kilowatt.ports import OcpiPush, PulledPage

__all__ = ["HttpRoamingPeer", "UnknownAtPartner", "authorization_header", "routing_headers"]


class UnknownAtPartner(PartnerFailed):
    """OCPI 2004 (unknown token) or a bare 404."""


def authorization_header(token: str) -> str:
    """OCPI 2.2.1: ``Token <base64 of the token>``."""
    return "Token " + base64.b64encode(token.encode()).decode()


def routing_headers(sender: PartyAddress, to: PartyAddress | None) -> dict[str, str]:
    """OCPI 2.2.1 message routing: from ``sender``, and to ``to`` when known (an open routing
    request leaves the OCPI-to- headers out)."""
    headers = {
        "OCPI-from-country-code": sender.country_code,
        "OCPI-from-party-id": sender.party_id,
    }
    if to is not None:
        headers |= {"OCPI-to-country-code": to.country_code, "OCPI-to-party-id": to.party_id}
    return headers


class HttpRoamingPeer:
    """``us`` is the party our requests to functional modules come from."""

    def __init__(self, client: httpx.AsyncClient, us: PartyAddress) -> None:
        self._client = client
        self._us = us

    async def versions(self, url: str, token: str) -> Sequence[Mapping[str, Any]]:
        data = await self._call("GET", url, token)
        if not isinstance(data, list):
            raise PartnerFailed(f"{url} did not answer with a list of versions")
        return [item for item in data if isinstance(item, dict)]

    async def endpoints(self, url: str, token: str) -> Sequence[Endpoint]:
        data = _single(await self._call("GET", url, token))
        try:
            return [
                Endpoint(str(e["identifier"]), InterfaceRole(str(e["role"]).upper()), str(e["url"]))
                for e in data["endpoints"]
            ]
        except (KeyError, TypeError, ValueError):
            raise PartnerFailed(f"{url} answered with malformed version details") from None

    async def post_credentials(
        self, url: str, token: str, credentials: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        answer = _single(await self._call("POST", url, token, credentials))
        if not isinstance(answer, dict):
            raise PartnerFailed(f"{url} answered without credentials")
        return answer

    async def delete_credentials(self, url: str, token: str) -> None:
        await self._call("DELETE", url, token)

    async def push(self, push: OcpiPush, token: str) -> None:
        routing = routing_headers(self._us, push.to)
        await self._call(push.method, push.url, token, json.loads(push.body), routing=routing)

    async def authorize(
        self, url: str, token: str, token_type: str, to: PartyAddress | None
    ) -> Mapping[str, Any] | None:
        params, routing = {"type": token_type}, routing_headers(self._us, to)
        try:
            info = _single(await self._call("POST", url, token, params=params, routing=routing))
        except UnknownAtPartner:
            return None
        if not isinstance(info, dict):
            raise PartnerFailed(f"{url} answered without AuthorizationInfo")
        return info

    async def page(self, url: str, token: str, to: PartyAddress | None) -> PulledPage:
        routing = routing_headers(self._us, to)
        response, data = await self._exchange("GET", url, token, routing=routing)
        if not isinstance(data, list):
            raise PartnerFailed(f"GET {url} did not answer with a list")
        next_url = response.links.get("next", {}).get("url")
        return PulledPage(data, next_url)

    async def command(
        self, url: str, token: str, body: Mapping[str, Any], to: PartyAddress | None
    ) -> Mapping[str, Any]:
        routing = routing_headers(self._us, to)
        answer = _single(await self._call("POST", url, token, body, routing=routing))
        if not isinstance(answer, dict) or not isinstance(answer.get("result"), str):
            raise PartnerFailed(f"{url} answered without a CommandResponse")
        return answer

    async def _call(
        self,
        method: str,
        url: str,
        token: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        routing: Mapping[str, str] | None = None,
    ) -> Any:
        return (await self._exchange(method, url, token, body, params, routing))[1]

    async def _exchange(
        self,
        method: str,
        url: str,
        token: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        routing: Mapping[str, str] | None = None,
    ) -> tuple[httpx.Response, Any]:
        headers = {
            "Authorization": authorization_header(token),
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
            **(routing or {}),
        }
        try:
            response = await self._client.request(
                method, url, headers=headers, json=body, params=params
            )
            envelope = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise PartnerFailed(f"{method} {url} failed: {error!r}") from None
        status = envelope.get("status_code") if isinstance(envelope, dict) else None
        if status == 2004 or (response.status_code == 404 and status is None):
            raise UnknownAtPartner(f"{url}: unknown")  # a bare 404: extrawest-ocpi
        if response.is_error or status != 1000:
            raise PartnerFailed(f"{method} {url}: HTTP {response.status_code}, {envelope}"[:500])
        return response, envelope.get("data")


def _single(data: Any) -> Any:
    """One object, also when a peer wraps it in a one-element list (extrawest-ocpi)."""
    if isinstance(data, list) and len(data) == 1:
        return data[0]
    return data
