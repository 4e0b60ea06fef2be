"""`gates monitor --headless` in a subprocess, as a coach runs it: a roster-less replay warns in one
line, an open session run differently is not resumed (one line says what differs), attribution with
an athlete at END holds through the command line, and the verdicts `gates sessions` shows afterwards
are the live ones."""

from __future__ import annotations

import json

from gates.course import Course
from monitor.store import db as st
from monitor.session import facts
from simulators.athletes import presets
from simulators.capture import write_capture
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate
from support.cli import gates


def capture(tmp_path, seed: int = 7) -> str:
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(3)),
                           plan=get_plan("rsa").with_reps(3), seed=seed)
    path = tmp_path / f"s{seed}.cap"
    write_capture(simulate(config), str(path))
    return str(path)


def test_a_replay_without_a_roster_says_every_rep_goes_to_question_mark(tmp_path):
    path = capture(tmp_path)
    db = str(tmp_path / "g.sqlite3")
    done = gates("monitor", "--source", f"replay:{path}?speed=max", "--course", "0,10,20,30", "--headless",
                   "--db", db)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "no roster" in line]
    assert len(warnings) == 1 and '"?"' in warnings[0] and "--athletes" in warnings[0]
    named = gates("monitor", "--source", f"replay:{path}?speed=max", "--course", "0,10,20,30", "--headless",
                    "--db", db, "--athletes", "Ada,Ben,Cleo")
    assert "no roster" not in named.stderr


def test_an_open_session_on_another_course_is_not_resumed_and_the_line_says_why(tmp_path):
    path = capture(tmp_path)
    db = tmp_path / "g.sqlite3"
    with st.SessionStore(db) as store:
        open_sid = store.start_session(course="0,10,20,30", athletes=["Ada"], sources=[f"replay:{path}"])
    done = gates("monitor", "--source", f"replay:{path}?speed=max", "--course", "0,30", "--headless",
                   "--db", str(db), "--athletes", "Ada")
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "not resumed" in line]
    assert len(said) == 1 and f"session {open_sid}" in said[0] and "course 0,10,20,30 then, 0,30 now" in said[0]
    with st.SessionStore(db, readonly=True) as store:
        sessions = store.sessions()
    assert [s.course for s in sessions] == ["0,10,20,30", "0,30"]


def test_the_verdicts_sessions_shows_afterwards_are_the_live_ones_against_the_pb(tmp_path):
    db = str(tmp_path / "g.sqlite3")
    names = ",".join(a.name for a in presets(3))
    common = ["--course", "0,10,20,30", "--headless", "--json", "--db", db, "--athletes", names]
    first = gates("monitor", "--source", f"replay:{capture(tmp_path, 1)}?speed=max", *common)
    assert first.returncode == 0, first.stderr
    second = gates("monitor", "--source", f"replay:{capture(tmp_path, 2)}?speed=max", *common,
                     "--against", "pb", "--floor", "99")
    live = [json.loads(line) for line in second.stdout.splitlines()]
    reps = {r["rep"]: r for r in live if r.get("type") == "rep"}
    assert any(r["pb_s"] is not None for r in reps.values())
    listed = json.loads(gates("sessions", "--db", db, "--json").stdout.splitlines()[-1])
    last = {}
    for r in reps.values():
        if r["valid"]:
            last[r["athlete"]] = r["verdict"]
    assert listed["verdicts"] == {name: v for name, v in last.items()}
    with st.SessionStore(db) as store:  # a void in the earlier session changes nothing in this one
        store.annotate(1, facts.VOID, rep=1)
    again = json.loads(gates("sessions", "--db", db, "--json").stdout.splitlines()[-1])
    assert again["verdicts"] == listed["verdicts"]
