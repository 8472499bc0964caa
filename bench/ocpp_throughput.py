"""OCPP 1.6 call throughput: N charging stations, each with one call in flight.

Every station connects, sends BootNotification (must be Accepted),
StatusNotification Available and StartTransaction, then loops Heartbeat /
StatusNotification Charging / MeterValues, sending the next call as soon as the
answer arrives. After a warm-up, calls answered during the measured window are
counted; the server's CPU time (its process and all descendants, from /proc)
is read at the start and the end of the window.

    .venv/bin/python -m bench.ocpp_throughput --targets bare,ocpp-lib,kilowatt

See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import time
import traceback
from array import array
from typing import Any

from websockets.exceptions import ConnectionClosed

from bench.common import (
    ClientProcesses,
    Target,
    TargetUnavailable,
    add_target_arguments,
    die_with_parent,
    fmt,
    host_busy_percent,
    host_cpu_ticks,
    install_sigterm_handler,
    latency_summary_ms,
    machine_info,
    own_cpu_seconds,
    print_table,
    public_config,
    split_evenly,
    start_target,
    station_ids,
    station_password,
    target_names,
    target_options,
    tree_cpu_seconds,
    tree_rss_bytes,
    wait_command,
    write_json,
)
from bench.stations import ACTIONS, CallError, Station, close_all, setup_stations

# --------------------------------------------------------------------------
# Client worker process
# --------------------------------------------------------------------------


def _worker(
    wid: int, ws_base: str, ids: list[str], cfg: dict[str, Any], out: Any, go_conn: Any
) -> None:
    """Entry point of one load-generator process (spawned)."""
    die_with_parent(signal.SIGKILL)
    if os.getppid() != cfg["harness_pid"]:  # the harness is already gone
        return
    try:
        import uvloop

        uvloop.run(_worker_main(wid, ws_base, ids, cfg, out, go_conn))
    except BaseException:
        out.put(("error", wid, traceback.format_exc()))


async def _worker_main(
    wid: int, ws_base: str, ids: list[str], cfg: dict[str, Any], out: Any, go_conn: Any
) -> None:
    stations = [Station(sid, station_password(sid), ws_base, cfg["tag"]) for sid in ids]
    started = time.monotonic()
    ready, failures = await setup_stations(
        stations,
        concurrency=cfg["setup_concurrency"],
        open_timeout=cfg["open_timeout"],
        with_transaction=True,
        deadline=started + cfg["setup_timeout"],
    )
    out.put(
        (
            "ready",
            wid,
            {"ready": len(ready), "failures": failures, "setup_s": time.monotonic() - started},
        )
    )
    loop = asyncio.get_running_loop()
    go = await loop.run_in_executor(None, wait_command, go_conn, cfg["go_timeout"])
    if not go:
        await close_all(ready, wait_s=5)
        return
    t_start, t0, t1 = go["start"], go["t0"], go["t1"]

    latencies = [array("d") for _ in ACTIONS]
    errors: dict[str, int] = {}
    disconnected = 0
    cpu: dict[str, float] = {}
    mono = time.monotonic

    async def cpu_probe() -> None:
        await asyncio.sleep(max(0.0, t0 - mono()))
        cpu["t0"] = own_cpu_seconds()
        await asyncio.sleep(max(0.0, t1 - mono()))
        cpu["t1"] = own_cpu_seconds()

    async def drive(st: Station, first: int) -> None:
        nonlocal disconnected
        i = first
        while True:
            if mono() >= t1:
                return
            uid, frame = st.frame(i)
            sent = mono()
            try:
                await st.call(frame, uid, parse=False)
            except CallError as exc:
                key = f"{ACTIONS[i]}: {str(exc)[:120]}"
                errors[key] = errors.get(key, 0) + 1
            except (ConnectionClosed, OSError):
                disconnected += 1
                return
            else:
                done = mono()
                if t0 <= done <= t1:
                    latencies[i].append(done - sent)
            i = i + 1 if i < 2 else 0

    await asyncio.sleep(max(0.0, t_start - mono()))
    probe = asyncio.create_task(cpu_probe())
    tasks = [asyncio.create_task(drive(st, n % 3)) for n, st in enumerate(ready)]
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, t1 - mono()) + cfg["drain_timeout"])
    for t in pending:
        t.cancel()
    await probe
    out.put(
        (
            "result",
            wid,
            {
                "latencies": [a.tobytes() for a in latencies],
                "errors": errors,
                "disconnected": disconnected,
                "unanswered_at_end": len(pending),
                "client_cpu_s": cpu["t1"] - cpu["t0"],
                "server_calls": sum(st.server_calls for st in ready),
            },
        )
    )
    await close_all(ready, wait_s=5)


# --------------------------------------------------------------------------
# Harness
# --------------------------------------------------------------------------


def measure(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    ids = station_ids(args.stations)
    chunks = split_evenly(ids, args.clients)
    cfg = {
        "tag": secrets.token_hex(3),
        "harness_pid": os.getpid(),
        "setup_concurrency": args.setup_concurrency,
        "open_timeout": 20.0,
        "setup_timeout": args.setup_timeout,
        "go_timeout": 120.0,
        "drain_timeout": 10.0,
    }
    clients = ClientProcesses(_worker, [(target.ws_base, chunk, cfg) for chunk in chunks])
    with clients:
        print(f"  connecting {len(ids)} stations from {len(clients)} client processes ...")
        ready_info = clients.collect("ready", args.setup_timeout + 60)
        ready = sum(r["ready"] for r in ready_info.values())
        failures: dict[str, int] = {}
        for r in ready_info.values():
            for reason, n in r["failures"].items():
                failures[reason] = failures.get(reason, 0) + n
        setup_s = max(r["setup_s"] for r in ready_info.values())
        print(f"  {ready}/{len(ids)} stations booted with a transaction in {setup_s:.1f} s")
        for reason, n in sorted(failures.items(), key=lambda kv: -kv[1])[:5]:
            print(f"    {n} x {reason}")
        if ready == 0:
            raise TargetUnavailable("no station completed Boot/Status/StartTransaction")

        t_start = time.monotonic() + 0.5
        t0 = t_start + args.warmup
        t1 = t0 + args.duration
        clients.send_all({"start": t_start, "t0": t0, "t1": t1})
        print(f"  warm-up {args.warmup:g} s, measuring {args.duration:g} s ...")

        time.sleep(max(0.0, t0 - time.monotonic()))
        cpu0 = tree_cpu_seconds(target.pid) if target.pid else None
        db0 = tree_cpu_seconds(target.db_pid) if target.db_pid else None
        host0 = host_cpu_ticks()
        time.sleep(max(0.0, t1 - time.monotonic()))
        cpu1 = tree_cpu_seconds(target.pid) if target.pid else None
        db1 = tree_cpu_seconds(target.db_pid) if target.db_pid else None
        host1 = host_cpu_ticks()
        rss = tree_rss_bytes(target.pid) if target.pid else None

        results = clients.collect("result", cfg["drain_timeout"] + 60)

    per_action: list[array[float]] = [array("d") for _ in range(3)]
    errors: dict[str, int] = {}
    for r in results.values():
        for i, raw in enumerate(r["latencies"]):
            per_action[i].frombytes(raw)
        for k, n in r["errors"].items():
            errors[k] = errors.get(k, 0) + n
    merged = [x for a in per_action for x in a]
    calls = len(merged)
    duration = args.duration
    server_cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    db_cpu = db1 - db0 if db0 is not None and db1 is not None else None
    client_cpu = sum(r["client_cpu_s"] for r in results.values())
    actions = ("Heartbeat", "StatusNotification", "MeterValues")
    return {
        "stations_requested": len(ids),
        "stations_ready": ready,
        "setup_failures": failures,
        "setup_s": setup_s,
        "calls": calls,
        "calls_per_s": calls / duration,
        "latency_ms": latency_summary_ms(merged),
        "latency_ms_by_action": {
            name: latency_summary_ms(per_action[i]) for i, name in enumerate(actions)
        },
        "call_errors": sum(errors.values()),
        "call_error_samples": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:10]),
        "disconnected": sum(r["disconnected"] for r in results.values()),
        "unanswered_at_end": sum(r["unanswered_at_end"] for r in results.values()),
        "server_initiated_calls": sum(r["server_calls"] for r in results.values()),
        "server_cpu_s": server_cpu,
        "server_cpu_us_per_call": server_cpu / calls * 1e6 if server_cpu and calls else None,
        "server_cpu_percent": server_cpu / duration * 100 if server_cpu is not None else None,
        "server_rss_mib": rss / 2**20 if rss else None,
        "db_cpu_us_per_call": db_cpu / calls * 1e6 if db_cpu is not None and calls else None,
        "client_cpu_percent": client_cpu / duration * 100,
        "client_cpu_us_per_call": client_cpu / calls * 1e6 if calls else None,
        "host_busy_percent": host_busy_percent(host0, host1),
    }


def print_summary(results: dict[str, dict[str, Any]]) -> None:
    headers = [
        "target",
        "stations",
        "calls/s",
        "p50 ms",
        "p99 ms",
        "srv CPU us/call",
        "srv CPU %",
        "db CPU us/call",
        "client CPU %",
        "host busy %",
        "errors",
    ]
    rows = []
    for name, r in results.items():
        if "skipped" in r:
            rows.append([name, *["-"] * (len(headers) - 2), "skipped"])
            continue
        lat = r["latency_ms"]
        errors = r["call_errors"] + r["disconnected"]
        rows.append(
            [
                name,
                f"{r['stations_ready']}/{r['stations_requested']}",
                fmt(r["calls_per_s"], 0),
                fmt(lat.get("p50"), 2),
                fmt(lat.get("p99"), 2),
                fmt(r["server_cpu_us_per_call"], 0),
                fmt(r["server_cpu_percent"], 0),
                fmt(r["db_cpu_us_per_call"], 0),
                fmt(r["client_cpu_percent"], 0),
                fmt(r["host_busy_percent"], 0),
                fmt(errors),
            ]
        )
    print()
    print_table(headers, rows)
    for name, r in results.items():
        if "skipped" in r:
            print(f"{name}: skipped: {r['skipped']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="OCPP 1.6 call throughput of bare websockets, the ocpp library and Kilowatt"
    )
    add_target_arguments(p)
    p.add_argument("--stations", type=int, default=1000)
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring")
    p.add_argument("--clients", type=int, default=2, help="load-generator processes")
    p.add_argument("--setup-concurrency", type=int, default=50, help="per client process")
    p.add_argument("--setup-timeout", type=float, default=180.0)
    p.add_argument("--pause", type=float, default=2.0, help="idle seconds between targets")
    p.add_argument("--json", dest="json_path", help="write results to this JSON file")
    args = p.parse_args(argv)
    if args.stations < 1 or args.duration <= 0 or args.clients < 1:
        p.error("--stations, --duration and --clients must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_sigterm_handler()
    options = target_options(args, lifetime=args.setup_timeout + args.warmup + args.duration + 600)
    names = target_names(args.targets, options)
    results: dict[str, dict[str, Any]] = {}
    for n, name in enumerate(names):
        if n and args.pause:
            time.sleep(args.pause)
        print(f"== {name}: {args.stations} stations, {args.clients} client processes")
        try:
            with start_target(name, args.stations, options) as target:
                for note in target.notes:
                    print(f"  note: {note}")
                results[name] = measure(target, args)
                r = results[name]
                lat = r["latency_ms"]
                print(
                    f"  {fmt(r['calls_per_s'], 0)} calls/s, p50 {fmt(lat.get('p50'), 2)} ms,"
                    f" p99 {fmt(lat.get('p99'), 2)} ms,"
                    f" {fmt(r['server_cpu_us_per_call'], 0)} us server CPU/call"
                )
        except TargetUnavailable as exc:
            print(f"  skipped {name}: {exc}")
            results[name] = {"skipped": str(exc)}
    print_summary(results)
    write_json(
        args.json_path,
        {
            "benchmark": "ocpp_throughput",
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine_info(),
            "config": public_config(args),
            "results": results,
        },
    )
    return 0 if any("skipped" not in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
