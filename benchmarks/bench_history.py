"""Years of history: `gates sessions`, the start of `gates monitor` to its first judged rep, the
personal bests behind it, and reading a session's events back, on a club database, each figure against
an empty database in the same run (as a ratio).

The club database is built from the simulator through the real store: 30 athletes, 4 sessions a week,
12 reps each on a 4-gate course (about 3,000 events a session). A pool of simulated sessions (distinct
seeds) is decoded and written session by session with `SessionStore.import_session`, so the rows are
the store's own. Built once per size under benchmarks/.cache/ (gitignored) and reused; `--years`
picks the size (default 5 and 1). Each figure is a median of 3 runs in a fresh process, taken by turns
with the same on an empty database (the ratio printed: the machine's load falls on both alike); a first
`gates sessions` on a freshly built database derives every session once (printed as `cold`), the
runs after it read the derived rows. The machine is shared: each figure also gives the process's CPU
time (user + system), which other processes' load moves less than the wall time.

The whole `gates sessions` command (Python's start and the imports included) is timed too, by turns
with the same on the empty database. The first judged rep is `gates monitor --headless` replaying a short capture at full speed into a
new session: from spawning the process to its first rep line (its start reads every earlier
session's bests). Reading back is `SessionStore.events` over the club's last 20 sessions (from their
event packs, which the first `gates sessions` wrote as it derived them), in CPU time against the store's
first reader (a row at a time) in the same process, and what a re-derivation reads; the packs' size is
printed beside the database's.
"""

from __future__ import annotations

import argparse
import contextlib
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

from results import result  # noqa: E402

CACHE = Path(__file__).parent / ".cache"
ATHLETES, PER_WEEK, REPS, POOL = 30, 4, 12, 12
COURSE = "0,10,20,30"
RUNS = 3


def build(years: int) -> Path:
    """The club database of `years` years (made once, then reused)."""
    from gates import protocols
    from gates.course import Course
    from monitor.session import facts
    from monitor.store import db as st
    from simulators.athletes import presets
    from simulators.plans import get_plan
    from simulators.session import SessionConfig, simulate

    path = CACHE / f"club-{years}y.sqlite3"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    for f in st.files(partial):
        f.unlink(missing_ok=True)
    group = tuple(presets(ATHLETES))
    names = [a.name for a in group]
    pool = []
    for seed in range(POOL):
        config = SessionConfig(course=Course.parse(COURSE), athletes=group, plan=get_plan("rsa").with_reps(REPS),
                               seed=seed)
        events = protocols.get("gateline").decoder().feed(simulate(config).capture())
        pool.append([facts.StoredEvent(i + 1, "serial:/dev/ttyUSB0", ev) for i, ev in enumerate(events)])
    sessions = years * 52 * PER_WEEK
    start_ns = time.time_ns() - years * 365 * 86400 * 10**9
    with st.SessionStore(partial) as store:
        for n in range(sessions):
            events = pool[n % POOL]
            created = start_ns + n * (7 * 86400 * 10**9 // PER_WEEK)
            notes = [facts.Annotation(1, 0, 0, created, facts.START, {"sources": ["serial:/dev/ttyUSB0"],
                                                                       "settings": {}}),
                     facts.Annotation(2, 0, 0, created, facts.COURSE, {"course": COURSE}),
                     facts.Annotation(3, 0, 0, created, facts.ROSTER, {"athletes": names}),
                     facts.Annotation(4, 0, events[-1].id, created, facts.END, {})]
            store.import_session(created_ns=created, name="", events=events, annotations=notes, baselines=())
            if n % 52 == 0:
                print(f"   building {years} y: {n}/{sessions} sessions", flush=True)
    for f, g in zip(st.files(partial), st.files(path)):
        if f.exists():
            f.rename(g)
    return path


def timed(code: str, db: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of `code` run in a fresh interpreter with DB bound to the database."""
    probe = ("import resource, sys, time\nfrom pathlib import Path\nDB = Path(sys.argv[1])\n"
             "t = time.perf_counter(); c = time.process_time()\n" + code +
             "\nprint(time.perf_counter() - t, time.process_time() - c,"
             " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", probe, str(db)], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, cpu, rss = out.stdout.split()[-3:]
    return float(wall), float(cpu), float(rss)


SESSIONS = ("import io, contextlib, argparse\nfrom monitor.cli import sessions\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    sessions.run(argparse.Namespace(db=str(DB), json=False))")
PBS = ("from monitor.store import db as st\nfrom monitor.store.history import personal_bests\n"
       "with st.SessionStore(DB) as s:\n    personal_bests(s, max(m[0] for m in s.marks()) + 1)")
READ = '''
from dataclasses import dataclass
from gates.events import GateEvent, Kind
from monitor.session.model import DRIVING_KINDS
from monitor.store import db as st


@dataclass(frozen=True, slots=True)
class FirstStored:  # the StoredEvent the first reader built: frozen
    id: int
    source: str
    event: GateEvent


def first_reader(s, sid):  # the store's first reader, for the ratio: a row, an enum call and two objects at a time
    for eid, src, gate, seq, device_us, host_ns, kind, number, channel, flag, raw in s._db.execute(
            "SELECT id, source, gate, seq, device_us, host_ns, kind, start_number, channel, flag, raw"
            " FROM events WHERE session_id = ? AND id > 0 ORDER BY id", (sid,)):
        yield FirstStored(eid, src, GateEvent(gate, seq, device_us, host_ns, Kind(kind), number, channel, flag,
                                              bytes(raw)))


readers = {"first": first_reader, "every": lambda s, sid: s.events(sid),
           "engine": lambda s, sid: s.events(sid, kinds=DRIVING_KINDS, raw=False)}
with st.SessionStore(DB) as s:
    ids = [m[0] for m in s.marks()][-20:]
    took = {name: [] for name in readers}
    for _ in range(3):  # alternated, so that the machine's load falls on each alike
        for name, read in readers.items():
            c = time.process_time()
            n = sum(1 for sid in ids for _ in read(s, sid))
            took[name].append((time.process_time() - c, n))
    print(*(f"{name}={min(t for t, _ in runs)},{runs[0][1]}" for name, runs in took.items()))
'''


def command(db: Path) -> tuple[float, float]:
    """(wall s, CPU s) of the whole `gates sessions` command in a fresh process, Python's start included:
    what a coach waits for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "monitor", "sessions", "--db", str(db)], cwd=ROOT, stdout=subprocess.DEVNULL,
                   check=True)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def paired(measure, db: Path, empty: Path) -> tuple[tuple, tuple]:
    """Medians of `measure` on `db` and on `empty`, run by turns: the shared machine's load falls on both alike."""
    runs = [(measure(db), measure(empty)) for _ in range(RUNS)]
    return tuple(tuple(_summary(i, [r[which][i] for r in runs]) for i in range(len(runs[0][0])))
                 for which in (0, 1))


def _summary(index: int, values: list[float]) -> float:
    return max(values) if index == 2 else statistics.median(values)  # (wall, CPU, peak RSS): RSS at its peak


def read_back(db: Path) -> dict[str, tuple[float, int]]:
    """CPU seconds and events of reading the last 20 sessions back: by the first reader, every column
    (review, export), and what a derivation reads (breaks and cancels, without bytes)."""
    probe = "import sys, time\nfrom pathlib import Path\nDB = Path(sys.argv[1])\n" + READ
    out = subprocess.run([sys.executable, "-c", probe, str(db)], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return {name: (float(cpu), int(n)) for name, cpu, n in (f.replace("=", ",").split(",") for f in out)}


def pack_bytes(db: Path) -> int:
    """Bytes of the event packs the store keeps in `db`."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as raw:
        return raw.execute("SELECT coalesce(sum(length(data)), 0) FROM event_packs").fetchone()[0]


def capture() -> Path:
    """A short session's bytes (3 athletes, 2 reps each) for the monitor to replay (made once)."""
    from gates.course import Course
    from simulators.athletes import presets
    from simulators.plans import get_plan
    from simulators.session import SessionConfig, simulate

    path = CACHE / "first-rep.gateline"
    if not path.exists():
        config = SessionConfig(course=Course.parse(COURSE), athletes=tuple(presets(3)),
                               plan=get_plan("rsa").with_reps(2), seed=1)
        path.write_bytes(simulate(config).capture())
    return path


def first_rep(db: Path, replay: Path) -> tuple[float, float]:
    """Seconds from spawning `gates monitor --headless` (a new session in `db`) to its first rep line, and
    the CPU seconds of the whole run (its few reps after the first cost next to nothing)."""
    argv = [sys.executable, "-c", "import sys; from monitor.cli.main import main; sys.exit(main())", "monitor",
            "--headless", "--new", "--db", str(db), "--source", f"replay:{replay}?speed=max", "--course", COURSE,
            "--athletes", "Ada,Ben,Cleo"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    took = time.perf_counter() - started
    proc.communicate()
    if not line:
        raise RuntimeError(f"gates monitor printed no rep on {db}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, nargs="*", default=[1, 5])
    args = parser.parse_args()
    from monitor.store import db as st

    empty = CACHE / "empty.sqlite3"
    CACHE.mkdir(exist_ok=True)
    with st.SessionStore(empty) as store:
        if not store.marks():
            store.start_session(course=COURSE, athletes=["Ada"])
    replay = capture()
    empty_run = CACHE / "empty-run.sqlite3"  # the monitor adds its sessions to a copy
    for years in args.years:
        db = build(years)
        fresh = db.with_name(f"club-{years}y-run.sqlite3")  # a copy, so the cold run finds no derived rows
        for f in (*st.files(fresh), *st.files(empty_run)):
            f.unlink(missing_ok=True)
        shutil.copyfile(db, fresh)
        shutil.copyfile(empty, empty_run)
        cold, cold_cpu, cold_rss = timed(SESSIONS, fresh)
        figures, base = {}, {}
        for name, code in (("sessions", SESSIONS), ("pbs", PBS)):
            figures[name], base[name] = paired(lambda path, code=code: timed(code, path), fresh, empty)
        (whole, whole_cpu), (base_whole, base_whole_cpu) = paired(command, fresh, empty)
        (first, first_cpu), (base_first, base_first_cpu) = paired(lambda path: first_rep(path, replay), fresh,
                                                                  empty_run)
        read = read_back(fresh)
        packed = pack_bytes(fresh) / 1e6
        (first_s, events), (every_s, _), (engine_s, engine_events) = read["first"], read["every"], read["engine"]
        size = db.stat().st_size / 1e6
        print(f"{years} y ({size:.0f} MB): gates sessions first run {cold:.2f} s (CPU {cold_cpu:.2f} s, "
              f"{cold_rss:.0f} MB, derives every session)")
        for name, what in (("sessions", "gates sessions"), ("pbs", "PBs at start")):
            (wall, cpu, rss), (bwall, bcpu, brss) = figures[name], base[name]
            print(f"   {what}: {wall:.3f} s (CPU {cpu:.3f} s, {rss:.0f} MB) vs empty {bwall:.3f} s "
                  f"(CPU {bcpu:.3f} s, {brss:.0f} MB): x{wall / bwall:.2f} wall, x{cpu / bcpu:.2f} CPU, "
                  f"x{rss / brss:.2f} RSS")
        print(f"   the whole `gates sessions` command: {whole:.3f} s (CPU {whole_cpu:.3f} s) vs empty {base_whole:.3f} s "
              f"(CPU {base_whole_cpu:.3f} s)")
        print(f"   gates monitor to its first judged rep: {first:.3f} s vs empty {base_first:.3f} s: "
              f"x{first / base_first:.2f}, {first - base_first:+.3f} s (CPU {first_cpu:.3f} s vs "
              f"{base_first_cpu:.3f} s: {first_cpu - base_first_cpu:+.3f} s)")
        print(f"   events read back (CPU): {events / every_s:,.0f}/s, x{first_s / every_s:.2f} of the first reader "
              f"({events / first_s:,.0f}/s); a derivation's read of a session x{first_s / engine_s:.2f} sooner "
              f"({engine_events} of its {events} events, without bytes)")
        print(f"   event packs: {packed:.1f} MB, {packed / size:.1%} of the database's {size:.0f} MB")
        wall, cpu, rss = figures["sessions"]
        result(f"history.{years}y.sessions", wall, "s", "<0.5")
        result(f"history.{years}y.sessions_cpu", cpu, "s")
        result(f"history.{years}y.sessions_vs_empty", wall / base["sessions"][0], "x")
        result(f"history.{years}y.sessions_peak_rss", rss, "MB", "<100")
        result(f"history.{years}y.sessions_first_run", cold, "s")
        result(f"history.{years}y.sessions_command", whole, "s", "<0.5")
        result(f"history.{years}y.sessions_command_vs_empty", whole / base_whole, "x")
        result(f"history.{years}y.pbs_at_start", figures["pbs"][0], "s")
        result(f"history.{years}y.pbs_vs_empty", figures["pbs"][0] / base["pbs"][0], "x")
        result(f"history.{years}y.first_judged_rep", first, "s")
        result(f"history.{years}y.first_judged_rep_over_empty", first - base_first, "s", "<1")
        result(f"history.{years}y.first_judged_rep_cpu_over_empty", first_cpu - base_first_cpu, "s", "<1")
        result(f"history.{years}y.events_read_back", events / every_s, "events/s")
        result(f"history.{years}y.events_read_back_vs_first", first_s / every_s, "x", ">=3")
        result(f"history.{years}y.derivation_read_vs_first", first_s / engine_s, "x", ">=3")
        result(f"history.{years}y.event_packs", packed, "MB")
        for f in (*st.files(fresh), *st.files(empty_run)):
            f.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
