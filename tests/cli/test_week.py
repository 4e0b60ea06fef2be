"""`gates log` and `gates week` end to end: sessions with their dates imported through `gates import`,
logs written with `gates log`, the weeks read back as JSON lines."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from support.history import add_log, add_session, at, gates, week_lines

from monitor.session.model import ENGINE_VERSION
from monitor.store import db as st
from monitor.store.week_rows import WeekRows, judged_since


def _history(db):
    s1 = add_session(db, at("2026-11-24"), {"Ada": [4.0, 4.05, 4.1, 4.1], "Ben": [4.3, 4.4, 4.6, 4.7]}, max_reps=4)
    s2 = add_session(db, at("2026-11-26"), {"Ada": [3.98, 4.02, 4.05, 4.08], "Ben": [4.3, 4.35, 4.4, 4.45]},
                     max_reps=4)
    s3 = add_session(db, at("2026-12-01"), {"Ada": [3.97, 4.0, 4.03, 4.05], "Ben": [4.3, 4.6, 4.7]}, max_reps=4)
    add_log(db, s1, "Ada", "--rpe", "6", "--minutes", "40")
    add_log(db, s2, "Ada", "--rpe", "7", "--minutes", "40")
    add_log(db, s3, "Ada", "--rpe", "9", "--minutes", "45")
    add_log(db, s3, "Ada", "--rpe", "8", "--minutes", "45", "--legs", "heavy")  # replaces the entry before
    return s3


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The history made once through the CLI (three imports, four logs): each test gets a copy."""
    db = tmp_path_factory.mktemp("week") / "gates.sqlite3"
    return db, _history(db)


@pytest.fixture
def history(built, tmp_path):
    """A database of the test's own holding the history, and the id of its last session."""
    db, s3 = built
    for path in db.parent.glob(f"{db.name}*"):  # with its -wal and -shm, if SQLite left them
        shutil.copyfile(path, tmp_path / path.name)
    return tmp_path / db.name, s3


def test_weeks_from_imported_sessions_and_logs(history):
    db, _ = history
    ada = {row["week"]: row for row in week_lines(db, "--week", "2026-W49", "--weeks", "2", "--athlete", "Ada")}
    assert ada["2026-W48"]["sessions"] == 2 and ada["2026-W48"]["reps"] == 8 and ada["2026-W48"]["hi_reps"] == 8
    assert ada["2026-W48"]["hi_m"] == 240.0 and ada["2026-W48"]["srpe_au"] == 6 * 40 + 7 * 40
    assert ada["2026-W49"]["srpe_au"] == 8 * 45  # the later entry replaced the earlier
    assert ada["2026-W49"]["change_pct"] == round((360 - 520) / 520 * 100, 1)
    assert ada["2026-W49"]["hours_since_hard"] == 120.0
    assert ada["2026-W49"]["suggestion"].startswith("0,10,20,30 m: one more rep: 5 reps")
    ben = {row["week"]: row for row in week_lines(db, "--week", "2026-W49", "--weeks", "2", "--athlete", "Ben")}
    # 4.6 s against a 4.30 s PB is 93.5 %: under 95 %, not high intensity
    assert ben["2026-W49"]["hi_reps"] == 1 and ben["2026-W49"]["srpe_au"] is None
    assert "END after 3 reps" in ben["2026-W49"]["suggestion"]


def test_undo_brings_the_earlier_entry_back(history):
    db, s3 = history
    assert gates("log", str(s3), "--athlete", "Ada", "--undo", "--db", str(db)).returncode == 0
    ada = {row["week"]: row for row in week_lines(db, "--week", "2026-W49", "--weeks", "1", "--athlete", "Ada")}
    assert ada["2026-W49"]["srpe_au"] == 9 * 45


def test_bad_input_is_one_line_exit_2_and_leaves_the_database_as_it_was(history):
    db, s3 = history
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    cases = [("log", str(s3), "--athlete", "Zed", "--rpe", "5"), ("log", str(s3), "--athlete", "Ada", "--rpe", "11"),
             ("log", str(s3), "--athlete", "Ada", "--minutes", "-5"), ("log", "99", "--athlete", "Ada", "--rpe", "5"),
             ("log", str(s3), "--athlete", "Ada", "--legs", "wobbly"), ("log", str(s3), "--athlete", "Ada", "--rpe", "x"),
             ("log", "abc", "--athlete", "Ada", "--rpe", "5"), ("log", str(s3), "--athlete", "Ada", "--hr-rest", "400"),
             ("week", "--week", "2026-W60"), ("week", "--week", "last week"), ("week", "--athlete", "Zed"),
             ("week", "--athlete", ""), ("week", "--weeks", "0"), ("week", "--hi-range", "5"),
             ("week", "--hi-range", "Zed=1000-2000"), ("week", "--max-rise", "nan")]
    for case in cases:
        proc = gates(*case, "--db", str(db))
        assert proc.returncode == 2 and proc.stdout == "" and len(proc.stderr.splitlines()) == 1, (case, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_version_2_database_with_its_derived_rows_is_upgraded_in_place_and_its_weeks_derived_again(tmp_path):
    """tests/data/store_v1.sqlite3 (the release before derived rows) taken through migration 2 and given
    the derived rows that schema kept (no rep times, no logs); `gates week` upgrades it in place, drops
    those rows and derives them again: the same weeks as the same facts upgraded straight away."""
    data = Path(__file__).resolve().parent.parent / "data" / "store_v1.sqlite3"
    old, fresh = tmp_path / "old.sqlite3", tmp_path / "fresh.sqlite3"
    shutil.copyfile(data, old)
    shutil.copyfile(data, fresh)
    with st.SessionStore(old, migrations=st.MIGRATIONS[:2]) as store:
        marks = store.marks()
    v2 = sqlite3.connect(old)
    with v2:
        for sid, _created, _name, last_event, last_note in marks:
            athlete = {"athlete": "Ada", "block": 1, "course": "0,10,20,30", "start": None, "reps": 3,
                       "best_us": 4_000_000, "verdict": "GO", "reason": "", "high_reps": 3, "high_m": 90.0}
            summary = {"reps": 3, "abandoned": 0, "athletes": [athlete], "plan": None, "plan_blocks": 1}
            v2.execute("INSERT INTO summaries VALUES (?, ?, ?, ?, ?, ?)",
                       (sid, last_event, last_note, ENGINE_VERSION, 48, json.dumps(summary)))
            v2.execute("INSERT INTO athlete_summaries VALUES (?, 'Ada', 1, '0,10,20,30', NULL, 3, 4000000, 'GO', 3, 90.0)",
                       (sid,))
    v2.close()
    upgraded = week_lines(old, "--week", "2026-W49", "--weeks", "1")
    assert upgraded == week_lines(fresh, "--week", "2026-W49", "--weeks", "1")
    assert {row["athlete"]: row["reps"] for row in upgraded} == {"Ada": 8, "Ben": 9}  # not the stale rows
    with st.SessionStore(old, readonly=True) as store:
        assert store.schema_version == len(st.MIGRATIONS) == 6
        assert all(len(json.loads(rows[0][9])) == rows[0][4] for rows, _ in store.athlete_rows().values())
    assert "3 derived rows up to date" in gates("db", "check", "--db", str(old)).stdout


def test_a_read_only_database_is_judged_as_the_rows_a_writable_one_keeps(history):
    """Where the store cannot keep what it derives, the week derives it in memory: the same sessions,
    judged the same, as from the rows a writable store keeps (and a stale row gives way to its facts)."""
    db, s3 = history
    with st.SessionStore(db, readonly=True) as store:
        from_memory = judged_since(WeekRows(store), None)
        assert not store.summary_marks()
    with st.SessionStore(db) as store:
        kept = judged_since(WeekRows(store), None)
        assert len(store.summary_marks()) == 3
    assert from_memory == kept and len(kept) == 6
    add_log(db, s3, "Ben", "--rpe", "9", "--minutes", "30")  # session 3's row is stale now
    with st.SessionStore(db, readonly=True) as store:
        ben = [j for j in judged_since(WeekRows(store), None) if j.athlete == "Ben"]
    assert ben[-1].summary.log.srpe_au == 270
