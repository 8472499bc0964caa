"""`kilowatt ocpi invite` and `kilowatt ocpi register` against a running server (the CLI
shares its database) and a partner Kilowatt."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from kilowatt.cli import app
from tests.conftest import RunningServer
from tests.e2e.ocpi.support import invite, partner_server


async def kilowatt(server: RunningServer, *args: str) -> Result:
    """Run the CLI in a thread (it runs its own event loop) with the server's settings."""
    env = {
        "KILOWATT_DATABASE_URL": server.settings.database_url,
        "KILOWATT_PORT": str(server.settings.port),
        "KILOWATT_MIGRATE_ON_START": "false",
    }
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)


async def test_a_partner_registers_with_the_invitation_the_cli_printed(
    server: RunningServer, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    result = await kilowatt(server, "ocpi", "invite")
    assert result.exit_code == 0, result.output
    versions_url = re.search(r"versions URL: (\S+)", result.output)
    token = re.search(r"token A: +(\S+)", result.output)
    assert versions_url and token
    assert versions_url[1] == f"{server.base_url}/ocpi/versions"
    async with partner_server(tmp_path, party_id="PRT") as partner, partner.client() as their:
        body = {"versions_url": versions_url[1], "token": token[1]}
        registered = await their.post("/api/v1/ocpi/partners/register", json=body)
        assert registered.status_code == 201, registered.text
    partners = (await api.get("/api/v1/ocpi/partners")).json()
    assert [(p["status"], p["party_id"]) for p in partners] == [("REGISTERED", "PRT")]


async def test_the_cli_registers_at_a_partner_or_says_why_not(
    server: RunningServer, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    async with partner_server(tmp_path, party_id="PRT") as partner, partner.client() as their:
        invitation = await invite(their)
        args = ["ocpi", "register", "--url", invitation["versions_url"]]
        result = await kilowatt(server, *args, "--token", invitation["token"])
        assert result.exit_code == 0, result.output
        assert "REGISTERED: DE PRT (CPO)" in result.output
        again = await kilowatt(server, *args, "--token", invitation["token"])
        assert again.exit_code == 1
        assert "registration failed" in again.output
    partners = (await api.get("/api/v1/ocpi/partners")).json()
    assert [p["party_id"] for p in partners if p["status"] == "REGISTERED"] == ["PRT"]
