"""Pulling what a partner CPO publishes (another Kilowatt): `kilowatt ocpi sync` and the
operator API follow every page, store what is new, and leave what is unchanged alone."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.e2e.ocpi.support import invite, partner_server
from tests.e2e.ocpi.test_ocpi_cli import kilowatt
from tests.e2e.test_api_tariffs import priced_site


async def test_the_cli_and_the_api_pull_a_partner_cpo_s_locations_and_tariffs(
    fast_server: RunningServer, tmp_path: Path
) -> None:
    async with partner_server(tmp_path, party_id="CPX") as cpo, cpo.client() as cpo_api:
        await priced_site(cpo_api, "CP-S1")
        invitation = await invite(cpo_api)
        async with fast_server.client() as api:
            body = {"versions_url": invitation["versions_url"], "token": invitation["token"]}
            registered = await api.post("/api/v1/ocpi/partners/register", json=body)
            assert registered.status_code == 201, registered.text
            partner_id = registered.json()["id"]

            result = await kilowatt(
                fast_server, "ocpi", "sync", partner_id, "--module", "locations"
            )
            assert result.exit_code == 0, result.output
            assert re.search(r"locations\s*│\s*[01]\s*│", result.output), result.output

            synced = await api.post(f"/api/v1/ocpi/partners/{partner_id}/sync", json={})
            assert synced.status_code == 200, synced.text
            counts = synced.json()
            assert counts["locations"]["stored"] + counts["locations"]["unchanged"] == 1
            assert counts["locations"]["refused"] == 0
            # priced_site's tariffs say NL*KWT, not the partner's DE*CPX: refused, not stored
            assert (counts["tariffs"]["stored"], counts["tariffs"]["refused"]) == (0, 2)
            assert "not one of the caller's parties" in counts["tariffs"]["errors"][0]
            assert set(counts) == {"locations", "tariffs", "sessions", "cdrs"}
            (listed,) = (await api.get("/api/v1/ocpi/partner-locations")).json()
            assert (listed["partner_id"], listed["location"]["id"]) == (partner_id, "AMS-1")
            assert listed["location"]["party_id"] == "CPX"

            unknown = await kilowatt(fast_server, "ocpi", "sync", "no-such-partner")
            assert unknown.exit_code == 1 and "sync failed" in unknown.output
            missing = await api.post("/api/v1/ocpi/partners/no-such-partner/sync", json={})
            assert missing.status_code == 404
