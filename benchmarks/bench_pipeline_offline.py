"""Offline pipeline: events/s through decode + assemble + analyze on a large simulated capture, and the
split error against the simulator's ground truth.

Run: python3 benchmarks/bench_pipeline_offline.py

Goal: >= 500,000 events/s on one core through the chain `gates analyze` runs (monitor.offline.analyse:
decoder.feed -> RepAssembler.feed -> Analyzer.add). The capture is a simulated gateline session of
20 athletes x 500 reps over 0,10,20,30 with shared-clock gates at 1 ms, double triggers (5 %) and
missed breaks (1 %). A gateline stream carries each gate's 1 Hz heartbeat too (six frames for every
event here), so two figures are given: the stream as recorded, and its events alone (heartbeat
lines removed), which is what the goal is about. Best of 5 runs each.

Split error: every split of every valid rep the analyzer reports, minus the true split; with 1 ms
truncating clocks it must stay under 1 ms. Printed for 0.1 ms (ALGE Timy) too.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gates import protocols  # noqa: E402
from gates.assembly import RepAssembler  # noqa: E402
from gates.course import Course  # noqa: E402
from monitor.analyzer import Analyzer, RepResult  # noqa: E402
from monitor.offline import Counts, analyse  # noqa: E402
from simulators.athletes import presets  # noqa: E402
from simulators.gate_device import Faults  # noqa: E402
from simulators.plans import get_plan  # noqa: E402
from simulators.session import SessionConfig, simulate  # noqa: E402

GOAL_EVENTS_PER_S = 500_000
RUNS = 5
CHUNK = 1 << 16
COURSE = Course.parse("0,10,20,30")


def session(protocol: str, athletes: int, reps: int):
    config = SessionConfig(course=COURSE, athletes=tuple(presets(athletes)), plan=get_plan("rsa").with_reps(reps),
                           seed=1, protocol=protocol, faults=Faults(double=0.05, miss=0.01), gap_s=1.0)
    return simulate(config)


def run_pipeline(data: bytes, protocol: str, roster: list[str]) -> tuple[float, Counts, list[RepResult]]:
    proto = protocols.get(protocol)
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    counts = Counts()
    started = time.perf_counter()
    results = [r for r in analyse(chunks, proto.decoder(), RepAssembler(COURSE, proto, roster), Analyzer(), counts)
               if isinstance(r, RepResult)]
    return time.perf_counter() - started, counts, results


def best_of(data: bytes, protocol: str, roster: list[str]) -> tuple[float, Counts, list[RepResult]]:
    runs = [run_pipeline(data, protocol, roster) for _ in range(RUNS)]
    return min(runs, key=lambda r: r[0])


def split_errors_us(results: list[RepResult], truth: dict) -> list[int]:
    by_number = {t["rep"]: t for t in truth["reps"] if t["rep"] is not None}
    errors = []
    for result in results:
        rep = result.rep
        t = by_number.get(rep.number)
        if t is None or not rep.valid:
            continue
        for got, true in zip(rep.splits_us, t["splits_s"]):
            if got is not None:
                errors.append(got - round(true * 1e6))
    return errors


def describe(errors: list[int]) -> str:
    mags = sorted(abs(e) for e in errors)
    q = statistics.quantiles(mags, n=100, method="inclusive")
    return (f"|error| p50 {q[49]:.0f} us, p99 {q[98]:.0f} us, max {mags[-1]} us over {len(mags)} splits "
            f"(signed mean {statistics.fmean(errors):+.0f} us)")


def main() -> int:
    started = time.perf_counter()
    sim = session("gateline", athletes=20, reps=500)
    roster = [a.name for a in sim.config.athletes]
    recorded = sim.capture()
    events_only = b"".join(f.data for f in sim.frames if not f.data.startswith(b"$GS"))
    truth, frames = sim.truth, len(sim.frames)
    del sim
    print(f"simulated {len(truth['reps'])} reps, {frames} frames, {len(recorded) / 1e6:.1f} MB in "
          f"{time.perf_counter() - started:.1f} s")

    elapsed, counts, results = best_of(events_only, "gateline", roster)
    events_rate = counts.events / elapsed
    print(f"events only:  {counts.events} events, {counts.reps} reps in {elapsed * 1e3:.0f} ms -> "
          f"{events_rate:,.0f} events/s, {len(events_only) / elapsed / 1e6:.1f} MB/s")
    elapsed_all, counts_all, results_all = best_of(recorded, "gateline", roster)
    print(f"as recorded:  {counts_all.events} events + heartbeats ({frames} frames) in {elapsed_all * 1e3:.0f} ms -> "
          f"{counts_all.events / elapsed_all:,.0f} events/s, {frames / elapsed_all:,.0f} frames/s, "
          f"{len(recorded) / elapsed_all / 1e6:.1f} MB/s")
    counted = sum(1 for t in truth["reps"] if t["rep"] is not None)
    print(f"reps:         {counts_all.reps} reported, {counted} expected by the truth (of {len(truth['reps'])} run; "
          f"the rest lost their start or finish to a missed break), {counts_all.incomplete} incomplete starts")
    errors = split_errors_us(results_all, truth)
    print(f"split error, gateline 1 ms:   {describe(errors)}")
    assert counts_all.reps == counted and max(abs(e) for e in errors) < 1000, "the analyzer disagrees with the truth"

    alge = session("alge-timy", athletes=6, reps=100)
    _, _, alge_results = run_pipeline(alge.capture(), "alge-timy", [a.name for a in alge.config.athletes])
    alge_errors = split_errors_us(alge_results, alge.truth)
    print(f"split error, ALGE 0.1 ms:     {describe(alge_errors)}")

    ratio = events_rate / GOAL_EVENTS_PER_S
    print(f"goal >= {GOAL_EVENTS_PER_S:,} events/s: {ratio:.2f}x the goal ({'met' if ratio >= 1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
