"""Offline pipeline, per wire format: events/s through decode + assemble + analyze on a large simulated
capture, and the split error against the simulator's ground truth.

Run: python3 benchmarks/bench_pipeline_offline.py

Throughput goal: >= 500,000 events/s on one core through the chain `gates analyze` runs
(the session engine in batch mode, monitor/session/batch.py, over 64 KiB chunks; profiles off).
Each capture is a simulated session of 20 athletes x 500 reps over 0,10,20,30 with shared-clock
gates, double triggers (5 %) and missed breaks (1 %; none for Chronopic, whose one input carries no
gate identity, so a missed break shifts every later one and no split can be scored against the truth). What an "event" is differs by format: gateline,
Wichro and Chronopic report every beam break and restore (two events per crossing), ALGE and
Microgate only the impulse (one per crossing), so breaks/s is printed beside events/s. A gateline
stream also carries each gate's 1 Hz heartbeat (most of its frames): the goal counts its events with
the heartbeat lines removed; the stream as recorded is reported too. Time is the process's CPU time
(the machine is shared: wall time would count other processes' turns), best of 5 runs each.

The decoder alone is timed too (frames/s: for ALGE and Microgate one frame is one line), as the
share of the chain each codec costs.

Split accuracy: every split of every valid rep the analyzer reports, minus the true split. Gates on
one shared clock must be exact to the clock's resolution: both ends of a split are truncated
readings, so |error| < resolution, plus the truth's own rounding to whole microseconds (the goal is
<= resolution). The number of reps must be the truth's.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from results import result  # noqa: E402

from gates import protocols  # noqa: E402
from gates.course import Course  # noqa: E402
from gates.events import Kind  # noqa: E402
from monitor.session.analyzer import RepResult  # noqa: E402
from monitor.session import batch  # noqa: E402
from monitor.session.batch import Counts  # noqa: E402
from monitor.session.model import Settings  # noqa: E402
from simulators.athletes import presets  # noqa: E402
from simulators.gate_device import Faults  # noqa: E402
from simulators.plans import get_plan  # noqa: E402
from simulators.session import SessionConfig, simulate  # noqa: E402
from simulators.wire import get_wire  # noqa: E402

GOAL_EVENTS_PER_S = 500_000
RUNS = 5
CHUNK = 1 << 16
COURSE = Course.parse("0,10,20,30")
CODECS = ("gateline", "alge-timy", "microgate", "chronopic", "wichro")


def session(protocol: str, athletes: int = 20, reps: int = 500):
    # one input carries no gate identity: a missed break shifts every later break (see the module doc)
    miss = 0.0 if get_wire(protocol).single_input else 0.01
    config = SessionConfig(course=COURSE, athletes=tuple(presets(athletes)), plan=get_plan("rsa").with_reps(reps),
                           seed=1, protocol=protocol, faults=Faults(double=0.05, miss=miss), gap_s=1.0)
    return simulate(config)


def run_pipeline(data: bytes, protocol: str, roster: list[str]) -> tuple[float, Counts, list[RepResult]]:
    proto = protocols.get(protocol)
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    counts = Counts()
    started = time.process_time()
    model = batch.session(Settings(proto.name), COURSE, roster, profiles=False)
    for _ in batch.analyse(chunks, proto.decoder(), model, counts):
        pass
    return time.process_time() - started, counts, model.ordered_results()


def decode_only(data: bytes, protocol: str) -> float:
    """Lines (frames) per second through the decoder alone, best of RUNS: the codec's own share."""
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    best = float("inf")
    for _ in range(RUNS):
        decoder = protocols.get(protocol).decoder()
        started = time.process_time()
        for chunk in chunks:
            decoder.feed(chunk)
        decoder.finish()
        best = min(best, time.process_time() - started)
    return best


def best_of(data: bytes, protocol: str, roster: list[str]) -> tuple[float, Counts, list[RepResult]]:
    runs = [run_pipeline(data, protocol, roster) for _ in range(RUNS)]
    return min(runs, key=lambda r: r[0])


def split_errors_us(results: list[RepResult], truth: dict) -> list[int]:
    by_number = {t["rep"]: t for t in truth["reps"] if t["rep"] is not None}
    errors = []
    for r in results:
        t = by_number.get(r.rep.number)
        if t is None or not r.rep.valid:
            continue
        errors += [got - round(true * 1e6) for got, true in zip(r.rep.splits_us, t["splits_s"]) if got is not None]
    return errors


def describe(errors: list[int]) -> str:
    mags = sorted(abs(e) for e in errors)
    q = statistics.quantiles(mags, n=100, method="inclusive")
    return (f"|error| p50 {q[49]:.0f} us, p99 {q[98]:.0f} us, max {mags[-1]} us over {len(mags)} splits "
            f"(signed mean {statistics.fmean(errors):+.0f} us)")


def bench(protocol: str) -> bool:
    started = time.perf_counter()
    sim = session(protocol)
    roster = [a.name for a in sim.config.athletes]
    resolution = sim.truth["clock"]["resolution_us"]
    recorded = sim.capture()
    events_only = b"".join(f.data for f in sim.frames if not f.data.startswith(b"$GS"))
    frames_events = sum(1 for f in sim.frames if not f.data.startswith(b"$GS"))
    truth, frames = sim.truth, len(sim.frames)
    del sim
    print(f"{protocol}: {len(truth['reps'])} reps simulated, {frames} frames, {len(recorded) / 1e6:.1f} MB "
          f"({time.perf_counter() - started:.1f} s)")
    elapsed, counts, results = best_of(events_only, protocol, roster)
    breaks = sum(1 for e in protocols.get(protocol).decoder().feed(events_only) if e.kind is Kind.BREAK)
    rate = counts.events / elapsed
    print(f"  {counts.events} events ({breaks} breaks), {len(results)} reps in {elapsed * 1e3:.0f} ms -> "
          f"{rate:,.0f} events/s, {breaks / elapsed:,.0f} breaks/s, {len(events_only) / elapsed / 1e6:.1f} MB/s")
    result(f"throughput.{protocol}", rate, "events/s", f">={GOAL_EVENTS_PER_S}")
    decoded = decode_only(events_only, protocol)
    print(f"  decode alone: {frames_events:,} frames in {decoded * 1e3:.0f} ms -> {frames_events / decoded:,.0f} frames/s")
    result(f"decode.{protocol}", frames_events / decoded, "frames/s")
    if len(recorded) != len(events_only):
        elapsed_all, counts_all, _ = best_of(recorded, protocol, roster)
        print(f"  as recorded, heartbeats included ({frames} frames): {elapsed_all * 1e3:.0f} ms -> "
              f"{counts_all.events / elapsed_all:,.0f} events/s, {frames / elapsed_all:,.0f} frames/s, "
              f"{len(recorded) / elapsed_all / 1e6:.1f} MB/s")
        result(f"throughput.{protocol}.with_heartbeats", frames / elapsed_all, "frames/s")
    counted = sum(1 for t in truth["reps"] if t["rep"] is not None)
    errors = split_errors_us(results, truth)
    worst = max(abs(e) for e in errors)
    print(f"  reps {len(results)} reported, {counted} expected by the truth")
    print(f"  split error, shared clock at {resolution} us: {describe(errors)}")
    result(f"split_error_max.{protocol}", worst, "us", f"<={resolution}")
    return len(results) == counted and worst <= resolution


def main(codecs: list[str]) -> int:
    unknown = [c for c in codecs if c not in CODECS]
    if unknown:
        print(f"unknown codec {unknown[0]!r} (known: {', '.join(CODECS)})", file=sys.stderr)
        return 2
    for protocol in codecs or CODECS:
        if not bench(protocol):
            print(f"  {protocol}: the analyzer disagrees with the truth", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
