"""The operator API: bearer keys guard every router but health; OpenAPI describes it all.
The driver API's routes need a driver session token, except those that lead to one."""

from __future__ import annotations

import re

import httpx

from tests.conftest import RunningServer

_SAMPLE_PATH_VALUES = {"evse_id": "1", "transaction_id": "1"}
_OPEN = {
    "/api/v1/health",
    *(
        f"/api/v1/driver/{path}"
        for path in (
            "sign-up",
            "sign-in",
            "verify-email",
            "password-reset",
            "password-reset/confirm",
        )
    ),
}


def _operations(openapi: dict[str, object]) -> list[tuple[str, str]]:
    paths = openapi["paths"]
    assert isinstance(paths, dict)
    return [
        (method.upper(), re.sub(r"\{(\w+)\}", lambda m: _SAMPLE_PATH_VALUES.get(m[1], "X"), path))
        for path, item in paths.items()
        for method in item
        if path not in _OPEN
    ]


async def test_every_operation_but_health_answers_401_without_a_valid_key(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    operations = _operations((await api.get("/openapi.json")).json())
    assert len(operations) >= 25
    for key in (None, "not-a-key"):
        async with server.client(key) as client:
            for method, path in operations:
                response = await client.request(method, path, json={})
                assert response.status_code == 401, (key, method, path, response.text)
                assert response.json()["detail"], (method, path)
                assert response.headers["www-authenticate"] == "Bearer"


async def test_health_needs_no_key(server: RunningServer) -> None:
    async with server.client(None) as client:
        response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_the_admin_key_from_the_settings_opens_the_api(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/locations")).status_code == 200


async def test_openapi_lists_the_resources_and_docs_serve_html(server: RunningServer) -> None:
    async with server.client(None) as client:
        openapi = (await client.get("/openapi.json")).json()
        docs = await client.get("/docs")
    assert {
        "/api/v1/locations",
        "/api/v1/locations/{location_id}",
        "/api/v1/locations/{location_id}/stations",
        "/api/v1/stations",
        "/api/v1/stations/{station_id}",
        "/api/v1/stations/{station_id}/state",
        "/api/v1/stations/{station_id}/evses",
        "/api/v1/stations/{station_id}/evses/{evse_id}",
        "/api/v1/stations/{station_id}/status-history",
        "/api/v1/stations/{station_id}/messages",
        "/api/v1/stations/{station_id}/reports",
        "/api/v1/stations/{station_id}/transactions/{transaction_id}",
        "/api/v1/tokens",
        "/api/v1/tokens/{uid}",
        "/api/v1/transactions",
    } <= set(openapi["paths"])
    assert openapi["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert "swagger" in docs.text.lower()
