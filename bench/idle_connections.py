"""Idle connections: how many stations a server holds, and what each costs.

K stations connect (several client processes, to stay under the per-process
open-file limit) and send BootNotification, then stay idle for a bounded time,
each sending a Heartbeat every 30 s (the first at a random offset, so the
beats are spread evenly). Reported per target: connections held at the end,
connect and boot times, heartbeat round trips, server memory (RSS of the
server process and its descendants) before and after, and the server's CPU
while holding the idle connections.

    .venv/bin/python -m bench.idle_connections --targets bare,ocpp-lib,kilowatt

See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import secrets
import signal
import sys
import time
import traceback
from array import array
from typing import Any

from bench.common import (
    ClientProcesses,
    Target,
    TargetUnavailable,
    add_target_arguments,
    die_with_parent,
    fmt,
    install_sigterm_handler,
    latency_summary_ms,
    machine_info,
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
from bench.stations import Station, close_all, setup_stations

# --------------------------------------------------------------------------
# Client worker process
# --------------------------------------------------------------------------


def _worker(
    wid: int, ws_base: str, ids: list[str], cfg: dict[str, Any], out: Any, control: Any
) -> None:
    """Entry point of one load-generator process (spawned)."""
    die_with_parent(signal.SIGKILL)
    if os.getppid() != cfg["harness_pid"]:  # the harness is already gone
        return
    try:
        import uvloop

        uvloop.run(_worker_main(wid, ws_base, ids, cfg, out, control))
    except BaseException:
        out.put(("error", wid, traceback.format_exc()))


async def _worker_main(
    wid: int, ws_base: str, ids: list[str], cfg: dict[str, Any], out: Any, control: Any
) -> None:
    stations = [Station(sid, station_password(sid), ws_base, cfg["tag"]) for sid in ids]
    started = time.monotonic()
    ready, failures = await setup_stations(
        stations,
        concurrency=cfg["setup_concurrency"],
        open_timeout=cfg["open_timeout"],
        with_transaction=False,
        deadline=started + cfg["setup_timeout"],
    )
    ramp_s = time.monotonic() - started
    out.put(
        (
            "ready",
            wid,
            {
                "ready": len(ready),
                "failures": failures,
                "ramp_s": ramp_s,
                "connect_s": array("d", (st.connect_s for st in ready)).tobytes(),
                "boot_s": array("d", (st.boot_s for st in ready)).tobytes(),
            },
        )
    )
    loop = asyncio.get_running_loop()
    go = await loop.run_in_executor(None, wait_command, control, cfg["go_timeout"])
    if not go:
        await close_all(ready, wait_s=5)
        return

    start, until, interval = go["start"], go["until"], cfg["interval"]
    rng = random.Random(wid)
    latencies: array[float] = array("d")
    tasks = [
        asyncio.create_task(
            st.hold(start + rng.uniform(0, interval), interval, until, latencies, interval)
        )
        for st in ready
    ]
    done, pending = await asyncio.wait(tasks, timeout=max(0.0, until - time.monotonic()) + 40)
    for t in pending:
        t.cancel()
    outcomes = [t.result() for t in done if not t.cancelled() and t.exception() is None]
    out.put(
        (
            "result",
            wid,
            {
                "held": outcomes.count("held"),
                "dropped": len(ready) - outcomes.count("held"),
                "heartbeats": latencies.tobytes(),
                "timeouts": sum(st.timeouts for st in ready),
                "call_errors": sum(st.call_errors for st in ready),
                "server_calls": sum(st.server_calls for st in ready),
            },
        )
    )
    # Keep the connections open until the harness has read the server's memory.
    await loop.run_in_executor(None, wait_command, control, 120.0)
    await close_all(ready, wait_s=10)


# --------------------------------------------------------------------------
# Harness
# --------------------------------------------------------------------------


def _mib(n: int | None) -> float | None:
    return n / 2**20 if n is not None else None


def measure(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    ids = station_ids(args.stations)
    n_clients = args.clients or max(2, math.ceil(args.stations / 8000))
    chunks = split_evenly(ids, n_clients)
    cfg = {
        "tag": secrets.token_hex(3),
        "harness_pid": os.getpid(),
        "setup_concurrency": args.setup_concurrency,
        "open_timeout": 30.0,
        "setup_timeout": args.setup_timeout,
        "go_timeout": 120.0,
        "interval": args.interval,
    }
    pid = target.pid
    time.sleep(1.0)  # let the server settle after start-up / registration
    rss_before = tree_rss_bytes(pid) if pid else None

    with ClientProcesses(_worker, [(target.ws_base, chunk, cfg) for chunk in chunks]) as clients:
        print(f"  connecting {len(ids)} stations from {len(clients)} client processes ...")
        ready_info = clients.collect("ready", args.setup_timeout + 60)
        connected = sum(r["ready"] for r in ready_info.values())
        failures: dict[str, int] = {}
        for r in ready_info.values():
            for reason, n in r["failures"].items():
                failures[reason] = failures.get(reason, 0) + n
        ramp_s = max(r["ramp_s"] for r in ready_info.values())
        connect_s, boot_s = array("d"), array("d")
        for r in ready_info.values():
            connect_s.frombytes(r["connect_s"])
            boot_s.frombytes(r["boot_s"])
        print(f"  {connected}/{len(ids)} stations connected and booted in {ramp_s:.1f} s")
        for reason, n in sorted(failures.items(), key=lambda kv: -kv[1])[:5]:
            print(f"    {n} x {reason}")
        if connected == 0:
            raise TargetUnavailable("no station connected and booted")
        rss_connected = tree_rss_bytes(pid) if pid else None

        start = time.monotonic() + 0.5
        until = start + args.hold
        clients.send_all({"start": start, "until": until})
        print(f"  holding for {args.hold:g} s, a heartbeat every {args.interval:g} s ...")
        cpu0 = tree_cpu_seconds(pid) if pid else None
        time.sleep(max(0.0, until - time.monotonic()))
        cpu1 = tree_cpu_seconds(pid) if pid else None
        results = clients.collect("result", 120)
        rss_end = tree_rss_bytes(pid) if pid else None
        clients.send_all({"close": True})

    heartbeats = array("d")
    for r in results.values():
        heartbeats.frombytes(r["heartbeats"])
    held = sum(r["held"] for r in results.values())
    per_conn = (
        (rss_end - rss_before) / held / 1024
        if rss_end is not None and rss_before is not None and held
        else None
    )
    server_cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    return {
        "stations_requested": len(ids),
        "client_processes": len(chunks),
        "connected": connected,
        "setup_failures": failures,
        "ramp_s": ramp_s,
        "connect_ms": latency_summary_ms(connect_s),
        "boot_ms": latency_summary_ms(boot_s),
        "held": held,
        "dropped": sum(r["dropped"] for r in results.values()),
        "heartbeat_ms": latency_summary_ms(heartbeats),
        "heartbeat_timeouts": sum(r["timeouts"] for r in results.values()),
        "heartbeat_errors": sum(r["call_errors"] for r in results.values()),
        "server_initiated_calls": sum(r["server_calls"] for r in results.values()),
        "rss_before_mib": _mib(rss_before),
        "rss_connected_mib": _mib(rss_connected),
        "rss_end_mib": _mib(rss_end),
        "kib_per_connection": per_conn,
        "hold_server_cpu_percent": server_cpu / args.hold * 100 if server_cpu is not None else None,
    }


def print_summary(results: dict[str, dict[str, Any]]) -> None:
    headers = [
        "target",
        "held",
        "RSS before MiB",
        "RSS after MiB",
        "KiB/conn",
        "connect p50 ms",
        "connect p99 ms",
        "ramp s",
        "HB p50 ms",
        "HB p99 ms",
        "HB max ms",
        "hold CPU %",
        "dropped",
    ]
    rows = []
    for name, r in results.items():
        if "skipped" in r:
            rows.append([name, *["-"] * (len(headers) - 2), "skipped"])
            continue
        hb, conn = r["heartbeat_ms"], r["connect_ms"]
        rows.append(
            [
                name,
                f"{r['held']}/{r['stations_requested']}",
                fmt(r["rss_before_mib"], 1),
                fmt(r["rss_end_mib"], 1),
                fmt(r["kib_per_connection"], 1),
                fmt(conn.get("p50"), 1),
                fmt(conn.get("p99"), 1),
                fmt(r["ramp_s"], 1),
                fmt(hb.get("p50"), 2),
                fmt(hb.get("p99"), 2),
                fmt(hb.get("max"), 2),
                fmt(r["hold_server_cpu_percent"], 1),
                fmt(r["dropped"] + r["heartbeat_timeouts"]),
            ]
        )
    print()
    print_table(headers, rows)
    for name, r in results.items():
        if "skipped" in r:
            print(f"{name}: skipped: {r['skipped']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Idle OCPP 1.6 connections: memory and heartbeats")
    add_target_arguments(p)
    p.add_argument("--stations", type=int, default=10_000, help="idle stations to connect")
    p.add_argument("--hold", type=float, default=120.0, help="seconds to hold them connected")
    p.add_argument("--interval", type=float, default=30.0, help="heartbeat interval, seconds")
    p.add_argument(
        "--clients", type=int, default=0, help="client processes (0: one per 8,000, at least 2)"
    )
    p.add_argument("--setup-concurrency", type=int, default=20, help="per client process")
    p.add_argument("--setup-timeout", type=float, default=600.0)
    p.add_argument("--pause", type=float, default=5.0, help="idle seconds between targets")
    p.add_argument("--json", dest="json_path", help="write results to this JSON file")
    args = p.parse_args(argv)
    if args.stations < 1 or args.hold <= 0 or args.interval <= 0 or args.clients < 0:
        p.error("--stations, --hold and --interval must be positive")
    if args.clients and args.stations / args.clients > 18_000:
        p.error("more than 18,000 connections per client process would exceed ulimit -n")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_sigterm_handler()
    options = target_options(args, lifetime=args.setup_timeout + args.hold + 900)
    names = target_names(args.targets, options)
    results: dict[str, dict[str, Any]] = {}
    for n, name in enumerate(names):
        if n and args.pause:
            time.sleep(args.pause)
        print(f"== {name}: {args.stations} idle stations for {args.hold:g} s")
        try:
            with start_target(name, args.stations, options) as target:
                for note in target.notes:
                    print(f"  note: {note}")
                r = results[name] = measure(target, args)
                print(
                    f"  held {r['held']}, {fmt(r['kib_per_connection'], 1)} KiB/connection,"
                    f" heartbeat p99 {fmt(r['heartbeat_ms'].get('p99'), 2)} ms"
                )
        except TargetUnavailable as exc:
            print(f"  skipped {name}: {exc}")
            results[name] = {"skipped": str(exc)}
    print_summary(results)
    write_json(
        args.json_path,
        {
            "benchmark": "idle_connections",
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine_info(),
            "config": public_config(args),
            "results": results,
        },
    )
    return 0 if any("skipped" not in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
