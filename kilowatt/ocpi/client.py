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

from kilowatt.domain.roaming import Endpoint, InterfaceRole, PartnerFailed
from kilowatt.ports import OcpiPush, PulledPage

__all__ = ["HttpRoamingPeer", "UnknownAtPartner", "authorization_header"]


class UnknownAtPartner(PartnerFailed):
    """OCPI 2004 (unknown token) or a bare 404."""


def authorization_header(token: str) -> str:
    """OCPI 2.2.1: ``Token <base64 of the token>``."""
    return "Token " + base64.b64encode(token.encode()).decode()


class HttpRoamingPeer:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

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
        await self._call(push.method, push.url, token, json.loads(push.body))

    async def authorize(self, url: str, token: str, token_type: str) -> Mapping[str, Any] | None:
        try:
            info = _single(await self._call("POST", url, token, params={"type": token_type}))
        except UnknownAtPartner:
            return None
        if not isinstance(info, dict):
            raise PartnerFailed(f"{url} answered without AuthorizationInfo")
        return info

    async def page(self, url: str, token: str) -> PulledPage:
        response, data = await self._exchange("GET", url, token)
        if not isinstance(data, list):
            raise PartnerFailed(f"GET {url} did not answer with a list")
        next_url = response.links.get("next", {}).get("url")
        return PulledPage(data, next_url)

    async def command(self, url: str, token: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        answer = _single(await self._call("POST", url, token, body))
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
    ) -> Any:
        return (await self._exchange(method, url, token, body, params))[1]

    async def _exchange(
        self,
        method: str,
        url: str,
        token: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[httpx.Response, Any]:
        headers = {
            "Authorization": authorization_header(token),
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
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
