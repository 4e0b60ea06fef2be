"""Soak: a 3-hour, 20-athlete session at 100x speed through the live pipeline and a real store.

A simulated gateline session (20 athletes, repeated sprints over 0,10,20,30 for a little over 3
simulated hours, double triggers and missed breaks, every gate's 1 Hz heartbeat) is delivered by the
in-process simulator at 100x real time into monitor.pipeline.Pipeline: SimulatorSource -> SQLite
store (a temporary file, WAL, commits per batch) -> rep assembly -> analyzer -> a subscriber that
drains its queue as the dashboard would. While it runs, the process's resident memory (VmRSS in
/proc/self/status) is sampled every 0.5 s; VmHWM gives the peak.

Goals: peak RSS <= 150 MB; memory flat (the mean of the last third of the run within 5 MB of the
first third's); no event lost (every event the session's bytes decode to is in the store). Also
reported: the database's size and the reps derived.

Run: python3 benchmarks/bench_soak.py [--speed X]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from results import result  # noqa: E402

from gates import protocols  # noqa: E402
from gates.course import Course  # noqa: E402
from monitor.store import db as st  # noqa: E402
from monitor.session.model import RepFinished  # noqa: E402
from monitor.live.pipeline import Pipeline  # noqa: E402
from simulators.sim_source import SimulatorSource  # noqa: E402
from simulators.athletes import presets  # noqa: E402
from simulators.gate_device import Faults  # noqa: E402
from simulators.live import LiveSimulator  # noqa: E402
from simulators.plans import get_plan  # noqa: E402
from simulators.session import SessionConfig, simulate  # noqa: E402

COURSE = Course.parse("0,10,20,30")
ATHLETES = 20
REPS = 40  # the rsa plan's rests make this a little over 3 hours for 20 athletes
GOAL_PEAK_MB = 150.0
GOAL_GROWTH_MB = 5.0
SAMPLE_S = 0.5


def memory_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


async def sample(into: list[tuple[float, int]]) -> None:
    while True:
        into.append((time.monotonic(), memory_kb("VmRSS")))
        await asyncio.sleep(SAMPLE_S)


async def drain(messages: asyncio.Queue, reps: list[int]) -> None:
    while True:
        if isinstance(await messages.get(), RepFinished):
            reps[0] += 1


async def soak(tmp: Path, speed: float) -> int:
    config = SessionConfig(course=COURSE, athletes=tuple(presets(ATHLETES)), plan=get_plan("rsa").with_reps(REPS),
                           seed=8, faults=Faults(double=0.05, miss=0.01))
    session = simulate(config)
    sent = len(protocols.get(config.protocol).decoder().feed(session.capture()))
    hours = session.end_us / 3.6e9
    print(f"session: {hours:.2f} simulated hours, {ATHLETES} athletes, {len(session.truth['reps'])} reps, "
          f"{len(session.frames)} frames ({sent} events) at {speed:g}x")
    db = tmp / "soak.sqlite3"
    samples: list[tuple[float, int]] = []
    reps = [0]
    started = time.monotonic()
    with st.SessionStore(db) as store:
        pipeline = Pipeline(store, [SimulatorSource(LiveSimulator(session, speed=speed))], course=COURSE,
                            athletes=[a.name for a in config.athletes], resume=False)
        tasks = [asyncio.create_task(sample(samples)), asyncio.create_task(drain(pipeline.subscribe(), reps))]
        await pipeline.start()
        await pipeline.wait()
        wall = time.monotonic() - started
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stored = sum(1 for _ in store.events(pipeline.session))
    size_mb = sum(p.stat().st_size for p in tmp.glob("soak.sqlite3*")) / 1e6
    peak_mb = memory_kb("VmHWM") / 1024
    third = max(1, len(samples) // 3)
    first = statistics.fmean(kb for _, kb in samples[:third]) / 1024
    last = statistics.fmean(kb for _, kb in samples[-third:]) / 1024
    print(f"ran {wall:.0f} s wall ({session.end_us / 1e6 / wall:.0f}x real time), {reps[0]} reps derived")
    print(f"RSS: first third {first:.1f} MB, last third {last:.1f} MB (growth {last - first:+.1f} MB), "
          f"peak {peak_mb:.1f} MB, {len(samples)} samples")
    print(f"store: {stored} events stored of {sent} sent ({sent - stored} lost), database {size_mb:.1f} MB")
    result("soak.peak_rss", peak_mb, "MB", f"<={GOAL_PEAK_MB:g}")
    result("soak.rss_growth", last - first, "MB", f"<={GOAL_GROWTH_MB:g}")
    result("soak.events_lost", sent - stored, "events", "<=0")
    result("soak.db_size", size_mb, "MB")
    ok = peak_mb <= GOAL_PEAK_MB and last - first <= GOAL_GROWTH_MB and stored == sent
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=100.0, help="times real time (default 100)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(soak(Path(tmp), args.speed))


if __name__ == "__main__":
    sys.exit(main())
