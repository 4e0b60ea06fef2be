"""`gates sessions` on a real database of two stored sessions: each line says how many reps counted and
the verdict each athlete reached, as the session derived again from the store judges them; `--json`
carries the same as `reps` and `verdicts` beside the keys scripts already read."""

from __future__ import annotations

import json

import pytest
from support.review_store import ATHLETES, derived, gates, stored_session

from monitor.store import db as st
from monitor.session.analyzer import Verdict


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    where = tmp_path_factory.mktemp("sessions")
    stored_session(where)
    db = stored_session(where, seed=3, void=None)  # a second session in the same file
    with st.SessionStore(db) as store:  # and a third, just started: nobody has run yet
        store.start_session(course="0,10,20,30", athletes=["Eve"], sources=["serial:/dev/ttyUSB0"])
    return db


def reached(db, session: int) -> dict[str, Verdict | None]:
    model = derived(db, session)
    return {name: model.analyzer.standing(name, model.course)[1] for name in ATHLETES.split(",")}


def counted(db, session: int) -> int:
    return sum(r.rep.valid for r in derived(db, session).ordered_results())


def test_json_has_reps_and_verdicts_beside_the_keys_it_had(db):
    done = gates("sessions", "--db", str(db), "--json")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["session"] for r in rows] == [1, 2, 3]
    assert rows[2]["reps"] == 0 and rows[2]["verdicts"] == {} and rows[2]["ended"] is None
    for row in rows[:2]:
        assert {"session", "started", "name", "course", "athletes", "sources", "events", "ended"} <= set(row)
        assert row["course"] == "0,10,20,30" and row["athletes"] == ATHLETES.split(",") and row["ended"]
        assert row["reps"] == counted(db, row["session"])
        assert row["verdicts"] == {n: v and v.value for n, v in reached(db, row["session"]).items()}
    first = derived(db, 1).ordered_results()
    assert rows[0]["reps"] == len(first) - 1  # the voided rep does not count


def test_the_table_names_the_athletes_by_verdict_reached(db):
    lines = gates("sessions", "--db", str(db)).stdout.splitlines()
    assert lines[0].split() == ["id", "started", "course", "events", "reps", "state", "athletes", "verdicts"]
    for line, session in zip(lines[1:3], (1, 2)):
        verdicts = reached(db, session)
        groups = [f"{v.value}: {', '.join(n for n, got in verdicts.items() if got is v)}"
                  for v in (Verdict.END, Verdict.CAUTION, Verdict.GO) if v in verdicts.values()]
        assert line.endswith("  " + " · ".join(groups)), line
        assert line.split()[0] == str(session) and f" {counted(db, session)}  ended" in line
    assert "END: " in lines[1]  # the simulated group tires
    assert lines[3].split()[-5:] == ["0", "0", "open", "Eve", "-"]  # no events, no reps, no verdict yet


def test_an_empty_database_and_a_missing_one(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    st.SessionStore(empty).close()
    assert gates("sessions", "--db", str(empty)).stdout.strip() == f"no sessions in {empty}"
    assert gates("sessions", "--db", str(empty), "--json").stdout == ""
    missing = gates("sessions", "--db", str(tmp_path / "nope.sqlite3"), check=False)
    assert missing.returncode == 2 and "no such session database" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
