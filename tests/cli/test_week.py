"""`gates log` and `gates week` end to end: sessions with their dates imported through `gates import`,
logs written with `gates log`, the weeks read back as JSON lines."""

from __future__ import annotations

import hashlib

from support.history import add_log, add_session, at, gates, week_lines


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


def test_weeks_from_imported_sessions_and_logs(tmp_path):
    db = tmp_path / "gates.sqlite3"
    _history(db)
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


def test_undo_brings_the_earlier_entry_back(tmp_path):
    db = tmp_path / "gates.sqlite3"
    s3 = _history(db)
    assert gates("log", str(s3), "--athlete", "Ada", "--undo", "--db", str(db)).returncode == 0
    ada = {row["week"]: row for row in week_lines(db, "--week", "2026-W49", "--weeks", "1", "--athlete", "Ada")}
    assert ada["2026-W49"]["srpe_au"] == 9 * 45


def test_bad_input_is_one_line_exit_2_and_leaves_the_database_as_it_was(tmp_path):
    db = tmp_path / "gates.sqlite3"
    s3 = _history(db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    cases = [("log", str(s3), "--athlete", "Zed", "--rpe", "5"), ("log", str(s3), "--athlete", "Ada", "--rpe", "11"),
             ("log", str(s3), "--athlete", "Ada", "--minutes", "-5"), ("log", "99", "--athlete", "Ada", "--rpe", "5"),
             ("week", "--week", "2026-W60"), ("week", "--week", "last week"), ("week", "--athlete", "Zed")]
    for case in cases:
        proc = gates(*case, "--db", str(db))
        assert proc.returncode == 2 and proc.stdout == "" and len(proc.stderr.splitlines()) == 1, (case, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
