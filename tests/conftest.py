"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, and a real server.

PostgreSQL comes from KILOWATT_TEST_POSTGRES_URL (default: the local server, database
``test``). The schema is migrated once per run into a template; every test gets a copy
(``CREATE DATABASE ... TEMPLATE``) that is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from kilowatt.bootstrap import Kilowatt, build
from kilowatt.config import Settings
from kilowatt.ports import Clock
from kilowatt.store.database import upgrade_schema

POSTGRES_URL = os.environ.get(
    "KILOWATT_TEST_POSTGRES_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test"
)
ADMIN_KEY = "test-admin-key-0123456789"


def _admin_url() -> str:
    return POSTGRES_URL


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _postgres_execute(*statements: str) -> None:
    engine = create_async_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _database_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "kilowatt.db"
    _run(upgrade_schema(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = f"kw_template_{os.getpid()}"
    _run(
        _postgres_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    )
    _run(upgrade_schema(_database_url(name)))
    yield name
    _run(_postgres_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database of its own for one test."""
    if request.param == "sqlite":
        path = tmp_path / "kilowatt.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"kw_{uuid.uuid4().hex[:12]}"
    await _postgres_execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield _database_url(name)
    finally:
        await _postgres_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RunningServer:
    """Kilowatt served by uvicorn on 127.0.0.1 in the test's event loop; can be restarted."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.kw: Kilowatt | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}/ocpp"

    @property
    def app(self) -> Kilowatt:
        assert self.kw is not None, "the server is not running"
        return self.kw

    async def start(self) -> None:
        self.kw = build(self.settings, clock=self.clock)
        config = uvicorn.Config(
            self.kw.app,
            host="127.0.0.1",
            port=self.settings.port,
            log_level="warning",
            ws_ping_interval=None,
            timeout_graceful_shutdown=2,
            forwarded_allow_ips=self.settings.forwarded_allow_ips,  # as `kilowatt serve`
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError("the server did not start")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, 15)
        self._server, self._task = None, None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def client(self, key: str | None = ADMIN_KEY) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=10)


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "admin_api_key": ADMIN_KEY,
        "migrate_on_start": False,
        "port": free_port(),
        "call_timeout_s": 5.0,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[RunningServer]:
    running = RunningServer(settings_for(database_url))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def api(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with server.client() as client:
        yield client
