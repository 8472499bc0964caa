"""Simulated OCPP 1.6 / 2.0.1 charging stations: a client of the CSMS, for tests and demos.

Single station, driven step by step::

    station = SimulatedStationV16("SIM001", "ws://127.0.0.1:9000/ocpp", password="secret")
    await station.connect()
    await station.boot()
    await station.plug_in(1)
    await station.start_charging("04A1B2C3D4E501", connector_id=1)
    await station.send_meter_values(connector_id=1, advance_s=900)
    await station.stop_charging("Local", connector_id=1)
    await station.unplug(1)
    await station.disconnect()

A fleet, living on its own::

    report = await run_fleet(FleetConfig(url, stations=10, protocol="mixed", duration_s=60))
"""

from __future__ import annotations

from kilowatt.simulator.curves import (
    DEFAULT_CARS,
    CarModel,
    ChargeState,
    ChargingCurve,
    curve_for_car,
    phase_current_a,
)
from kilowatt.simulator.fleet import (
    Fleet,
    FleetConfig,
    FleetReport,
    PasswordSource,
    password_for,
    run_fleet,
    station_class,
)
from kilowatt.simulator.station import (
    DEFAULT_ID_TAGS,
    BootResult,
    Connector,
    MeterSample,
    Session,
    SimulatedStation,
    SimulatorError,
    StationConfig,
    StationConnectionError,
    StationOffline,
    StationStateError,
    StationStats,
    basic_auth_header,
)
from kilowatt.simulator.station_v16 import ChargePointV16, SimulatedStationV16
from kilowatt.simulator.station_v201 import ChargePointV201, SimulatedStationV201

__all__ = [
    "DEFAULT_CARS",
    "DEFAULT_ID_TAGS",
    "BootResult",
    "CarModel",
    "ChargePointV16",
    "ChargePointV201",
    "ChargeState",
    "ChargingCurve",
    "Connector",
    "Fleet",
    "FleetConfig",
    "FleetReport",
    "MeterSample",
    "PasswordSource",
    "Session",
    "SimulatedStation",
    "SimulatedStationV16",
    "SimulatedStationV201",
    "SimulatorError",
    "StationConfig",
    "StationConnectionError",
    "StationOffline",
    "StationStateError",
    "StationStats",
    "basic_auth_header",
    "curve_for_car",
    "password_for",
    "phase_current_a",
    "run_fleet",
    "station_class",
]
