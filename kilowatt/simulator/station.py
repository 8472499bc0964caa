"""The protocol-independent core of a simulated charging station.

A station is a WebSocket client of the CSMS. It can be driven in two ways:

* step by step, for tests: ``connect()``, ``boot()``, ``plug_in()``, ``start_charging()``,
  ``send_meter_values()``, ``stop_charging()``, ``unplug()``, ``disconnect()``;
* autonomously, with ``run()``: it connects (with back-off), boots, sends heartbeats, and each
  connector lives through idle periods, faults and charging sessions of random cars until the
  given duration ends or ``request_stop()`` is called; then running sessions are ended (with a
  bounded grace period) and the connection is closed. Cancelling ``run()`` closes at once.

The OCPP 1.6 and 2.0.1 message flows live in ``station_v16`` and ``station_v201``.

Time: ``StationConfig.speed`` accelerates the car and the session timing (idle times, how long a
car stays); ``meter_interval_s`` and protocol timers (heartbeat, boot retry) are real seconds.
Message timestamps are real (wall-clock) UTC times.

Transaction-related messages (StartTransaction is excepted, it needs the CSMS's id) are queued
while the station is offline and sent, in order, after the next accepted boot. Status
notifications are not queued: after each accepted boot every connector's status is announced.
"""

from __future__ import annotations

import abc
import asyncio
import base64
import functools
import logging
import random
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import httpx
import websockets
from ocpp.exceptions import OccurrenceConstraintViolationError, OCPPError
from ocpp.routing import on as _ocpp_on
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

from kilowatt.simulator.curves import (
    DEFAULT_CARS,
    CarModel,
    ChargeState,
    ChargingCurve,
    curve_for_car,
    phase_current_a,
)

logger = logging.getLogger("kilowatt.simulator")

EventCallback = Callable[[str], None]

_Handler = TypeVar("_Handler", bound=Callable[..., Any])
_T = TypeVar("_T")

#: Id tags the simulated drivers present (RFID UIDs, 7 bytes hex). The CSMS must know them to
#: accept the sessions.
DEFAULT_ID_TAGS: tuple[str, ...] = tuple(f"04A1B2C3D4E5{n:02X}" for n in range(1, 9))

#: Sampled measurands, in the order they appear in every periodic meter value.
MEASURANDS: tuple[str, ...] = (
    "Energy.Active.Import.Register",
    "Power.Active.Import",
    "Current.Import",
    "Voltage",
    "SoC",
)

_LINK_ERRORS = (ConnectionClosed, TimeoutError, OSError)


def on(action: str) -> Callable[[_Handler], _Handler]:
    """``ocpp.routing.on`` with a type, to mark the handler of a CSMS-initiated action."""
    decorator: Callable[[_Handler], _Handler] = _ocpp_on(action)
    return decorator


def utc_now() -> str:
    """The current UTC time as an OCPP timestamp, e.g. ``2025-01-31T12:00:00.000Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def basic_auth_header(station_id: str, password: str) -> str:
    """The value of the ``Authorization`` header of OCPP security profile 1."""
    token = base64.b64encode(f"{station_id}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class SimulatorError(Exception):
    """Base class of the simulator's own errors."""


class StationConnectionError(SimulatorError):
    """The WebSocket connection could not be opened (refused, timed out, rejected handshake)."""


class StationOffline(SimulatorError):
    """A message needs a connection to the CSMS and there is none (or it was lost meanwhile)."""


class StationStateError(SimulatorError):
    """The step does not fit the connector's state (e.g. starting to charge with no car)."""


class _StopRequested(Exception):
    """Raised inside the autonomous loops when the station is asked to stop."""


def _check_range(name: str, value: tuple[float, float]) -> None:
    low, high = value
    if low < 0 or high < low:
        raise ValueError(f"{name} must be a (low, high) pair with 0 <= low <= high, got {value}")


@dataclass(frozen=True, slots=True)
class StationConfig:
    """How a simulated station looks and behaves. Durations marked *sim* are divided by speed."""

    connectors: int = 2
    vendor: str = "Kilowatt"
    model: str = "KW-SIM-AC22"
    firmware_version: str = "1.0.0-sim"
    serial_number: str | None = None  # default: derived from the station id
    current_type: str = "AC"  # "AC" or "DC"
    max_power_w: float = 22_000.0  # per connector
    phases: int = 3  # AC phases of the supply
    voltage_v: float = 230.0  # AC phase-to-neutral, or the DC voltage
    speed: float = 1.0
    meter_interval_s: float = 60.0  # real seconds between meter samples
    id_tags: tuple[str, ...] = DEFAULT_ID_TAGS
    cars: tuple[CarModel, ...] = DEFAULT_CARS
    idle_s: tuple[float, float] = (600.0, 3 * 3600.0)  # sim: a connector's wait for the next car
    plug_to_authorize_s: tuple[float, float] = (5.0, 45.0)  # sim
    stay_s: tuple[float, float] = (1800.0, 6 * 3600.0)  # sim: how long a car stays plugged in
    start_soc: tuple[float, float] = (0.1, 0.6)
    target_socs: tuple[float, ...] = (0.8, 0.9, 1.0)
    local_stop_probability: float = 0.3  # the driver badges out (Local) instead of unplugging
    linger_s: tuple[float, float] = (30.0, 300.0)  # sim: after a Local stop, until unplugged
    fault_probability: float = 0.0  # per idle period of a connector
    fault_s: tuple[float, float] = (300.0, 1800.0)  # sim
    fault_error_codes: tuple[str, ...] = (
        "GroundFailure",
        "OverCurrentFailure",
        "HighTemperature",
        "PowerMeterFailure",
        "ConnectorLockFailure",
    )
    reconnect_probability: float = 0.0  # per session: the connection drops while it charges
    offline_s: tuple[float, float] = (30.0, 300.0)  # sim: how long a dropped connection stays down
    initial_meter_wh: tuple[int, int] = (0, 5_000_000)
    heartbeat_interval_s: float = 300.0  # used until (or if) the CSMS gives an interval
    # What one CSMS request may carry: 1.6 GetConfigurationMaxKeys, 2.0.1 DeviceDataCtrlr
    # ItemsPerMessage (a longer list is refused with a CALLERROR) and BytesPerMessage.
    items_per_message: int = 20
    bytes_per_message: int = 8192
    local_list_max_length: int = 100  # entries the local authorization list can hold
    firmware_failure: str | None = None  # None, "download" or "install": where updates fail
    maintenance_step_s: float = 1.0  # real seconds between firmware / upload statuses
    boot_retry_s: float = 30.0  # after Pending/Rejected with interval 0
    response_timeout_s: float = 10.0
    open_timeout_s: float = 10.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    grace_s: float = 5.0  # real seconds allowed for ending sessions when the run ends

    def __post_init__(self) -> None:
        if self.connectors < 1:
            raise ValueError(f"a station needs at least one connector, got {self.connectors}")
        if self.current_type not in ("AC", "DC"):
            raise ValueError(f"current_type must be 'AC' or 'DC', got {self.current_type!r}")
        if self.phases not in (1, 2, 3):
            raise ValueError(f"phases must be 1, 2 or 3, got {self.phases}")
        positive = {
            "max_power_w": self.max_power_w,
            "voltage_v": self.voltage_v,
            "speed": self.speed,
            "meter_interval_s": self.meter_interval_s,
            "heartbeat_interval_s": self.heartbeat_interval_s,
            "boot_retry_s": self.boot_retry_s,
            "response_timeout_s": self.response_timeout_s,
            "open_timeout_s": self.open_timeout_s,
            "backoff_initial_s": self.backoff_initial_s,
            "backoff_max_s": self.backoff_max_s,
            "items_per_message": self.items_per_message,
            "bytes_per_message": self.bytes_per_message,
            "local_list_max_length": self.local_list_max_length,
            "maintenance_step_s": self.maintenance_step_s,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        for name, probability in (
            ("local_stop_probability", self.local_stop_probability),
            ("fault_probability", self.fault_probability),
            ("reconnect_probability", self.reconnect_probability),
        ):
            if not 0.0 <= probability <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {probability}")
        for name, pair in (
            ("idle_s", self.idle_s),
            ("plug_to_authorize_s", self.plug_to_authorize_s),
            ("stay_s", self.stay_s),
            ("start_soc", self.start_soc),
            ("linger_s", self.linger_s),
            ("fault_s", self.fault_s),
            ("offline_s", self.offline_s),
        ):
            _check_range(name, pair)
        low, high = self.initial_meter_wh
        if low < 0 or high < low:
            raise ValueError(f"initial_meter_wh must be 0 <= low <= high, got {(low, high)}")
        if not self.id_tags or not self.cars or not self.target_socs:
            raise ValueError("id_tags, cars and target_socs must not be empty")
        if not self.fault_error_codes:
            raise ValueError("fault_error_codes must not be empty")
        if self.firmware_failure not in (None, "download", "install"):
            raise ValueError(
                f"firmware_failure must be download or install, not {self.firmware_failure!r}"
            )
        if self.grace_s < 0:
            raise ValueError(f"grace_s must not be negative, got {self.grace_s}")


@dataclass
class StationStats:
    """What a station did; the fleet report adds these up."""

    connections: int = 0
    reconnects: int = 0
    boots: int = 0
    sessions_started: int = 0
    sessions_completed: int = 0
    sessions_rejected: int = 0
    meter_values_sent: int = 0
    faults: int = 0
    errors: int = 0
    queued_offline: int = 0
    reboots: int = 0
    messages_sent: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class BootResult:
    """The CSMS's answer to a BootNotification."""

    status: str
    interval: int
    current_time: str

    @property
    def accepted(self) -> bool:
        return self.status == "Accepted"


@dataclass(frozen=True, slots=True)
class MeterSample:
    """One reading of a connector's meter. AC: one current/voltage per supply phase."""

    timestamp: str
    energy_wh: int
    power_w: int
    current_a: tuple[float, ...]
    voltage_v: tuple[float, ...]
    soc_percent: float | None


@dataclass
class Session:
    """A car at a connector, from plug-in to unplug, and its transaction."""

    car: CarModel
    curve: ChargingCurve
    state: ChargeState
    plugged_at: str
    last_sample_at: float
    id_tag: str | None = None
    transaction_id: int | str | None = None
    transaction_open: bool = False
    meter_start_wh: int = 0
    started_at: str | None = None
    charging_state: str = "EVConnected"  # EVConnected | Charging | SuspendedEV | Idle
    seq_no: int = 0  # OCPP 2.0.1: the seqNo of the next TransactionEvent
    remote_start_id: int | None = None  # OCPP 2.0.1: echoed when the remote start authorizes

    def next_seq_no(self) -> int:
        seq_no = self.seq_no
        self.seq_no += 1
        return seq_no


@dataclass
class Connector:
    """A connector (OCPP 1.6) or an EVSE with one connector (OCPP 2.0.1)."""

    connector_id: int
    meter_wh: int  # the register at the end of the last transaction
    status: str
    rng: random.Random
    error_code: str = "NoError"
    session: Session | None = None

    @property
    def register_wh(self) -> int:
        """The energy register now, in whole Wh; it never decreases."""
        session = self.session
        if session is not None and session.transaction_open:
            return self.meter_wh + session.state.delivered_wh
        return self.meter_wh


class SimulatedStation(abc.ABC):
    """A charging station speaking OCPP to a CSMS; see the module docstring."""

    protocol: ClassVar[str]
    subprotocol: ClassVar[str]
    STATUS_AVAILABLE: ClassVar[str] = "Available"
    STATUS_FAULTED: ClassVar[str] = "Faulted"

    def __init__(
        self,
        station_id: str,
        url: str,
        *,
        password: str | None = None,
        config: StationConfig | None = None,
        seed: int | str = 0,
        on_event: EventCallback | None = None,
    ) -> None:
        self.station_id = station_id
        self.url = url
        self.password = password
        self.config = config if config is not None else StationConfig()
        self.on_event = on_event
        self.stats = StationStats()
        self.rng = random.Random(f"{seed}:{station_id}")
        self.heartbeat_interval_s = self.config.heartbeat_interval_s
        self.meter_interval_s = self.config.meter_interval_s
        self.connectors: dict[int, Connector] = {}
        for connector_id in range(1, self.config.connectors + 1):
            rng = random.Random(f"{seed}:{station_id}:{connector_id}")
            self.connectors[connector_id] = Connector(
                connector_id=connector_id,
                meter_wh=rng.randint(*self.config.initial_meter_wh),
                status=self.STATUS_AVAILABLE,
                rng=rng,
            )
        self._cp: Any = None
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._io_lock = asyncio.Lock()
        self._queue: deque[Any] = deque()
        self._changed = asyncio.Event()
        self._link_alive = False
        self._online = False
        self._stopping = False
        self._closing = False
        self._reconnect_requested = False
        self._settings_version = 0
        self._call_in_flight: asyncio.Timeout | None = None
        self._chores: set[asyncio.Task[None]] = set()
        # The local authorization list (uid -> status), kept across connections like the
        # non-volatile memory of a real station.
        self.local_list: dict[str, str] = {}
        self.local_list_version = 0
        self.reservations: dict[int, tuple[int | None, str]] = {}  # id -> (evse or None, token)
        self.installed_firmware: str | None = None  # the location of the last installed update
        self.shown_costs: dict[str, float] = {}  # transaction id -> the last cost on the display
        self._autonomous = False  # run() owns the connection
        self._metered_remotely: set[int] = set()  # connectors charging a remotely started car
        self._remote_stops: set[int] = set()  # ... whose remote stop is to be carried out

    # ------------------------------------------------------------------ properties

    @property
    def endpoint(self) -> str:
        """The WebSocket URL: the CSMS URL with the station id as last path segment."""
        return f"{self.url.rstrip('/')}/{quote(self.station_id, safe='')}"

    @property
    def serial_number(self) -> str:
        return (self.config.serial_number or f"SN-{self.station_id}")[:25]

    @property
    def connected(self) -> bool:
        """The WebSocket is open."""
        return self._link_alive

    @property
    def online(self) -> bool:
        """Booted and accepted on the current connection: messages go out instead of queuing."""
        return self._online

    @property
    def queued_messages(self) -> int:
        """How many transaction messages wait for the connection."""
        return len(self._queue)

    def connector(self, connector_id: int) -> Connector:
        try:
            return self.connectors[connector_id]
        except KeyError:
            raise StationStateError(f"{self.station_id} has no connector {connector_id}") from None

    def register_wh(self, connector_id: int = 1) -> int:
        """The meter register of a connector in Wh."""
        return self.connector(connector_id).register_wh

    # ------------------------------------------------------------------ connection

    async def connect(self) -> None:
        """Open the WebSocket (with Basic auth if there is a password) and start reading."""
        if self._ws is not None:
            raise StationStateError(f"{self.station_id} is already connected")
        headers: dict[str, str] = {}
        if self.password is not None:
            headers["Authorization"] = basic_auth_header(self.station_id, self.password)
        try:
            ws = await websockets.connect(
                self.endpoint,
                subprotocols=[Subprotocol(self.subprotocol)],
                additional_headers=headers,
                open_timeout=self.config.open_timeout_s,
            )
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise StationConnectionError(
                f"{self.station_id}: cannot connect to {self.endpoint}: {exc}"
            ) from exc
        if ws.subprotocol != self.subprotocol:
            await ws.close()
            raise StationConnectionError(
                f"{self.station_id}: the server did not accept subprotocol {self.subprotocol}"
            )
        self._ws = ws
        self._cp = cp = self._make_charge_point(ws)
        self._link_alive = True
        if self.stats.connections > 0:
            self.stats.reconnects += 1
        self.stats.connections += 1
        self._reader = asyncio.create_task(self._read(cp), name=f"{self.station_id}-reader")
        self._emit(f"connected to {self.endpoint} ({self.subprotocol})")

    async def disconnect(self) -> None:
        """Close the WebSocket. Running transactions are kept and resume after the next boot."""
        ws, reader = self._ws, self._reader
        self._ws = self._cp = self._reader = None
        self._set_link_lost()
        for chore in list(self._chores):
            if chore is not asyncio.current_task():  # a reboot disconnects from a chore
                chore.cancel()
        if reader is not None:
            reader.cancel()
        try:
            if ws is not None:
                await ws.close()
        finally:
            if reader is not None:
                await asyncio.wait({reader})
                if not reader.cancelled() and (exc := reader.exception()) is not None:
                    self.stats.errors += 1
                    logger.error("%s: the reader failed: %r", self.station_id, exc)
        if ws is not None:
            self._emit("disconnected")

    async def __aenter__(self) -> SimulatedStation:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    async def _read(self, cp: Any) -> None:
        try:
            await cp.start()
        except ConnectionClosed:
            pass
        finally:
            if self._cp is cp:
                self._set_link_lost()

    def _set_link_lost(self) -> None:
        self._link_alive = False
        self._online = False
        if self._call_in_flight is not None:
            self._call_in_flight.reschedule(asyncio.get_running_loop().time())
        self._notify()

    def _follow_up(self, work: Awaitable[None], name: str) -> None:
        """Messages a CSMS request leads to (report pages, status notifications), sent after
        the answer; owned by the station, cancelled when it disconnects, failures counted."""

        async def run() -> None:
            await asyncio.sleep(0)  # let the answer to the request go out first
            try:
                await work
            except (SimulatorError, OCPPError) as exc:  # counted, logged: a chore is best effort
                self.stats.errors += 1
                logger.warning("%s: %s failed: %r", self.station_id, name, exc)

        chore = asyncio.create_task(run(), name=f"{self.station_id}-{name}")
        self._chores.add(chore)
        chore.add_done_callback(self._chores.discard)

    def apply_local_list(
        self, version: int, full: bool, entries: list[tuple[str, str | None]]
    ) -> str:
        """Apply a SendLocalList (entries: uid and status, None to remove); its status.

        Too many entries in one message is a CALLERROR (see ``check_items``); a differential
        update older than the list is VersionMismatch; more than the list holds is Failed.
        """
        self.check_items(entries)
        if not full and version < self.local_list_version:
            return "VersionMismatch"
        updated = {} if full else dict(self.local_list)
        for uid, status in entries:
            if status is None:
                updated.pop(uid, None)
            else:
                updated[uid] = status
        if len(updated) > self.config.local_list_max_length:
            return "Failed"
        self.local_list, self.local_list_version = updated, version
        self._emit(f"local list version {version}: {len(updated)} entries")
        return "Accepted"

    def reserve(self, reservation_id: int, evse_id: int | None, id_token: str) -> str:
        """Apply a ReserveNow (evse None: any); its status. A new reservation with a known id
        replaces the old one."""
        self.reservations.pop(reservation_id, None)
        taken = {evse for evse, _ in self.reservations.values()}
        if evse_id is None:
            free = [c for c in self.connectors.values() if c.connector_id not in taken]
            if not any(c.session is None and c.status != self.STATUS_FAULTED for c in free):
                return "Occupied"
        else:
            if evse_id not in self.connectors:
                return "Rejected"
            connector = self.connectors[evse_id]
            if connector.status == self.STATUS_FAULTED:
                return "Faulted"
            if connector.session is not None or evse_id in taken:
                return "Occupied"
        self.reservations[reservation_id] = (evse_id, id_token)
        self._emit(f"reservation {reservation_id} for {id_token} on evse {evse_id or 'any'}")
        return "Accepted"

    def use_reservation(self, id_tag: str, connector_id: int) -> int | None:
        """A transaction for ``id_tag`` starts at ``connector_id``: the reservation it uses
        (one for that connector first, else one for any), which ends; None if it has none."""
        mine = [
            (evse is None, reservation_id)
            for reservation_id, (evse, token) in self.reservations.items()
            if token == id_tag and evse in (None, connector_id)
        ]
        if not mine:
            return None
        reservation_id = min(mine)[1]
        del self.reservations[reservation_id]
        self._emit(f"reservation {reservation_id} used by {id_tag}")
        return reservation_id

    def start_remotely(
        self, id_tag: str, connector_id: int | None, remote_start_id: int | None = None
    ) -> str:
        """Accept a remote start when a connector (the one named, or any) is free; then a car
        is plugged in there and charging starts for ``id_tag``, after the answer."""
        named = [self.connectors.get(connector_id)] if connector_id else self.connectors.values()
        free = [c for c in named if c and c.session is None and c.status != self.STATUS_FAULTED]
        if not free:
            return "Rejected"
        self._follow_up(self._start_remotely(free[0], id_tag, remote_start_id), "remote start")
        return "Accepted"

    async def _start_remotely(
        self, connector: Connector, id_tag: str, remote_start_id: int | None
    ) -> None:
        session = await self.plug_in(connector.connector_id)
        session.remote_start_id = remote_start_id
        started = await self.start_charging(id_tag, connector_id=connector.connector_id)
        if started and self._autonomous:
            await self._charge_remotely_started(connector)

    async def _charge_remotely_started(self, connector: Connector) -> None:
        """A run charges a remotely started car, with meter values, until the transaction is
        stopped (remotely, or when the run ends). A remote stop is carried out here, between
        two meter values, so that no meter value can follow the end of the transaction."""
        connector_id = connector.connector_id

        def ended() -> bool:
            session = connector.session
            return (
                self._stopping
                or connector_id in self._remote_stops
                or session is None
                or not session.transaction_open
            )

        self._metered_remotely.add(connector_id)
        try:
            while not await self._wait_until(ended, self.meter_interval_s):
                try:
                    await self.send_meter_values(
                        connector_id=connector_id,
                        advance_s=self.meter_interval_s * self.config.speed,
                    )
                except (OCPPError, StationOffline) as exc:
                    self._emit(f"connector {connector_id}: meter values failed: {exc}")
            session = connector.session
            if connector_id in self._remote_stops and session and session.transaction_open:
                await self._stop_remotely(connector)
        finally:
            self._metered_remotely.discard(connector_id)
            self._remote_stops.discard(connector_id)

    def stop_remotely(self, transaction_id: str) -> str:
        """Accept a remote stop of a running transaction; it ends ("Remote") and the car
        leaves, after the answer."""
        for connector in self.connectors.values():
            session = connector.session
            if (
                session
                and session.transaction_open
                and str(session.transaction_id) == str(transaction_id)
            ):
                if connector.connector_id in self._metered_remotely:
                    self._remote_stops.add(connector.connector_id)  # the run's loop stops it
                    self._notify()
                else:
                    self._follow_up(self._stop_remotely(connector), "remote stop")
                return "Accepted"
        return "Rejected"

    async def _stop_remotely(self, connector: Connector) -> None:
        await self.stop_charging("Remote", connector_id=connector.connector_id)
        await self.unplug(connector.connector_id)

    def reset(self) -> str:
        """Accept a Reset and reboot after the answer: the connection closes, opens again and
        the station boots (running transactions resume after the boot, as after a drop)."""
        self._follow_up(self._reboot(), "reboot")
        return "Accepted"

    async def _reboot(self) -> None:
        await self._pause_real(self.config.maintenance_step_s)
        self.stats.reboots += 1
        self._emit("rebooting")
        if self._autonomous:
            self.request_reconnect()  # run() reconnects and boots
            return
        await self.disconnect()
        await self.connect()
        await self.boot()

    def update_firmware(self, location: str, request_id: int | None = None) -> None:
        """Download and install, reporting each step (and failing where configured to)."""
        self._follow_up(self._update_firmware(location, request_id), "firmware update")

    async def _update_firmware(self, location: str, request_id: int | None) -> None:
        failure = self.config.firmware_failure
        steps = ["Downloading", "DownloadFailed" if failure == "download" else "Downloaded"]
        if failure != "download":
            steps += ["Installing", "InstallationFailed" if failure == "install" else "Installed"]
        for status in steps:
            await self._pause_real(self.config.maintenance_step_s)
            if status == "Installed":  # installed first, then reported (tests read it after)
                self.installed_firmware = location
            await self._send_firmware_status(status, request_id)
        self._emit(f"firmware update from {location}: {steps[-1]}")

    def upload_diagnostics(self, location: str, request_id: int | None = None) -> str:
        """Upload a diagnostics file to ``location`` (HTTP PUT) after the answer; its name."""
        name = f"{self.station_id}-diagnostics.txt"
        self._follow_up(self._upload(location, name, request_id), "diagnostics upload")
        return name

    async def _upload(self, location: str, name: str, request_id: int | None) -> None:
        await self._send_upload_status("Uploading", request_id)
        await self._pause_real(self.config.maintenance_step_s)
        body = "\n".join(f"{key}: {value}" for key, value in self._diagnostics().items())
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.put(f"{location.rstrip('/')}/{name}", content=body)
            uploaded = response.is_success
        except httpx.HTTPError as exc:
            logger.warning("%s: upload to %s failed: %r", self.station_id, location, exc)
            uploaded = False
        await self._send_upload_status("Uploaded" if uploaded else "UploadFailed", request_id)

    def _diagnostics(self) -> dict[str, object]:
        return {
            "station": self.station_id,
            "protocol": self.protocol,
            "firmware": self.installed_firmware or self.config.firmware_version,
            "connections": self.stats.connections,
            "errors": self.stats.errors,
        } | {f"connector {c.connector_id}": c.status for c in self.connectors.values()}

    @abc.abstractmethod
    async def _send_firmware_status(self, status: str, request_id: int | None) -> None: ...

    @abc.abstractmethod
    async def _send_upload_status(self, status: str, request_id: int | None) -> None:
        """Diagnostics (1.6) or log (2.0.1) upload status: Uploading, Uploaded, UploadFailed."""

    def cancel_reservation(self, reservation_id: int) -> str:
        if self.reservations.pop(reservation_id, None) is None:
            return "Rejected"
        self._emit(f"reservation {reservation_id} cancelled")
        return "Accepted"

    def check_items(self, items: Sequence[Any]) -> None:
        """Refuse a request longer than the station takes in one message (a CALLERROR)."""
        if len(items) > self.config.items_per_message:
            raise self._too_many(f"at most {self.config.items_per_message} items per message")

    def _too_many(self, description: str) -> OCPPError:
        return OccurrenceConstraintViolationError(description=description)

    # ------------------------------------------------------------------ sending

    async def _request(self, payload: Any) -> Any:
        """Send a CALL and return the CALLRESULT; a CALLERROR raises ``OCPPError``."""
        async with self._io_lock:
            return await self._call_locked(payload)

    async def _call_locked(self, payload: Any) -> Any:
        cp = self._cp
        action = type(payload).__name__
        if cp is None or not self._link_alive:
            raise StationOffline(f"{self.station_id} is not connected ({action})")
        try:
            # Losing the link reschedules this timeout to now: the call fails at once instead
            # of waiting for the response timeout.
            async with asyncio.timeout(None) as in_flight:
                self._call_in_flight = in_flight
                try:
                    result = await cp.call(payload, suppress=False)
                finally:
                    self._call_in_flight = None
        except _LINK_ERRORS as exc:
            self.stats.errors += 1
            self._set_link_lost()
            raise StationOffline(f"{self.station_id}: {action} failed: {exc!r}") from exc
        except OCPPError as exc:
            self.stats.errors += 1
            self._emit(f"{action} answered with CALLERROR {type(exc).__name__}: {exc}")
            raise
        self.stats.messages_sent[action] += 1
        if self._is_meter_sample(payload):
            self.stats.meter_values_sent += 1
        return result

    async def _send_transaction_message(self, build: Callable[[], Any]) -> Any | None:
        """Send a transaction message now, or queue it while offline (then ``None``).

        ``build`` makes the payload under the send lock, so sequence numbers follow send order.
        """
        async with self._io_lock:
            payload = build()
            if self._online and not self._queue:
                try:
                    return await self._call_locked(payload)
                except StationOffline:
                    pass  # it may or may not have arrived: deliver it again later
            self._queue.append(self._as_offline(payload))
            self.stats.queued_offline += 1
            return None

    async def _go_online(self) -> None:
        """Send the queued transaction messages in order, then send new ones directly."""
        async with self._io_lock:
            if self._queue:
                self._emit(f"sending {len(self._queue)} queued transaction messages")
            while self._queue:
                try:
                    await self._call_locked(self._queue[0])
                except OCPPError:
                    pass  # refused by the CSMS (counted): sending it again will not help
                self._queue.popleft()
            self._online = True
        self._notify()

    async def _notify_status(self, connector: Connector | None = None) -> None:
        """Tell the CSMS a status if online; offline statuses are announced after the boot."""
        if not self._online:
            return
        try:
            await self._send_status(connector)
        except (OCPPError, StationOffline) as exc:
            logger.debug("%s: status not delivered: %r", self.station_id, exc)

    async def _set_status(
        self, connector: Connector, status: str, error_code: str = "NoError"
    ) -> None:
        connector.status = status
        connector.error_code = error_code
        await self._notify_status(connector)

    # ------------------------------------------------------------------ step-by-step API

    async def boot(self, *, announce: bool = True) -> BootResult:
        """Send a BootNotification. If accepted: take over the heartbeat interval and, with
        ``announce``, send queued transaction messages and every connector's status."""
        result = await self._send_boot()
        self.stats.boots += 1
        self._emit(f"boot {result.status} (interval {result.interval} s)")
        if result.accepted:
            if result.interval > 0:
                self.heartbeat_interval_s = float(result.interval)
                self._settings_changed()
            if announce:
                await self._go_online()
                await self.announce()
        return result

    async def announce(self) -> None:
        """Send the status of the station (1.6: connector 0) and of every connector.

        Only when online (after an accepted boot); CALLERRORs are counted, not raised."""
        await self._notify_status(None)
        for connector in self.connectors.values():
            await self._notify_status(connector)

    async def heartbeat(self) -> str:
        """Send a Heartbeat; returns the CSMS's current time."""
        result = await self._request(self._heartbeat_payload())
        return str(result.current_time)

    async def plug_in(
        self,
        connector_id: int = 1,
        *,
        car: CarModel | None = None,
        start_soc: float | None = None,
        target_soc: float | None = None,
    ) -> Session:
        """A car is plugged into the connector (car and states of charge drawn if not given)."""
        connector = self.connector(connector_id)
        if connector.session is not None:
            raise StationStateError(f"connector {connector_id} already has a car")
        if connector.status == self.STATUS_FAULTED:
            raise StationStateError(f"connector {connector_id} is faulted")
        cfg, rng = self.config, connector.rng
        car = car if car is not None else rng.choice(cfg.cars)
        start = start_soc if start_soc is not None else round(rng.uniform(*cfg.start_soc), 3)
        target = target_soc if target_soc is not None else rng.choice(cfg.target_socs)
        curve = curve_for_car(
            car,
            evse_max_power_w=cfg.max_power_w,
            start_soc=start,
            target_soc=max(start, target),
            dc=cfg.current_type == "DC",
        )
        session = Session(
            car=car,
            curve=curve,
            state=curve.initial_state(),
            plugged_at=utc_now(),
            last_sample_at=asyncio.get_running_loop().time(),
        )
        connector.session = session
        self._emit(
            f"connector {connector_id}: {car.name} plugged in at {start:.0%}, wants {target:.0%}"
        )
        await self._on_plugged_in(connector, session)
        return session

    async def send_meter_values(
        self, *, connector_id: int = 1, advance_s: float | None = None
    ) -> MeterSample:
        """Charge for ``advance_s`` simulated seconds (default: the real time since the last
        sample times the speed), then send a periodic meter value of the transaction."""
        connector, session = self._open_transaction(connector_id)
        loop_now = asyncio.get_running_loop().time()
        if advance_s is None:
            advance_s = (loop_now - session.last_sample_at) * self.config.speed
        session.last_sample_at = loop_now
        became_full = False
        if session.charging_state == "Charging":
            session.state = session.curve.advance(session.state, advance_s)
            if session.curve.is_full(session.state):
                session.charging_state = "SuspendedEV"
                became_full = True
        if became_full:
            self._emit(f"connector {connector_id}: car full at {session.state.soc_percent} %")
            await self._on_car_full(connector, session)
        sample = self.sample(connector_id)
        await self._send_sample(connector, session, sample)
        return sample

    def sample(self, connector_id: int = 1) -> MeterSample:
        """Read the connector's meter now (no time passes)."""
        connector = self.connector(connector_id)
        session = connector.session
        cfg = self.config
        power = 0.0
        soc: float | None = None
        phases = 1 if cfg.current_type == "DC" else cfg.phases
        used_phases = phases
        if session is not None:
            soc = session.state.soc_percent
            if session.charging_state == "Charging":
                power = session.curve.power_at(session.state.soc)
            if cfg.current_type == "AC":
                used_phases = min(phases, session.car.ac_phases)
        per_phase = round(phase_current_a(power, phases=used_phases, voltage_v=cfg.voltage_v), 1)
        currents = tuple(per_phase if i < used_phases else 0.0 for i in range(phases))
        voltages = tuple(
            round(cfg.voltage_v + connector.rng.gauss(0.0, 0.006 * cfg.voltage_v), 1)
            for _ in range(phases)
        )
        return MeterSample(
            timestamp=utc_now(),
            energy_wh=connector.register_wh,
            power_w=round(power),
            current_a=currents,
            voltage_v=voltages,
            soc_percent=soc,
        )

    async def report_fault(self, connector_id: int = 1, error_code: str = "GroundFailure") -> None:
        """The connector fails (status Faulted with the error code where the protocol has one)."""
        connector = self.connector(connector_id)
        self.stats.faults += 1
        self._emit(f"connector {connector_id}: fault {error_code}")
        await self._set_status(connector, self.STATUS_FAULTED, error_code)

    async def clear_fault(self, connector_id: int = 1) -> None:
        """The fault is gone: the connector is available again (or occupied, if a car is in)."""
        connector = self.connector(connector_id)
        self._emit(f"connector {connector_id}: fault cleared")
        await self._set_status(connector, self._status_after_fault(connector))

    def _open_transaction(self, connector_id: int) -> tuple[Connector, Session]:
        connector = self.connector(connector_id)
        session = connector.session
        if session is None or not session.transaction_open or session.transaction_id is None:
            raise StationStateError(f"connector {connector_id} has no running transaction")
        return connector, session

    def _plugged_session(self, connector_id: int) -> tuple[Connector, Session]:
        connector = self.connector(connector_id)
        if connector.session is None:
            raise StationStateError(f"connector {connector_id} has no car")
        return connector, connector.session

    # ------------------------------------------------------------------ protocol hooks

    @abc.abstractmethod
    def _make_charge_point(self, ws: ClientConnection) -> Any:
        """The ocpp ChargePoint (with the @on handlers) talking over ``ws``."""

    @abc.abstractmethod
    async def _send_boot(self) -> BootResult: ...

    @abc.abstractmethod
    def _heartbeat_payload(self) -> Any: ...

    @abc.abstractmethod
    async def _send_status(self, connector: Connector | None) -> None:
        """Send the connector's status (``None``: the station as a whole, if the protocol has
        such a status)."""

    @abc.abstractmethod
    async def _on_plugged_in(self, connector: Connector, session: Session) -> None: ...

    @abc.abstractmethod
    async def _on_car_full(self, connector: Connector, session: Session) -> None: ...

    @abc.abstractmethod
    async def _send_sample(
        self, connector: Connector, session: Session, sample: MeterSample
    ) -> None: ...

    @abc.abstractmethod
    def _status_after_fault(self, connector: Connector) -> str: ...

    @abc.abstractmethod
    def _is_meter_sample(self, payload: Any) -> bool: ...

    def _as_offline(self, payload: Any) -> Any:
        """The payload as queued while offline (2.0.1 sets ``offline``)."""
        return payload

    @abc.abstractmethod
    async def start_charging(self, id_tag: str, *, connector_id: int = 1) -> bool:
        """Authorize ``id_tag`` and start charging the plugged-in car; False if refused."""

    @abc.abstractmethod
    async def stop_charging(self, reason: str = "Local", *, connector_id: int = 1) -> int:
        """End the transaction with ``reason``; returns the meter register at the stop.

        ``EVDisconnected`` means the cable was pulled: the connector becomes available.
        Otherwise the car stays plugged in until ``unplug()``."""

    @abc.abstractmethod
    async def unplug(self, connector_id: int = 1) -> None:
        """The car leaves (ending a running transaction with ``EVDisconnected``)."""

    # ------------------------------------------------------------------ settings

    def set_heartbeat_interval(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("the heartbeat interval must be positive")
        self.heartbeat_interval_s = seconds
        self._settings_changed()

    def set_meter_interval(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("the meter value interval must be positive")
        self.meter_interval_s = seconds
        self._settings_changed()

    def _settings_changed(self) -> None:
        self._settings_version += 1
        self._notify()

    # ------------------------------------------------------------------ autonomous life

    def request_stop(self) -> None:
        """Ask ``run()`` to end its sessions and close (within ``config.grace_s``)."""
        self._stopping = True
        self._notify()

    def request_reconnect(self) -> None:
        """Ask ``run()`` to drop the connection, stay offline a while and connect again.

        Ignored while offline (the connection is already down)."""
        if self._online:
            self._reconnect_requested = True
            self._notify()

    async def run(
        self, duration_s: float | None = None, *, start_delay_s: float = 0.0
    ) -> StationStats:
        """Live until ``duration_s`` (counted from now, including ``start_delay_s``) has passed
        or ``request_stop()`` is called; ``None`` runs until cancelled. Returns the stats."""
        loop = asyncio.get_running_loop()
        deadline = None if duration_s is None else loop.time() + duration_s
        self._stopping = self._closing = self._reconnect_requested = False
        wind_down = asyncio.timeout(None)
        self._autonomous = True
        try:
            if start_delay_s > 0:
                delay = start_delay_s
                if deadline is not None:
                    delay = min(delay, max(0.0, deadline - loop.time()))
                await self._wait_until(lambda: self._stopping, delay)
                if self._stopping or (deadline is not None and loop.time() >= deadline):
                    return self.stats
            async with wind_down:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(self._connection_loop(), name=f"{self.station_id}-connection")
                    tg.create_task(
                        self._drive(deadline, wind_down), name=f"{self.station_id}-drive"
                    )
        except TimeoutError:
            if not wind_down.expired():
                raise
            self.stats.errors += 1
            self._emit("ending the sessions took too long; closed anyway")
        finally:
            self._autonomous = False
            await self.disconnect()
        return self.stats

    async def _drive(self, deadline: float | None, wind_down: asyncio.Timeout) -> None:
        async with asyncio.TaskGroup() as tg:
            for connector in self.connectors.values():
                tg.create_task(
                    self._connector_loop(connector),
                    name=f"{self.station_id}-connector-{connector.connector_id}",
                )
            tg.create_task(self._watch_deadline(deadline, wind_down))
        if self._queue:
            # Ended offline: give the connection the rest of the grace period to come back.
            loop = asyncio.get_running_loop()
            limit = (wind_down.when() or loop.time()) - loop.time() - 0.25
            await self._wait_until(lambda: not self._queue, max(0.0, limit))
        self._closing = True
        self._notify()

    async def _watch_deadline(self, deadline: float | None, wind_down: asyncio.Timeout) -> None:
        loop = asyncio.get_running_loop()
        timeout = None if deadline is None else max(0.0, deadline - loop.time())
        await self._wait_until(lambda: self._stopping, timeout)
        self.request_stop()
        wind_down.reschedule(loop.time() + self.config.grace_s)

    async def _connection_loop(self) -> None:
        cfg = self.config
        backoff = cfg.backoff_initial_s
        while not self._closing:
            try:
                await self.connect()
            except StationConnectionError as exc:
                self.stats.errors += 1
                self._emit(f"{exc}; retrying in {backoff:.1f} s")
                await self._wait_until(lambda: self._closing, backoff * self.rng.uniform(0.8, 1.2))
                backoff = min(backoff * 2, cfg.backoff_max_s)
                continue
            planned = False
            try:
                if await self._boot_until_accepted():
                    backoff = cfg.backoff_initial_s
                    planned = await self._stay_online()
            except (StationOffline, OCPPError) as exc:
                self._emit(f"connection lost: {exc}")
            finally:
                await self.disconnect()
            if self._closing:
                return
            if planned:
                pause = self.rng.uniform(*cfg.offline_s) / cfg.speed
            else:
                pause = backoff * self.rng.uniform(0.8, 1.2)
                backoff = min(backoff * 2, cfg.backoff_max_s)
            self._emit(f"reconnecting in {pause:.1f} s")
            await self._wait_until(lambda: self._closing, pause)

    async def _boot_until_accepted(self) -> bool:
        """Boot, and boot again after the interval while Pending or Rejected; False if the run
        is closing meanwhile."""
        while True:
            result = await self.boot()
            if result.accepted:
                return True
            retry = result.interval if result.interval > 0 else self.config.boot_retry_s
            await self._wait_until(lambda: self._closing or not self._link_alive, retry)
            if self._closing:
                return False
            if not self._link_alive:
                raise StationOffline("connection lost while waiting to boot again")

    async def _stay_online(self) -> bool:
        """Send heartbeats until the connection is lost (raises), the run closes (False) or a
        reconnect is requested (True)."""
        loop = asyncio.get_running_loop()
        last_beat = loop.time()
        while True:
            until_beat = max(0.0, last_beat + self.heartbeat_interval_s - loop.time())
            await self._wait_until(
                functools.partial(self._connection_needs_attention, self._settings_version),
                until_beat,
            )
            if self._closing:
                return False
            if self._reconnect_requested:
                self._reconnect_requested = False
                async with self._io_lock:  # never cut a message in flight
                    await self.disconnect()
                self._emit("connection dropped (simulated)")
                return True
            if not self._link_alive:
                raise StationOffline("the connection was closed")
            if loop.time() >= last_beat + self.heartbeat_interval_s:
                try:
                    await self.heartbeat()
                except OCPPError:
                    pass  # counted; the connection itself is fine
                last_beat = loop.time()

    def _connection_needs_attention(self, settings_version: int) -> bool:
        return (
            self._closing
            or self._reconnect_requested
            or not self._link_alive
            or self._settings_version != settings_version
        )

    async def _connector_loop(self, connector: Connector) -> None:
        cfg = self.config
        try:
            await self._wait_online()
            while True:
                await self._pause_sim(connector.rng.uniform(*cfg.idle_s))
                if connector.session is not None:
                    continue  # a remotely started car is charging here
                if connector.rng.random() < cfg.fault_probability:
                    await self._simulate_fault(connector)
                    continue
                try:
                    await self._simulate_session(connector)
                except OCPPError as exc:
                    self._emit(f"connector {connector.connector_id}: session abandoned: {exc}")
                    await self._abandon_session(connector)
        except _StopRequested:
            await self._wind_down(connector)

    async def _simulate_fault(self, connector: Connector) -> None:
        cfg, rng = self.config, connector.rng
        duration = rng.uniform(*cfg.fault_s)
        await self.report_fault(connector.connector_id, rng.choice(cfg.fault_error_codes))
        await self._pause_sim(duration)
        await self.clear_fault(connector.connector_id)

    async def _simulate_session(self, connector: Connector) -> None:
        cfg, rng = self.config, connector.rng
        connector_id = connector.connector_id
        id_tag = rng.choice(cfg.id_tags)
        stay = rng.uniform(*cfg.stay_s)
        authorize_after = rng.uniform(*cfg.plug_to_authorize_s)
        local_stop = rng.random() < cfg.local_stop_probability
        linger = rng.uniform(*cfg.linger_s)
        reconnect_at = (
            rng.uniform(0.1, 0.7) * stay if rng.random() < cfg.reconnect_probability else None
        )

        await self.plug_in(connector_id)
        await self._pause_sim(authorize_after)
        accepted = await self._when_online(
            lambda: self.start_charging(id_tag, connector_id=connector_id)
        )
        if not accepted:
            await self._pause_sim(linger)
            await self.unplug(connector_id)
            return
        elapsed = 0.0
        while elapsed < stay:
            step_real = min(self.meter_interval_s, (stay - elapsed) / cfg.speed)
            await self._pause_real(step_real)
            elapsed += step_real * cfg.speed
            try:
                await self.send_meter_values(
                    connector_id=connector_id, advance_s=step_real * cfg.speed
                )
            except OCPPError:
                pass  # counted; keep charging
            if reconnect_at is not None and elapsed >= reconnect_at:
                reconnect_at = None
                self.request_reconnect()
        if local_stop:
            await self.stop_charging("Local", connector_id=connector_id)
            await self._pause_sim(linger)
            await self.unplug(connector_id)
        else:
            await self.stop_charging("EVDisconnected", connector_id=connector_id)

    async def _abandon_session(self, connector: Connector) -> None:
        session = connector.session
        if session is None:
            return
        try:
            if session.transaction_open and session.transaction_id is not None:
                await self.stop_charging("Other", connector_id=connector.connector_id)
            await self.unplug(connector.connector_id)
        except (OCPPError, StationOffline) as exc:
            self._emit(f"connector {connector.connector_id}: could not clean up: {exc}")
            connector.session = None

    async def _wind_down(self, connector: Connector) -> None:
        """At the end of a run: the driver ends a running session and leaves."""
        session = connector.session
        if session is None:
            return
        try:
            if session.transaction_open and session.transaction_id is not None:
                await self.stop_charging("Local", connector_id=connector.connector_id)
            await self.unplug(connector.connector_id)
        except (OCPPError, StationOffline) as exc:
            self._emit(f"connector {connector.connector_id}: could not end the session: {exc}")

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        """Wake everything waiting in ``_wait_until`` to re-check its condition."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _wait_until(self, predicate: Callable[[], bool], limit_s: float | None) -> bool:
        """Wait until ``predicate()`` holds or ``limit_s`` seconds pass; returns ``predicate()``."""
        try:
            async with asyncio.timeout(limit_s):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            pass
        return predicate()

    async def _pause_real(self, seconds: float) -> None:
        if await self._wait_until(lambda: self._stopping, seconds):
            raise _StopRequested

    async def _pause_sim(self, sim_seconds: float) -> None:
        await self._pause_real(sim_seconds / self.config.speed)

    async def _wait_online(self) -> None:
        await self._wait_until(lambda: self._online or self._stopping, None)
        if self._stopping:
            raise _StopRequested

    async def _when_online(self, step: Callable[[], Awaitable[_T]]) -> _T:
        """Run a step that needs the CSMS, waiting for (and retrying after) the connection."""
        while True:
            await self._wait_online()
            try:
                return await step()
            except StationOffline:
                continue

    # ------------------------------------------------------------------ events

    def _emit(self, message: str) -> None:
        logger.info("%s: %s", self.station_id, message)
        if self.on_event is not None:
            self.on_event(f"{self.station_id}: {message}")


def transaction_sampled_values(
    sample: MeterSample, *, with_phases: bool
) -> Iterable[tuple[str, str, float, str | None, str]]:
    """The periodic sampled values of ``sample`` as (measurand, unit, value, phase, location).

    ``with_phases``: currents and voltages carry L1/L2/L3 (L1-N...) phases (AC).
    """
    yield ("Energy.Active.Import.Register", "Wh", sample.energy_wh, None, "Outlet")
    yield ("Power.Active.Import", "W", sample.power_w, None, "Outlet")
    for index, current in enumerate(sample.current_a, start=1):
        yield ("Current.Import", "A", current, f"L{index}" if with_phases else None, "Outlet")
    for index, voltage in enumerate(sample.voltage_v, start=1):
        yield ("Voltage", "V", voltage, f"L{index}-N" if with_phases else None, "Outlet")
    if sample.soc_percent is not None:
        yield ("SoC", "Percent", sample.soc_percent, None, "EV")
