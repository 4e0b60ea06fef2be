"""Split accuracy of wireless gates on their own clocks, against the simulator's truth.

1. Whole stack: a long simulated session (4 gates, each its own clock: random offset, drift within
   +-100 ppm, 1 µs resolution) on bumble peripherals, a radio link delivering every packet 7.5-50 ms
   late with 5 % retried 50-200 ms later, and BleSource on bleak over the bumble central, on a
   virtual-time loop. Its events go through rep assembly; each rep's splits are compared with the
   truth. Goal: p99 <= 1 ms. Also reported: events lost, and how much faster than real time it ran.
2. ClockSync alone, on the same delay model and BleSource's sampling (10 time samples a second, 25
   in a clock's first minute), many clocks: the error of one gate's mapping at a given time after
   its first sample, and its cost per sample.

Run: python3 benchmarks/bench_ble_clock.py [--minutes M]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from results import result  # noqa: E402

from drivers.ble_source import FAST_START_FACTOR, FAST_START_S, SAMPLES_PER_S, BleSource  # noqa: E402
from gates.assembly import RepAssembler  # noqa: E402
from gates.clocksync import ClockSync  # noqa: E402
from gates.course import Course  # noqa: E402
from simulators.athletes import presets  # noqa: E402
from simulators.ble_backend import BumbleRadio, JitteryLink, LinkTiming  # noqa: E402
from simulators.ble_gate import BleGates, ble_config  # noqa: E402
from simulators.plans import get_plan  # noqa: E402
from simulators.session import SessionConfig, simulate  # noqa: E402
from simulators.virtual_time import run  # noqa: E402

GOAL_P99_US = 1_000
COURSE = Course.parse("0,10,20,30")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def line(label: str, values: list[float], unit: str = "µs") -> str:
    return (f"   {label:<38} n={len(values):<5} p50 {pct(values, 50):7.0f} {unit}   p99 {pct(values, 99):7.0f} {unit}"
            f"   max {max(values):7.0f} {unit}")


async def whole_stack(session) -> tuple[list, BleSource, float]:
    loop = asyncio.get_running_loop()
    link = JitteryLink(LinkTiming(), seed=11)
    fleet = BleGates(session, link)
    await fleet.start()
    source = BleSource("name=GATE-*", radio=BumbleRadio.on_link(link), clock=lambda: round(loop.time() * 1e9))
    assembler = RepAssembler(session.config.course, roster=[a.name for a in session.config.athletes])
    reps = []

    async def consume():
        async for event in source.events():
            reps.extend(assembler.feed(event))

    async with source:
        consumer = asyncio.create_task(consume())
        await fleet.run()
        await asyncio.sleep(3)
    await consumer
    await fleet.stop()
    return reps + assembler.flush(), source, loop.time()


def bench_stack(minutes: float) -> bool:
    athletes = 4
    reps = max(1, int(minutes * 60 / (athletes * 13)))  # a rep about every 13 s
    config = SessionConfig(course=COURSE, athletes=tuple(presets(athletes)), plan=get_plan("rsa").with_reps(reps),
                           seed=5, warmup_s=30.0)
    session = simulate(ble_config(config))
    started = time.perf_counter()
    reps_got, source, virtual_s = run(whole_stack(session))
    wall = time.perf_counter() - started
    truth = [r for r in session.truth["reps"] if r["rep"] is not None]
    errors, late = [], []
    for rep, true in zip(reps_got, truth):
        for got_us, true_s in zip(rep.splits_us, true["splits_s"]):
            if got_us is None:
                continue
            err = abs(got_us - true_s * 1e6)
            errors.append(err)
            if true["start_s"] >= 120:
                late.append(err)
    print(f"1. whole stack: {virtual_s / 60:.1f} simulated minutes, {len(truth)} reps, 4 gates, "
          f"{wall:.0f} s wall ({virtual_s / wall:.0f}x real time)")
    print(f"   reps assembled {len(reps_got)} of {len(truth)}; events lost {source.status.lost_events}")
    print(line("split error, every rep (from 30 s)", errors))
    if late:
        print(line("split error, reps after 2 min", late))
    p99 = pct(errors, 99)
    result("split_error_p99.wireless_own_clocks", p99 / 1000, "ms", f"<={GOAL_P99_US / 1000:g}")
    print(f"   goal p99 <= {GOAL_P99_US} µs: {'met' if p99 <= GOAL_P99_US else 'MISSED'} (p99/goal {p99 / GOAL_P99_US:.2f})")
    for gate in range(1, 5):
        state = source.clock_state(gate)
        if state is not None:
            print(f"   gate {gate}: {state.samples} samples over {state.span_s:.0f} s, drift {state.drift_ppm:+.1f} ppm, "
                  f"jitter median {state.residual_us / 1000:.1f} ms, estimated error {state.error_us:.0f} µs")
    return p99 <= GOAL_P99_US and len(reps_got) == len(truth) and source.status.lost_events == 0


def bench_clocksync(clocks: int = 200) -> None:
    timing = LinkTiming()
    at_s = (30, 60, 120, 300, 600)
    errors: dict[int, list[float]] = {s: [] for s in at_s}
    samples, spent = 0, 0.0
    for seed in range(clocks):
        rng = random.Random(seed)
        offset, drift = rng.randrange(2**40), rng.uniform(-100e-6, 100e-6)
        sync, last, t = ClockSync(), 0.0, rng.random()
        checks = sorted(at_s)
        while checks:
            delivered = max(last + 1e-5, t + timing.delay(rng))
            last = delivered
            device = int(offset + t * 1e6 * (1 + drift))
            began = time.perf_counter()
            sync.add(seed, device, round(delivered * 1e9))
            spent += time.perf_counter() - began
            samples += 1
            if t >= checks[0]:
                floor_us = timing.min_s * 1e6
                errors[checks.pop(0)].append(abs(sync.session_us(seed, device) - t * 1e6 - floor_us))
            t += 1 / (SAMPLES_PER_S * (FAST_START_FACTOR if t < FAST_START_S else 1))
    print(f"2. ClockSync alone: {clocks} clocks, {spent / samples * 1e6:.1f} µs per sample")
    for s in at_s:
        print(line(f"one gate's mapping error after {s} s", errors[s]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="simulated session length (default 30)")
    args = parser.parse_args()
    ok = bench_stack(args.minutes)
    bench_clocksync()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
