"""Pricing engine cost per session: how long pricing one session takes as it grows.

Every session charges at ~11 kW with a register reading every ``--interval-s`` seconds
(1-minute readings: a 10-hour session has 600), parks for its last fifth, and is priced
under the specification's most complex example tariff (time-of-day TIME, current and
day-of-week restrictions, step sizes) and under a plain per-kWh tariff, in the session's
time zone. The figures are what a live session view, a CostUpdated and a CDR each cost.

    .venv/bin/python -m bench.pricing --hours 1,10,24 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from kilowatt.domain.pricing import ChargingSession, MeterReading, price_session
from kilowatt.domain.tariffs import Tariff

EXAMPLES = Path(__file__).parents[1] / "tests" / "fixtures" / "ocpi-2.2.1"
START = datetime(2026, 3, 27, 18, tzinfo=UTC)  # crosses the spring DST change over 24 h


def tariff(name: str) -> Tariff:
    return Tariff.from_ocpi(json.loads((EXAMPLES / name).read_text(), parse_float=Decimal))


def readings(hours: float, interval_s: int) -> tuple[MeterReading, ...]:
    count = int(hours * 3600 // interval_s)
    charging_until = int(count * 0.8)
    return tuple(
        MeterReading(
            START + timedelta(seconds=i * interval_s),
            Decimal(min(i, charging_until) * interval_s * 11_000 // 3600),
            charging=i < charging_until,
            current_a=Decimal(16 if i < charging_until else 0),
        )
        for i in range(count + 1)
    )


def measure(priced: Tariff, session: ChargingSession, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        price_session(priced, "Europe/Amsterdam", session)
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", default="1,10,24", help="session lengths, comma-separated")
    parser.add_argument("--interval-s", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tariffs = {
        "per kWh (example 8)": tariff("tariff_8_simple_025kwh.json"),
        "complex (example 4)": tariff("tariff_4_complex.json"),
    }
    header = ("hours", "readings", "tariff", "median ms", "max ms", "periods")
    print("{:>6} {:>9} {:<22} {:>10} {:>8} {:>8}".format(*header))
    for hours in (float(h) for h in args.hours.split(",")):
        session = ChargingSession(readings(hours, args.interval_s))
        for name, priced in tariffs.items():
            times = measure(priced, session, args.repeat)
            periods = len(price_session(priced, "Europe/Amsterdam", session).periods)
            print(
                f"{hours:>6g} {len(session.readings):>9} {name:<22} "
                f"{statistics.median(times) * 1000:>10.1f} {max(times) * 1000:>8.1f} {periods:>8}"
            )


if __name__ == "__main__":
    main()
