"""`gates week` over the five-year club database of benchmarks/bench_history.py (30 athletes, 4 sessions a
week, 12 reps each on 0,10,20,30 m: 1,040 sessions, about 3,000 events each). Goal: under 1 s.

Timed on a copy of the database with no derived rows yet: the first `gates week` (every session
derived once and kept in the store's derived rows: monitor/store/summaries.py), then the median of
five more (each still checks every session's fact mark against its row, so a changed session would
be derived again), and a run after one more session was stored (that one derived). Every run asks
for all 260 weeks, the most the week reads.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from bench_history import build  # noqa: E402
from results import result  # noqa: E402

GOAL_S = 1.0
YEARS = 5


def week_s(path: Path, last: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "monitor", "week", "--db", str(path), "--weeks", str(52 * YEARS),
                           "--week", last, "--json"], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) >= 30 * 52 * YEARS
    return elapsed


def main() -> int:
    from monitor.session import week as wk
    from monitor.store import db as st

    source = build(YEARS)
    copy = source.with_name(f"club-{YEARS}y-week.sqlite3")
    for f in st.files(copy):
        f.unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    with st.SessionStore(copy) as store:
        last_created = store.marks()[-1][1]
    last = wk.iso_week(last_created)
    result(f"week_{YEARS}y_first_run_s", week_s(copy, last), "s")
    result(f"week_{YEARS}y_s", statistics.median(week_s(copy, last) for _ in range(5)),
           "s", f"<{GOAL_S:g}")
    with st.SessionStore(copy) as store:
        saved = store.marks()[-1][0]
        events = list(store.events(saved))
        notes = store.annotations(saved)
        store.import_session(created_ns=last_created + 86_400 * 10**9, name="", events=events, annotations=notes,
                             baselines=store.all_baselines(saved))
    result(f"week_{YEARS}y_one_new_session_s", week_s(copy, wk.iso_week(last_created + 86_400 * 10**9)), "s")
    for f in st.files(copy):
        f.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
