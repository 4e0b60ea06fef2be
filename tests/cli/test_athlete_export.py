"""`gates export --athlete` across sessions, over a three-week history built through the real CLI: the CSV is
today's long format (one row per split, the session and date telling sessions apart) with that athlete's
rows only, each rep of which `gates fit` fits as shorts would; the JSON carries each session's reps and
log; --since keeps the sessions from that day on; bad input is one line and exit 2.

The CSV's shape is the one shorts takes (`model_timing_gates(distance, time)`: distance from the start
gate, cumulative time): mladenjovanovic/shorts, R/model-timing-gates.R."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from support.athlete_history import ATHLETE, DAYS, OTHERS, build
from support.history import gates

from monitor import exchange

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return build(tmp_path_factory.mktemp("athlete-export"))


def export(history, *args: str) -> str:
    proc = gates("export", "--athlete", ATHLETE, *args, "--db", str(history.db))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout


def test_csv_across_sessions_is_the_long_format_with_that_athletes_rows(history):
    rows = list(csv.DictReader(io.StringIO(export(history, "--format", "csv"), newline="")))
    assert list(rows[0]) == list(exchange.CSV_HEADER)
    assert {row["athlete"] for row in rows} == {ATHLETE}
    assert [int(s) for s in dict.fromkeys(row["session"] for row in rows)] == list(history.sessions)
    assert list(dict.fromkeys(row["date"] for row in rows)) == [day for day, _ in DAYS]
    finishes = [float(row["time_s"]) for row in rows if row["distance_m"] == "30"]
    assert finishes == pytest.approx([t for _, times in DAYS for t in times], abs=1e-6)
    assert len(rows) == 3 * sum(len(times) for _, times in DAYS)  # three splits a rep


def test_each_rep_of_the_csv_fits_a_sprint_profile_as_shorts_would(history):
    rows = list(csv.DictReader(io.StringIO(export(history, "--format", "csv"), newline="")))
    reps: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        reps.setdefault((row["session"], row["rep"]), []).append(row)
    first, last = next(iter(reps.values())), list(reps.values())[-1]
    for mine in (first, last):
        fit = gates("fit", "--distances", ",".join(r["distance_m"] for r in mine),
                    "--times", ",".join(r["time_s"] for r in mine), "--json")
        assert fit.returncode == 0, fit.stderr
        assert 6 < json.loads(fit.stdout)["MSS"] < 12


def test_json_carries_each_sessions_reps_and_log_and_no_one_else(history):
    text = export(history, "--format", "json")
    doc = json.loads(text)
    assert doc["format"] == exchange.ATHLETE_FORMAT and doc["athlete"] == ATHLETE
    assert [s["session"]["id"] for s in doc["sessions"]] == list(history.sessions)
    for item, (day, times) in zip(doc["sessions"], DAYS):
        assert item["session"]["date"] == day
        assert [r["time_s"] for r in item["reps"]] == pytest.approx(times, abs=1e-3)
        assert {r["athlete"] for r in item["reps"]} == {ATHLETE}
    assert doc["sessions"][2]["log"]["legs"] == "heavy" and doc["sessions"][3]["log"] is None
    assert doc["sessions"][-1]["pbs"] == [[ATHLETE, "0,10,20,30", None, 3_950_000]]
    assert not any(name in text for name in OTHERS)


def test_since_keeps_the_sessions_from_that_day_on(history):
    rows = list(csv.DictReader(io.StringIO(export(history, "--format", "csv", "--since", "2026-11-24"), newline="")))
    assert list(dict.fromkeys(row["date"] for row in rows)) == ["2026-11-24", "2026-11-26", "2026-12-01"]
    doc = json.loads(export(history, "--format", "json", "--since", "2026-12-01"))
    assert [s["session"]["date"] for s in doc["sessions"]] == ["2026-12-01"] and doc["since"] == "2026-12-01"


def test_one_session_for_one_athlete(history):
    rows = list(csv.DictReader(io.StringIO(
        gates("export", str(history.last), "--athlete", ATHLETE, "--format", "csv", "--db", str(history.db)).stdout,
        newline="")))
    assert {row["session"] for row in rows} == {str(history.last)} and {row["athlete"] for row in rows} == {ATHLETE}


def test_bad_input_is_one_line_exit_2_and_the_database_is_untouched(history, tmp_path):
    before = hashlib.sha256(history.db.read_bytes()).hexdigest()
    out = str(tmp_path / "x.csv")
    cases = [("--athlete", "Zed"), ("--athlete", ATHLETE, "--since", "2026-13-01"),
             ("--athlete", ATHLETE, "--since", "last week"), ("--athlete", ATHLETE, "--since", "2027-01-01"),
             ("99", "--athlete", ATHLETE), (str(history.last), "--athlete", "Zed"), ("--since", "2026-11-01"),
             (str(history.last), "--athlete", ATHLETE, "--since", "2026-11-01"), ()]
    for case in cases:
        proc = gates("export", *case, "--format", "csv", "-o", out, "--db", str(history.db))
        assert proc.returncode == 2 and proc.stdout == "" and len(proc.stderr.splitlines()) == 1, (case, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.csv").exists()
    assert hashlib.sha256(history.db.read_bytes()).hexdigest() == before
