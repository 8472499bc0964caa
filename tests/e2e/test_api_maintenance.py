"""Firmware updates and diagnostics uploads over the REST API against simulated stations of
both OCPP versions: the station reports each step, the API shows them, and the diagnostics
file really arrives at the upload URL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kilowatt.adapters.clock import FixedClock
from tests.conftest import RunningServer, free_port, settings_for
from tests.e2e.test_api_device_model import simulated
from tests.support import eventually, register_station

VERSIONS = ["1.6", "2.0.1"]
STEP = {"maintenance_step_s": 0.01}


@contextlib.asynccontextmanager
async def upload_server() -> AsyncIterator[tuple[str, dict[str, bytes]]]:
    """An HTTP server that keeps what is PUT to it: (base URL, {path: body})."""
    received: dict[str, bytes] = {}

    async def put(request: Request) -> Response:
        received[request.url.path] = await request.body()
        return Response(status_code=201)

    app = Starlette(routes=[Route("/{path:path}", put, methods=["PUT"])])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError("the upload server did not start")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/uploads", received
    finally:
        server.should_exit = True
        await task


async def state(api: httpx.AsyncClient, station_id: str, what: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/stations/{station_id}/{what}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def statuses(body: dict[str, Any]) -> list[str]:
    return [entry["status"] for entry in reversed(body["history"])]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (None, ["Downloading", "Downloaded", "Installing", "Installed"]),
        ("download", ["Downloading", "DownloadFailed"]),
        ("install", ["Downloading", "Downloaded", "Installing", "InstallationFailed"]),
    ],
)
async def test_a_firmware_update_is_reported_step_by_step(
    server: RunningServer,
    api: httpx.AsyncClient,
    version: str,
    failure: str | None,
    expected: list[str],
) -> None:
    await register_station(api, "FW1")
    location = "https://firmware.example/kw-1.2.0.bin"
    async with simulated(server, "FW1", version, firmware_failure=failure, **STEP) as station:
        answer = await api.post("/api/v1/stations/FW1/firmware", json={"location": location})
        body = await eventually(
            lambda: state(api, "FW1", "firmware"),
            lambda found: len(found["history"]) == len(expected),
        )

    assert answer.status_code == 200, answer.text
    assert answer.json()["status" if version == "2.0.1" else "requestId"] is not None
    assert statuses(body) == expected
    assert body["status"] == expected[-1]
    installed = location if expected[-1] == "Installed" else None
    assert station.installed_firmware == installed
    if version == "2.0.1":
        assert {e["request_id"] for e in body["history"]} == {answer.json()["requestId"]}


@pytest.mark.parametrize("version", VERSIONS)
async def test_diagnostics_are_uploaded_to_the_url_and_the_upload_is_reported(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "DG1")
    async with upload_server() as (url, received), simulated(server, "DG1", version, **STEP):
        answer = await api.post("/api/v1/stations/DG1/diagnostics", json={"location": url})
        body = await eventually(
            lambda: state(api, "DG1", "diagnostics"), lambda found: len(found["history"]) == 2
        )

    assert answer.status_code == 200, answer.text
    file_name = answer.json()["fileName" if version == "1.6" else "filename"]
    assert file_name == "DG1-diagnostics.txt"
    assert b"station: DG1" in received[f"/uploads/{file_name}"]
    assert statuses(body) == ["Uploading", "Uploaded"]
    kind = "DiagnosticsStatusNotification" if version == "1.6" else "LogStatusNotification"
    assert {entry["kind"] for entry in body["history"]} == {kind}


@pytest.mark.parametrize("version", VERSIONS)
async def test_an_upload_nobody_receives_is_reported_as_failed(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "DG2")
    nowhere = f"http://127.0.0.1:{free_port()}/uploads"
    async with simulated(server, "DG2", version, **STEP):
        await api.post("/api/v1/stations/DG2/diagnostics", json={"location": nowhere})
        body = await eventually(
            lambda: state(api, "DG2", "diagnostics"), lambda found: len(found["history"]) == 2
        )
    failed = "UploadFailed" if version == "1.6" else "UploadFailure"
    assert statuses(body) == ["Uploading", failed]


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_reboots_on_reset_and_boots_again(
    server: RunningServer, api: httpx.AsyncClient, version: str
) -> None:
    await register_station(api, "RB1")
    async with simulated(server, "RB1", version, **STEP) as station:
        before = await state(api, "RB1", "state")
        answer = await api.post("/api/v1/stations/RB1/reset", json={"type": "hard"})
        after = await eventually(
            lambda: state(api, "RB1", "state"),
            lambda found: found["last_boot_at"] != before["last_boot_at"],
            timeout_s=5,
        )

        async def is_online() -> bool:
            return station.online

        online = await eventually(is_online, bool)

    assert answer.json() == {"status": "Accepted"}
    assert (station.stats.reboots, station.stats.boots, station.stats.connections) == (1, 2, 2)
    assert after["last_boot_at"] > before["last_boot_at"]
    assert online


async def test_request_ids_never_collide_even_on_a_clock_that_stands_still(
    database_url: str,
) -> None:
    """Firmware, diagnostics, base report (also sent raw, without a requestId) and GetReport
    requests sent at the same instant each get their own requestId (from the store's
    sequence, not from the clock)."""
    running = RunningServer(
        settings_for(database_url), FixedClock(datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC))
    )
    await running.start()
    try:
        async with running.client() as api:
            await register_station(api, "RQ1")
            async with simulated(running, "RQ1", "2.0.1", **STEP):
                answers = await asyncio.gather(
                    api.post("/api/v1/stations/RQ1/firmware", json={"location": "https://fw/1"}),
                    api.post("/api/v1/stations/RQ1/firmware", json={"location": "https://fw/2"}),
                    api.post("/api/v1/stations/RQ1/diagnostics", json={"location": "https://up"}),
                    api.post("/api/v1/stations/RQ1/configuration/refresh"),
                    api.post(
                        "/api/v1/stations/RQ1/commands/GetBaseReport",
                        json={"reportBase": "FullInventory"},
                    ),
                )
                report = await api.post(
                    "/api/v1/stations/RQ1/configuration/report",
                    json={"variables": [{"component": "EVSE"}]},
                )
    finally:
        await running.stop()

    assert all(answer.status_code == 200 for answer in answers), [a.text for a in answers]
    ids = [answers[0].json()["requestId"], answers[1].json()["requestId"]]
    ids += [answers[2].json()["requestId"], answers[3].json()["request_id"]]
    ids += [answers[4].json()["requestId"], *report.json()["request_ids"]]
    assert len(set(ids)) == len(ids) == 6, ids
