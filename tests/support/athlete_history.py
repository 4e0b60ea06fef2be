"""A three-week history of three athletes for the athlete's pages and exports, built through the real
CLI (`gates import` of sessions with their dates, `gates log`). The last session was started with
personal bests stored in its START settings, as `gates monitor` stores them; Ada's stored PB (3.95 s)
is faster than any time in this history, so a page that shows it read it from the session, not
from a recomputation.

Three modules read it (the athlete's report, export and review history): it is made once per test
process (ten `gates` commands) and each caller gets a copy of the database of its own."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gates.sprint_model import time_at_distance
from support.history import add_log, at, export_document, gates

ATHLETE = "Ada"
OTHERS = ("Ben", "Zoë")
STORED_PB_US = 3_950_000
STORED_PBS = [[ATHLETE, "0,10,20,30", None, STORED_PB_US], ["Ben", "0,10,20,30", None, 4_500_000]]
LAST_WEEK = "2026-W49"
# Ada's times, then the others': theirs have figures found nowhere in hers
DAYS = (("2026-11-17", [4.02, 4.05, 4.09, 4.12]), ("2026-11-19", [4.00, 4.04, 4.07, 4.11]),
        ("2026-11-24", [3.99, 4.03, 4.21, 4.26]), ("2026-11-26", [3.98, 4.02, 4.06, 4.08]),
        ("2026-12-01", [3.97, 4.01, 4.04, 4.07]))
OTHER_TIMES = {"Ben": [4.613, 4.727, 4.839, 4.951], "Zoë": [5.117, 5.233, 5.347, 5.461]}
# where in a 30 m rep each gate is crossed, from the sprint model (MSS 9 m/s, τ 1.1 s): splits a fit takes
SHARES = [float(time_at_distance(d, 9.0, 1.1) / time_at_distance(30.0, 9.0, 1.1)) for d in (0.0, 10.0, 20.0, 30.0)]
LOGS = {0: ("--rpe", "6", "--minutes", "40"), 1: ("--rpe", "7", "--minutes", "40", "--legs", "normal"),
        2: ("--rpe", "8", "--minutes", "45", "--legs", "heavy", "--note", "tight hamstring"),
        4: ("--rpe", "6", "--minutes", "35", "--legs", "fresh")}


@dataclass(frozen=True)
class History:
    db: Path
    sessions: tuple[int, ...]

    @property
    def last(self) -> int:
        return self.sessions[-1]


def _add(db: Path, created_ns: int, reps: dict[str, list[float]], pbs: list | None = None) -> int:
    """Import one session with `gates import`, its START settings carrying `pbs` if given; its new id."""
    doc = export_document(created_ns, reps, max_reps=4, name="speed", shares=SHARES)
    if pbs is not None:
        doc["settings"]["pbs"] = pbs
        doc["annotations"][0]["data"]["settings"]["pbs"] = pbs
    path = db.with_name(f"s{created_ns}.json")
    path.write_text(json.dumps(doc), encoding="utf-8")
    proc = gates("import", str(path), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.split(" as session ")[1].split()[0])


def build(where: Path) -> History:
    """The history in a database in `where`, a copy of the one this process made."""
    made = _made()
    for path in made.db.parent.glob(f"{made.db.name}*"):  # with its -wal and -shm, if SQLite left them
        shutil.copyfile(path, where / path.name)
    return History(where / made.db.name, made.sessions)


@functools.cache
def _made() -> History:
    where = Path(tempfile.mkdtemp(prefix="athlete-history-"))
    atexit.register(shutil.rmtree, where, True)
    db = where / "gates.sqlite3"
    sessions = []
    for k, (day, times) in enumerate(DAYS):
        reps = {ATHLETE: times, **OTHER_TIMES}
        sid = _add(db, at(day), reps, STORED_PBS if k == len(DAYS) - 1 else None)
        sessions.append(sid)
        if k in LOGS:
            add_log(db, sid, ATHLETE, *LOGS[k])
    add_log(db, sessions[0], "Ben", "--rpe", "9", "--minutes", "55", "--note", "Ben's own note")
    return History(db, tuple(sessions))
