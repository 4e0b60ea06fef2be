"""`gates week` over the five-year club database of benchmarks/bench_history.py (30 athletes, 4 sessions a
week, 12 reps each on 0,10,20,30 m: 1,040 sessions, about 3,000 events each). Goal: under 1 s.

The first `gates week` on a database derives every session once and keeps the rows in the store
(monitor/store/summaries.py); that copy is kept beside bench_history's (benchmarks/.cache/, made once,
its first run printed as `first_run`). Timed on it, each a median of five runs in a fresh process,
wall clock and the CPU the process used (the machine is shared: CPU time is the figure load does not
inflate): the default `gates week` (8 weeks up to the last session's), every one of the 260 weeks,
and, on a copy with one more session stored, the run that derives that one. Every run checks each
session's fact mark against its row, so a changed session is always derived again.
"""

from __future__ import annotations

import resource
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
RUNS = 5


def week_run(path: Path, *args: str) -> tuple[float, float]:
    """(wall s, CPU s) of one `gates week --json` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "monitor", "week", "--db", str(path), "--json", *args],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) >= 30, proc.stdout[-500:]
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(path: Path, *args: str) -> tuple[float, float]:
    runs = [week_run(path, *args) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def last_week(path: Path) -> str:
    """The ISO week of the database's last session: the figures do not depend on today's date."""
    from monitor.session import week as wk
    from monitor.store import db as st

    with st.SessionStore(path) as store:  # an older file is upgraded here, as the first `gates week` would
        return wk.iso_week(store.marks()[-1][1])


def derived(source: Path) -> Path:
    """bench_history's database with every session's derived rows (made once: the first run)."""
    from monitor.store import db as st

    path = source.with_name(f"club-{YEARS}y-week.sqlite3")
    if not path.exists():
        partial = path.with_suffix(".partial")
        shutil.copyfile(source, partial)
        wall, cpu = week_run(partial, "--weeks", "1", "--week", last_week(partial))
        result(f"week_{YEARS}y_first_run_s", wall, "s")
        result(f"week_{YEARS}y_first_run_cpu_s", cpu, "s")
        with st.SessionStore(partial):
            pass  # the WAL folded back in, so the one file is the whole database
        partial.rename(path)
    return path


def main() -> int:
    from monitor.session import week as wk
    from monitor.store import db as st

    path = derived(build(YEARS))
    with st.SessionStore(path, readonly=True) as store:
        last_created = store.marks()[-1][1]
    last = last_week(path)
    wall, cpu = medians(path, "--week", last)
    result(f"week_{YEARS}y_s", wall, "s", f"<{GOAL_S:g}")
    result(f"week_{YEARS}y_cpu_s", cpu, "s", f"<{GOAL_S:g}")
    wall, cpu = medians(path, "--week", last, "--weeks", str(52 * YEARS))
    result(f"week_{YEARS}y_all_{52 * YEARS}_weeks_s", wall, "s")
    result(f"week_{YEARS}y_all_{52 * YEARS}_weeks_cpu_s", cpu, "s")
    copy = path.with_name(f"club-{YEARS}y-week-plus-one.sqlite3")
    shutil.copyfile(path, copy)
    later = last_created + 86_400 * 10**9
    with st.SessionStore(copy) as store:
        saved = store.marks()[-1][0]
        store.import_session(created_ns=later, name="", events=list(store.events(saved)),
                             annotations=store.annotations(saved), baselines=store.all_baselines(saved))
    wall, cpu = week_run(copy, "--week", wk.iso_week(later))
    result(f"week_{YEARS}y_one_new_session_s", wall, "s")
    result(f"week_{YEARS}y_one_new_session_cpu_s", cpu, "s")
    for f in st.files(copy):
        f.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
