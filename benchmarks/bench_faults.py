"""Faults at full size: a gate flooding garbage, and the pause when a full disk takes a session's
backlog again.

Run: python3 benchmarks/bench_faults.py

1. Garbage: 16 gateline gates bursting every 0.25 s, one of them sending random bytes between its
   frames at 20 times a 115200 baud line's rate, fed to the decoder in 4 KiB reads. Goal: decoding
   keeps up with >= 100 such lines on one core (a flooding gate then costs the live loop < 1 %).
2. Backlog: a session's events kept in memory while the disk refused writes (monitor/unsaved.py),
   written back in one transaction once it takes them. Goal: 20,000 events (a long session of every
   gate's breaks and restores) in <= 0.5 s, the one pause the live view sees when saving resumes.
Best of 5 runs each.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gates.events import GateEvent  # noqa: E402
from gates.gateline import GatelineDecoder, encode_event  # noqa: E402
from monitor.store import db as st  # noqa: E402
from monitor.store.unsaved import Unsaved  # noqa: E402
from results import result  # noqa: E402
from simulators.stress import burst_session, with_garbage  # noqa: E402

LINE_RATE = 115200 // 10
GOAL_LINES = 100
BACKLOG = 20_000
GOAL_BACKLOG_S = 0.5
RUNS = 5


def garbage_lines() -> float:
    data = with_garbage(burst_session(gates=16, bursts=200), gate=3, bytes_per_s=20 * LINE_RATE).capture()
    best = float("inf")
    for _ in range(RUNS):
        decoder = GatelineDecoder()
        started = time.perf_counter()
        for i in range(0, len(data), 4096):
            decoder.feed(data[i:i + 4096])
        best = min(best, time.perf_counter() - started)
    rate = len(data) / best
    print(f"garbage-laden gateline: {len(data) / 1e6:.1f} MB, {rate / 1e6:.1f} MB/s = {rate / LINE_RATE:,.0f} lines "
          f"at 115200 baud (goal >= {GOAL_LINES}: x{rate / LINE_RATE / GOAL_LINES:.0f})")
    result("faults.garbage_links", rate / LINE_RATE, "links", f">={GOAL_LINES}")
    return rate / LINE_RATE


def backlog_seconds() -> float:
    best = float("inf")
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp, st.SessionStore(Path(tmp) / "gates.sqlite3") as store:
            session = store.start_session(course="0,10,20,30")
            unsaved = Unsaved(store, session, st.StoreWriteError(store.path, "disk full"))
            for start in range(0, BACKLOG, 64):
                unsaved.append("serial:/dev/ttyUSB0", [
                    GateEvent(1 + seq % 4, seq & 0xFFFF, 10**9 + seq * 1000, raw=encode_event(1, seq & 0xFFFF, seq))
                    for seq in range(start, min(start + 64, BACKLOG))])
            started = time.perf_counter()
            assert unsaved.write()
            best = min(best, time.perf_counter() - started)
    print(f"backlog of {BACKLOG:,} events written in {best * 1000:.0f} ms (goal <= {GOAL_BACKLOG_S * 1000:.0f} ms: "
          f"x{GOAL_BACKLOG_S / best:.1f})")
    result("faults.backlog_write", best, "s", f"<={GOAL_BACKLOG_S:g}")
    return best


if __name__ == "__main__":
    ok = garbage_lines() >= GOAL_LINES
    ok &= backlog_seconds() <= GOAL_BACKLOG_S
    sys.exit(0 if ok else 1)
