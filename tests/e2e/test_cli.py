"""The command line: migrate, serve and the demo, as a newcomer runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kilowatt.cli import app
from tests.conftest import free_port


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_migrate_creates_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kw.db"
    monkeypatch.setenv("KILOWATT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert {"charging_stations", "transactions", "meter_samples"} <= _tables(path)


def test_the_demo_seeds_and_runs_a_fleet_against_its_own_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.db"
    monkeypatch.setenv("KILOWATT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    port = str(free_port())
    args = ["demo", "--port", port, "--stations", "4", "--duration", "4", "--speed", "300"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Kilowatt demo" in result.output and "Fleet report" in result.output
    assert f"http://127.0.0.1:{port}/app/" in result.output  # the driver app, and who to be
    assert "demo.driver@example.com / kilowatt-demo-driver" in result.output
    with sqlite3.connect(path) as db:
        booted = db.execute("SELECT count(*) FROM charging_stations WHERE last_boot_at IS NOT NULL")
        assert booted.fetchone()[0] == 4
        assert db.execute("SELECT count(*) FROM id_tokens").fetchone()[0] == 8 + 1  # + app token
        assert db.execute("SELECT count(*) FROM locations").fetchone()[0] == 2
        verified = "SELECT email FROM drivers WHERE email_verified_at IS NOT NULL"
        assert db.execute(verified).fetchall() == [("demo.driver@example.com",)]


def test_serve_answers_on_the_given_port(tmp_path: Path) -> None:
    port = free_port()
    env = {"KILOWATT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"}
    command = [sys.executable, "-m", "kilowatt", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env | _path_env(), stdout=subprocess.DEVNULL)
    try:
        health = _wait_for(f"http://127.0.0.1:{port}/api/v1/health")
        assert health["status"] == "ok"
    finally:
        process.terminate()
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells it
        assert process.wait(timeout=15) in (0, -15)


def _path_env() -> dict[str, str]:
    return {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}


def _wait_for(url: str) -> dict[str, object]:
    deadline = time.monotonic() + 20
    while True:
        try:
            response = httpx.get(url, timeout=1)
            body: dict[str, object] = response.json()
            return body
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
