"""The simulator's fleet (both OCPP versions) charges against the real central system, and
the API shows complete transactions with the energy the cars took."""

from __future__ import annotations

from datetime import datetime

import httpx

from kilowatt.simulator import FleetConfig, StationConfig, run_fleet
from tests.conftest import RunningServer
from tests.support import register_station, register_token

TAGS = [f"04A1B2C3D4{n:04X}" for n in range(1, 9)]


async def test_a_mixed_fleet_completes_transactions_with_energy(
    server: RunningServer, api: httpx.AsyncClient
) -> None:
    ids = [f"FLEET{i:03d}" for i in range(1, 5)]
    for station_id in ids:
        await register_station(api, station_id, password=f"password-of-{station_id}")
    for tag in TAGS:
        await register_token(api, tag)
    behaviour = StationConfig(
        idle_s=(5.0, 10.0),
        plug_to_authorize_s=(1.0, 2.0),
        stay_s=(120.0, 180.0),
        linger_s=(1.0, 2.0),
    )
    report = await run_fleet(
        FleetConfig(
            url=server.ocpp_url,
            stations=len(ids),
            protocol="mixed",
            id_prefix="FLEET",
            password=lambda station_id: f"password-of-{station_id}",
            id_tags=TAGS,
            speed=60.0,
            duration_s=8.0,
            meter_interval_s=0.5,
            seed=7,
            station=behaviour,
        )
    )
    assert report.errors == 0
    assert report.sessions_completed >= 2

    listed = (await api.get("/api/v1/transactions", params={"status": "COMPLETED"})).json()
    charged = {t["station_id"] for t in listed if t["id_token"] and t["energy_wh"] > 0}
    assert charged & {"FLEET001", "FLEET003"}, "OCPP 1.6 stations delivered energy"
    assert charged & {"FLEET002", "FLEET004"}, "OCPP 2.0.1 stations delivered energy"
    backwards = [
        t
        for t in listed
        if t["energy_wh"] < 0
        or datetime.fromisoformat(t["stopped_at"]) < datetime.fromisoformat(t["started_at"])
    ]
    assert backwards == [], "no negative energy, no transaction stopped before it started"
    cdrs = (await api.get("/api/v1/cdrs", params={"limit": 1000})).json()
    assert sorted(c["session_id"] for c in cdrs) == sorted(t["session_id"] for t in listed)
    assert all(c["total_energy"] >= 0 and c["total_cost"]["excl_vat"] == 0 for c in cdrs)
    for state in [(await api.get(f"/api/v1/stations/{i}/state")).json() for i in ids]:
        assert state["last_boot_at"] is not None
        assert state["connectors"], "status notifications were stored"
