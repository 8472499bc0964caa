"""Shared plumbing for the Kilowatt benchmarks.

Everything here runs in the harness (parent) process: starting and stopping
server subprocesses, reading their CPU time and memory from /proc, creating
the throw-away PostgreSQL database, registering stations over the admin API,
percentile maths and table printing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import multiprocessing as mp
import os
import queue as queue_mod
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
_VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
PYTHON = str(_VENV_PYTHON) if _VENV_PYTHON.exists() else sys.executable

HOST = "127.0.0.1"
BENCH_TARGETS = ("bare", "ocpp-lib", "kilowatt")
DEFAULT_DATABASE_URL = "postgresql+asyncpg://root@127.0.0.1:5432/kilowatt_bench"
TOKEN_UID = "BENCHTAG"


def station_token(sid: str) -> str:
    """Each station charges with a card of its own: one token cannot drive two transactions
    at once (the central system answers ConcurrentTx)."""
    return f"TAG{sid}"[:20]


DEFAULT_KILOWATT_CMD = "{python} -m kilowatt serve --host {host} --port {port}"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class TargetUnavailable(Exception):
    """The target could not be started or prepared; the harness skips it."""


# --------------------------------------------------------------------------
# Stations
# --------------------------------------------------------------------------


def station_id(index: int) -> str:
    """Station ids BENCH0001, BENCH0002, ... (index starts at 1)."""
    return f"BENCH{index:04d}"


def station_password(sid: str) -> str:
    """Deterministic per-station password (>= 16 chars), so reruns against a
    long-running server (--target-url) find the stations they registered."""
    return f"bench-{sid}-pw-0123456789"


def station_ids(count: int) -> list[str]:
    return [station_id(i) for i in range(1, count + 1)]


# --------------------------------------------------------------------------
# Statistics and output
# --------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Percentile q (0..100) of an ascending sequence, linear interpolation."""
    n = len(sorted_values)
    if n == 0:
        return float("nan")
    if n == 1:
        return float(sorted_values[0])
    pos = (n - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac)


def latency_summary_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    """count/p50/p90/p99/max/mean in milliseconds for latencies in seconds."""
    values = sorted(seconds)
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50": percentile(values, 50) * 1000,
        "p90": percentile(values, 90) * 1000,
        "p99": percentile(values, 99) * 1000,
        "max": values[-1] * 1000,
        "mean": sum(values) / len(values) * 1000,
    }


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        pairs = enumerate(zip(row, widths, strict=True))
        parts = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs]
        print("  ".join(parts))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def write_json(path: str | None, payload: dict[str, Any]) -> None:
    if not path:
        return
    Path(path).write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"wrote {path}")


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": sys.platform,
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    return info


# --------------------------------------------------------------------------
# /proc readings
# --------------------------------------------------------------------------


def _read_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (comm) may contain spaces: split after the closing parenthesis.
    return raw[raw.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """root and all its live descendants (found by scanning /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _read_stat(int(entry))
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def tree_cpu_seconds(root: int) -> float:
    """User+system CPU of root and its descendants, including reaped children
    (cutime/cstime), in seconds. Take the difference of two readings."""
    ticks = 0
    for pid in process_tree(root):
        fields = _read_stat(pid)
        if fields is None:
            continue
        # After the comm field: state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14
        ticks += sum(int(x) for x in fields[11:15])
    return ticks / CLK_TCK


def tree_rss_bytes(root: int) -> int:
    """Sum of resident set sizes of root and its descendants (pages shared
    between forked workers are counted once per process)."""
    total = 0
    for pid in process_tree(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


def host_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(x) for x in first]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def host_busy_percent(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of all cores that were busy between two host_cpu_ticks() readings."""
    busy = after[0] - before[0]
    total = after[1] - before[1]
    return 100.0 * busy / total if total else float("nan")


def own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# --------------------------------------------------------------------------
# Server subprocesses
# --------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send `sig` to this process when its parent dies (belt
    and braces next to the harness's finally blocks)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def http_get_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        return httpx.get(url, timeout=timeout, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


class ServerProcess:
    """A server in its own process group, its output in a log file, stopped
    (SIGTERM, then SIGKILL) by stop() or on leaving the with block."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        self.name = name
        self.cmd = cmd
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS_DIR / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> ServerProcess:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        return self

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def wait_ready(self, url: str, timeout: float) -> None:
        """Poll url until it answers 200; raise TargetUnavailable if the
        process exits or the deadline passes."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise TargetUnavailable(
                    f"{self.name} exited with code {code} before answering {url}; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            if http_get_ok(url, timeout=1.0):
                return
            time.sleep(0.2)
        raise TargetUnavailable(
            f"{self.name} did not answer 200 on {url} within {timeout:.0f} s; "
            f"log {self.log_path}:\n{self.log_tail()}"
        )

    def stop(self, grace: float = 10.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # Stray members of the group (uvicorn workers, ...).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def install_sigterm_handler() -> None:
    """Turn SIGTERM into KeyboardInterrupt so finally blocks stop the servers."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


# --------------------------------------------------------------------------
# PostgreSQL database for the kilowatt target
# --------------------------------------------------------------------------


@dataclass
class PgDatabase:
    url: str  # SQLAlchemy URL handed to the server
    name: str
    admin_dsn: str  # asyncpg DSN of the maintenance database
    postmaster_pid: int | None = None  # set when the server runs on this machine


def _asyncpg_dsn(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    return urlunsplit(parts._replace(scheme=scheme))


def parse_pg_url(url: str) -> PgDatabase:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise TargetUnavailable(f"no database name in {url}")
    admin = urlsplit(_asyncpg_dsn(url))._replace(path="/postgres")
    return PgDatabase(url=url, name=name, admin_dsn=urlunsplit(admin))


def _check_bench_name(name: str) -> None:
    # The harness drops this database: refuse anything not obviously ours.
    if "bench" not in name or not name.replace("_", "").isalnum():
        raise TargetUnavailable(
            f"refusing to create/drop database {name!r}: its name must contain 'bench' "
            "and only letters, digits and underscores"
        )


def _local_postmaster(backend_pid: int) -> int | None:
    """If PostgreSQL runs on this machine, its backends are children of the
    postmaster: find it through one of our backends while that is alive."""
    fields = _read_stat(backend_pid)
    with contextlib.suppress(OSError):
        if fields and "postgres" in Path(f"/proc/{fields[1]}/cmdline").read_text():
            return int(fields[1])
    return None


async def _recreate_database(db: PgDatabase) -> None:
    import asyncpg  # the server's dependency; only needed for this target

    conn = await asyncpg.connect(db.admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{db.name}"')
        backend = int(await conn.fetchval("SELECT pg_backend_pid()"))
        db.postmaster_pid = await asyncio.to_thread(_local_postmaster, backend)
    finally:
        await conn.close()


async def _drop_database(db: PgDatabase) -> None:
    import asyncpg

    conn = await asyncpg.connect(db.admin_dsn, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[PgDatabase | None]:
    """Create a fresh PostgreSQL database for the run and drop it afterwards.
    Non-PostgreSQL URLs (sqlite) are passed through untouched (yields None)."""
    if not url.startswith("postgresql"):
        yield None
        return
    db = parse_pg_url(url)
    _check_bench_name(db.name)
    try:
        asyncio.run(_recreate_database(db))
    except Exception as exc:
        raise TargetUnavailable(f"cannot create database {db.name}: {exc!r}") from exc
    try:
        yield db
    finally:
        try:
            asyncio.run(_drop_database(db))
        except Exception as exc:
            print(f"  warning: could not drop database {db.name}: {exc!r}")


# --------------------------------------------------------------------------
# Registration over the Kilowatt admin API
# --------------------------------------------------------------------------


async def _register(
    base_url: str, admin_key: str, ids: Sequence[str], token_uid: str, concurrency: int
) -> None:
    headers = {"Authorization": f"Bearer {admin_key}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    sem = asyncio.Semaphore(concurrency)
    done = 0
    started = time.monotonic()

    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30.0, trust_env=False
    ) as client:

        async def post(path: str, body: dict[str, Any]) -> None:
            nonlocal done
            async with sem:
                for attempt in range(3):
                    try:
                        resp = await client.post(path, json=body)
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                        await asyncio.sleep(0.5)
            # 409: already registered by an earlier run against the same server.
            if resp.status_code not in (200, 201, 409):
                raise TargetUnavailable(
                    f"POST {path} {body.get('id') or body.get('uid')} -> "
                    f"{resp.status_code} {resp.text[:300]}"
                )
            done += 1
            if done % 2000 == 0:
                print(f"  registered {done}/{2 * len(ids)} stations and their tokens")

        await post("/api/v1/tokens", {"uid": token_uid, "type": "RFID"})
        done = 0
        tasks = [
            asyncio.create_task(
                post("/api/v1/stations", {"id": sid, "password": station_password(sid)})
            )
            for sid in ids
        ] + [
            asyncio.create_task(post("/api/v1/tokens", {"uid": station_token(sid), "type": "RFID"}))
            for sid in ids
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
    took = time.monotonic() - started
    print(f"  registered {len(ids)} stations with a token each in {took:.1f} s")


def register_stations(
    base_url: str,
    admin_key: str,
    ids: Sequence[str],
    token_uid: str = TOKEN_UID,
    concurrency: int = 50,
) -> None:
    try:
        asyncio.run(_register(base_url, admin_key, ids, token_uid, concurrency))
    except TargetUnavailable:
        raise
    except Exception as exc:
        raise TargetUnavailable(f"station registration failed: {exc!r}") from exc


# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    http_base: str  # http://127.0.0.1:P
    ws_base: str  # ws://127.0.0.1:P/ocpp  (station id appended)
    pid: int | None  # server process to measure (None: unknown, CPU/RSS not reported)
    db_pid: int | None = None  # local PostgreSQL postmaster, for DB CPU
    notes: list[str] = field(default_factory=list)


def _ws_base(http_base: str) -> str:
    parts = urlsplit(http_base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/ocpp", "", ""))


@dataclass
class TargetOptions:
    database_url: str = DEFAULT_DATABASE_URL
    target_url: str | None = None
    target_pid: int | None = None
    admin_key: str | None = None
    start_timeout: float = 60.0
    lifetime: float = 3600.0  # the bench servers exit by themselves after this
    kilowatt_cmd: str = DEFAULT_KILOWATT_CMD


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    """The target-selection options both benchmarks share."""
    p.add_argument(
        "--targets",
        default=",".join(BENCH_TARGETS),
        help="comma-separated subset of: " + ", ".join(BENCH_TARGETS) + " (url: --target-url)",
    )
    p.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="database of the kilowatt target; a postgresql one is created fresh and dropped "
        "after (its name must contain 'bench')",
    )
    p.add_argument(
        "--kilowatt-cmd",
        default=DEFAULT_KILOWATT_CMD,
        help="command starting the kilowatt target ({python}, {host}, {port} are filled in)",
    )
    p.add_argument(
        "--target-url", help="also measure this already-running server (http://host:port)"
    )
    p.add_argument("--target-pid", type=int, help="its process id, for CPU and memory readings")
    p.add_argument(
        "--admin-key",
        default=os.environ.get("KILOWATT_ADMIN_API_KEY"),
        help="its admin API key, to register the stations (default $KILOWATT_ADMIN_API_KEY)",
    )
    p.add_argument("--start-timeout", type=float, default=60.0, help="seconds to wait for health")


def target_options(args: argparse.Namespace, lifetime: float) -> TargetOptions:
    return TargetOptions(
        database_url=args.database_url,
        target_url=args.target_url,
        target_pid=args.target_pid,
        admin_key=args.admin_key,
        start_timeout=args.start_timeout,
        lifetime=lifetime,
        kilowatt_cmd=args.kilowatt_cmd,
    )


def public_config(args: argparse.Namespace) -> dict[str, Any]:
    """The arguments, for the JSON output, without the admin key."""
    return {k: v for k, v in vars(args).items() if k not in ("json_path", "admin_key")}


def target_names(spec: str, options: TargetOptions) -> list[str]:
    """Target names from --targets; "url" (the --target-url server) is added
    when a URL is given, and may be given alone: --targets url."""
    names = [t.strip() for t in spec.split(",") if t.strip()]
    for n in names:
        if n not in (*BENCH_TARGETS, "url"):
            raise SystemExit(f"unknown target {n!r}; choose from {', '.join(BENCH_TARGETS)}")
    if "url" in names and not options.target_url:
        raise SystemExit("target 'url' needs --target-url")
    if options.target_url and "url" not in names:
        names.append("url")
    return names


@contextlib.contextmanager
def start_target(name: str, n_stations: int, options: TargetOptions) -> Iterator[Target]:
    """Start (or attach to) a target, prepare it for n_stations, stop it on exit.
    Raises TargetUnavailable when it cannot be started or prepared."""
    ids = station_ids(n_stations)

    if name == "url":
        assert options.target_url
        base = options.target_url.rstrip("/")
        if not http_get_ok(f"{base}/api/v1/health", timeout=5):
            raise TargetUnavailable(f"{base}/api/v1/health does not answer 200")
        target = Target("url", base, _ws_base(base), options.target_pid)
        if options.admin_key:
            register_stations(base, options.admin_key, ids)
        else:
            target.notes.append("no --admin-key: stations not registered")
        if options.target_pid is None:
            target.notes.append("no --target-pid: server CPU/RSS not measured")
        yield target
        return

    port = free_port()
    base = f"http://{HOST}:{port}"
    if name in ("bare", "ocpp-lib"):
        module = {"bare": "bench.servers.bare_websockets", "ocpp-lib": "bench.servers.ocpp_library"}
        cmd = [PYTHON, "-m", module[name], "--host", HOST, "--port", str(port)]
        cmd += ["--lifetime", str(int(options.lifetime))]
        with ServerProcess(name, cmd) as server:
            server.wait_ready(f"{base}/api/v1/health", options.start_timeout)
            yield Target(name, base, _ws_base(base), server.pid)
        return

    if name == "kilowatt":
        admin_key = secrets.token_urlsafe(24)
        with fresh_database(options.database_url) as db:
            env = {
                "KILOWATT_DATABASE_URL": options.database_url,
                "KILOWATT_ADMIN_API_KEY": admin_key,
            }
            cmd = shlex.split(options.kilowatt_cmd.format(python=PYTHON, host=HOST, port=port))
            with ServerProcess(name, cmd, env) as server:
                server.wait_ready(f"{base}/api/v1/health", options.start_timeout)
                register_stations(base, admin_key, ids)
                yield Target(
                    name,
                    base,
                    _ws_base(base),
                    server.pid,
                    db_pid=db.postmaster_pid if db else None,
                )
        return

    raise TargetUnavailable(f"unknown target {name}")


def split_evenly(items: Sequence[Any], parts: int) -> list[list[Any]]:
    """Round-robin split of items into at most `parts` non-empty lists."""
    parts = max(1, min(parts, len(items)))
    return [list(items[i::parts]) for i in range(parts)]


# --------------------------------------------------------------------------
# Load-generator processes
# --------------------------------------------------------------------------


class ClientProcesses:
    """Spawned load-generator processes. Each runs fn(wid, *args, out, control):
    it reports with out.put((kind, wid, data)) ("error" aborts the target) and
    receives commands from the harness with control.recv(). All are joined,
    then terminated if need be, on leaving the with block."""

    def __init__(self, fn: Callable[..., None], per_worker_args: Sequence[tuple[Any, ...]]):
        ctx = mp.get_context("spawn")
        ctx.set_executable(PYTHON)
        self.out = ctx.Queue()
        self.procs: list[Any] = []
        self.controls: list[Any] = []
        for wid, extra in enumerate(per_worker_args):
            reader, writer = ctx.Pipe(duplex=False)
            self.procs.append(
                ctx.Process(
                    target=fn,
                    args=(wid, *extra, self.out, reader),
                    name=f"bench-client-{wid}",
                    daemon=True,
                )
            )
            self.controls.append(writer)

    def __len__(self) -> int:
        return len(self.procs)

    def __enter__(self) -> ClientProcesses:
        for p in self.procs:
            p.start()
        return self

    def send_all(self, message: Any) -> None:
        for c in self.controls:
            with contextlib.suppress(OSError):
                c.send(message)

    def collect(self, kind: str, timeout: float) -> dict[int, Any]:
        """Wait for one `kind` message from every process."""
        got: dict[int, Any] = {}
        deadline = time.monotonic() + timeout
        while len(got) < len(self.procs):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TargetUnavailable(
                    f"only {len(got)}/{len(self.procs)} client processes reported {kind!r} "
                    f"within {timeout:.0f} s"
                )
            try:
                msg_kind, wid, data = self.out.get(timeout=min(remaining, 1.0))
            except queue_mod.Empty:
                if not any(p.is_alive() for p in self.procs):
                    raise TargetUnavailable("all client processes exited") from None
                continue
            if msg_kind == "error":
                raise TargetUnavailable(f"client process {wid} failed:\n{data}")
            if msg_kind == kind:
                got[wid] = data
        return got

    def __exit__(self, exc_type: object, *exc: object) -> None:
        for c in self.controls:
            c.close()  # workers waiting on control.recv() see EOF and wind down
        # After an error or interrupt, do not wait for the workers' windows to end.
        deadline = time.monotonic() + (20 if exc_type is None else 1)
        for p in self.procs:
            p.join(timeout=max(0.1, deadline - time.monotonic()))
        for p in self.procs:
            if p.is_alive():
                p.terminate()
                p.join(timeout=5)
        self.out.close()


def wait_command(control: Any, timeout: float) -> Any:
    """Worker side: the next command from the harness, None on EOF/timeout."""
    try:
        if control.poll(timeout):
            return control.recv()
    except (EOFError, OSError):
        pass
    return None
