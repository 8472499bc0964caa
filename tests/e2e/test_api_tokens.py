"""ID tokens over the API: register, change, block, remove."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import TAG, register_token


async def test_a_token_is_created_read_changed_blocked_and_deleted(
    api: httpx.AsyncClient,
) -> None:
    created = await register_token(api, TAG, contract_id="NL-KWT-C12345678-X", group_id="fleet")
    assert (created["uid"], created["type"], created["status"]) == (TAG, "RFID", "ACTIVE")
    assert (await api.get(f"/api/v1/tokens/{TAG}")).json() == created
    await register_token(api, "AAAA0001", type="APP_USER")
    listed = (await api.get("/api/v1/tokens", params={"limit": 10})).json()
    assert [t["uid"] for t in listed] == [TAG, "AAAA0001"]  # by uid

    changed = await api.patch(f"/api/v1/tokens/{TAG}", json={"visual_number": "Card 17"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["visual_number"] == "Card 17"
    assert changed.json()["contract_id"] == "NL-KWT-C12345678-X"
    blocked = await api.patch(f"/api/v1/tokens/{TAG}", json={"status": "BLOCKED"})
    assert blocked.json()["status"] == "BLOCKED"
    assert (await api.get(f"/api/v1/tokens/{TAG}")).json()["status"] == "BLOCKED"

    assert (await api.delete(f"/api/v1/tokens/{TAG}")).status_code == 204
    gone = await api.get(f"/api/v1/tokens/{TAG}")
    assert gone.status_code == 404
    assert gone.json()["detail"] == f"no token {TAG}"
    assert (await api.delete(f"/api/v1/tokens/{TAG}")).status_code == 404
    assert (await api.patch(f"/api/v1/tokens/{TAG}", json={})).status_code == 404


async def test_a_duplicate_token_is_409(api: httpx.AsyncClient) -> None:
    await register_token(api, TAG)
    again = await api.post("/api/v1/tokens", json={"uid": TAG, "type": "RFID"})
    assert again.status_code == 409
    assert again.json()["detail"] == f"token {TAG} already exists"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"uid": "X" * 37}, "at most 36 characters"),
        ({"uid": ""}, "at least 1 character"),
        ({"uid": TAG, "type": "CREDIT_CARD"}, "Input should be 'RFID'"),
        ({"uid": TAG, "status": "LOST"}, "Input should be 'ACTIVE' or 'BLOCKED'"),
        ({"uid": TAG, "party_id": "KW"}, "at least 3 characters"),
        ({"uid": TAG, "expires_at": "soon"}, "Input should be a valid datetime"),
    ],
)
async def test_an_invalid_token_is_422_with_a_message(
    api: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    response = await api.post("/api/v1/tokens", json=body)
    assert response.status_code == 422
    assert message in str(response.json()["detail"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": None}, "status cannot be null"),
        ({"whitelist": "SOMETIMES"}, "Input should be"),
        ({"uid": "OTHER"}, "Extra inputs are not permitted"),
    ],
)
async def test_an_invalid_token_change_is_422(
    api: httpx.AsyncClient, changes: dict[str, Any], message: str
) -> None:
    await register_token(api, TAG)
    response = await api.patch(f"/api/v1/tokens/{TAG}", json=changes)
    assert response.status_code == 422
    assert message in str(response.json()["detail"])
