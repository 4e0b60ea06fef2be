"""`gates week` over a five-year club database: 30 athletes, 4 sessions a week (1,040 sessions, 6 reps
each on 0,10,20,30 m: 187,200 reps, 748,800 stored events). Goal: under 1 s.

The database is built once through the store's import (the same rows `gates import` writes) and kept in
the temp directory. Timed: the first `gates week` (every session derived, its summaries cached beside
the database: monitor/store/summaries.py), then the median of five more (summaries read from the cache;
each run still checks every session's fact mark, so a changed session would be derived again), and a
run after one new session was added (one session derived).
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from results import result  # noqa: E402

from monitor.session import facts  # noqa: E402
from monitor.store import db as st  # noqa: E402
from monitor.store.week_summaries import cache_path  # noqa: E402
from gates.gateline import GatelineDecoder, encode_event  # noqa: E402

ATHLETES = [f"Athlete {k:02d}" for k in range(30)]
WEEKS, PER_WEEK, REPS = 260, 4, 6
GOAL_S = 1.0
START_NS = 1_638_000_000 * 10**9  # late 2021


def session_rows(created_ns: int, rng: random.Random) -> tuple[list[facts.StoredEvent], list[facts.Annotation]]:
    events, seq, eid = [], {}, 0
    frames = b""
    base = {a: 4.0 + k / 40 for k, a in enumerate(ATHLETES)}
    for r in range(REPS):
        for k, athlete in enumerate(ATHLETES):
            go = 30_000_000 * (r * len(ATHLETES) + k + 1)
            t = base[athlete] * (1 + 0.012 * r + rng.uniform(-0.01, 0.01))
            for gate, share in ((1, 0.0), (2, 0.4), (3, 0.71), (4, 1.0)):
                frames += encode_event(gate, seq.setdefault(gate, 0), go + round(t * share * 1e6))
                seq[gate] += 1
    for ev in GatelineDecoder().feed(frames):
        eid += 1
        events.append(facts.StoredEvent(eid, "replay:x.cap", ev))
    notes = [facts.Annotation(1, 0, 0, created_ns, facts.START, {"sources": ["replay:x.cap"], "settings": {}}),
             facts.Annotation(2, 0, 0, created_ns, facts.COURSE, {"course": "0,10,20,30"}),
             facts.Annotation(3, 0, 0, created_ns, facts.ROSTER, {"athletes": ATHLETES})]
    for k, athlete in enumerate(ATHLETES):
        notes.append(facts.Annotation(4 + k, 0, eid, created_ns, facts.LOG,
                                      {"athlete": athlete, "rpe": rng.choice((5, 6, 7, 8)), "minutes": 40,
                                       "legs": rng.choice(("fresh", "normal", "heavy")), "hr_rest": None, "note": ""}))
    notes.append(facts.Annotation(4 + len(ATHLETES), 0, eid, created_ns, facts.END, {}))
    return events, notes


def build(path: Path) -> None:
    rng = random.Random(5)
    with st.SessionStore(path) as store:
        for week in range(WEEKS):
            for day in (0, 1, 3, 5)[:PER_WEEK]:
                created = START_NS + (week * 7 + day) * 86_400 * 10**9
                events, notes = session_rows(created, rng)
                store.import_session(created_ns=created, name="", events=events, annotations=notes, baselines=[])


def week_s(path: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "monitor", "week", "--db", str(path), "--weeks", "260",
                           "--week", "2026-W48", "--json"], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) >= 30 * 200
    return elapsed


def main() -> None:
    path = Path(tempfile.gettempdir()) / f"gates-bench-week-{WEEKS}x{PER_WEEK}.sqlite3"
    if not path.exists():
        started = time.perf_counter()
        build(path)
        print(f"built {path} in {time.perf_counter() - started:.0f} s", flush=True)
    cache_path(path).unlink(missing_ok=True)
    result("week_cold_s", week_s(path), "s")
    result("week_s", statistics.median(week_s(path) for _ in range(5)), "s", f"<{GOAL_S:g}")
    copy = path.with_name("gates-bench-week-plus-one.sqlite3")
    copy.write_bytes(path.read_bytes())
    cache_path(copy).write_bytes(cache_path(path).read_bytes())
    rng = random.Random(6)
    created = START_NS + WEEKS * 7 * 86_400 * 10**9
    events, notes = session_rows(created, rng)
    with st.SessionStore(copy) as store:
        store.import_session(created_ns=created, name="", events=events, annotations=notes, baselines=[])
    result("week_one_new_session_s", week_s(copy), "s")
    for leftover in (*st.files(copy), cache_path(copy)):
        leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
