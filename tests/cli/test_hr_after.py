"""Heart rate after the session: review, export (CSV columns, JSON facts), import and the report read
the same figures from the stored samples, and a database of the previous schema takes heart rate
after upgrading in place. The session is a simulated one with its hearts' truth (tests/support/
hr_sessions.py) in a real SQLite file; the commands run as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

from support.cli import gates
from support.hr_sessions import make_hr_session

from gates.heartrate import Contact, HrSample
from monitor import exchange
from monitor.present.heart import hearts_of
from monitor.review.digest import digest
from monitor.store import db as st
from monitor.store import saved as saved_session

DATA = Path(__file__).resolve().parent.parent / "data"
FINISH_BPM, HRR60_BPM = 4, 5  # a beat of noise on 1 Hz readings, as the live tests


def test_every_view_reads_the_same_hr_figures_and_they_match_the_truth(tmp_path):
    db = tmp_path / "gates.sqlite3"
    sid, truth = make_hr_session(db)
    saved = saved_session.load(db, sid)
    hearts = hearts_of(saved.model.ordered_results(), saved.events, saved.hr)
    strapped = [r for r in saved.model.ordered_results() if r.rep.athlete in saved.hr]
    assert len(strapped) == len(truth) == 6 and set(hearts) == {r.rep.number for r in strapped}
    for result, true in zip(strapped, truth):
        got = hearts[result.rep.number].hr
        assert abs(got.finish_bpm - true["finish_bpm"]) <= FINISH_BPM
        assert abs(got.hrr60 - true["hrr60"]) <= HRR60_BPM
    with st.SessionStore(db, readonly=True) as store:
        assert digest(store, sid).hearts == hearts  # the review's

    # CSV: two columns, the rep's figures on each of its split rows; none for the athlete without a strap
    rows = list(csv.DictReader(io.StringIO(gates("export", str(sid), "--db", str(db), "--format", "csv",
                                                 check=True).stdout)))
    assert list(rows[0])[-2:] == ["hr_finish_bpm", "hrr60_bpm"]
    for row in rows:
        heart = hearts.get(int(row["rep"]))
        assert (row["hr_finish_bpm"], row["hrr60_bpm"]) == (
            ("", "") if heart is None else (str(heart.hr.finish_bpm), str(heart.hr.hrr60)))

    # JSON: every sample as a fact, the figures for readers; import takes the samples back
    out = tmp_path / "s.json"
    gates("export", str(sid), "--db", str(db), "--format", "json", "-o", str(out), check=True)
    doc = json.loads(out.read_text())
    assert len(doc["hr_samples"]) == sum(len(s) for s in saved.hr.values())
    assert {r["rep"]: r["hrr60"] for r in doc["rep_hr"]} == {n: h.hr.hrr60 for n, h in hearts.items()}
    other = tmp_path / "other.sqlite3"
    gates("import", str(out), "--db", str(other), check=True)
    again = saved_session.load(other, 1)
    assert again.hr == saved.hr
    assert {n: h.hr for n, h in hearts_of(again.model.ordered_results(), again.events, again.hr).items()} == {
        n: h.hr for n, h in hearts.items()}

    # the report: one small HR trace per strapped rep, captioned with the same figures
    page = tmp_path / "r.html"
    gates("report", str(sid), "--db", str(db), "-o", str(page), check=True)
    html = page.read_text()
    assert html.count('data-chart="hr-trace"') == len(hearts)
    for number, heart in hearts.items():
        assert f"#{number}: HR {heart.hr.finish_bpm} at the finish · HRR60 {heart.hr.hrr60}" in html
    assert not re.search(r"https?://", html)


def test_a_session_without_straps_exports_and_reports_as_before(tmp_path):
    db = tmp_path / "gates.sqlite3"
    sid, _ = make_hr_session(db)
    with st.SessionStore(db) as store:
        store._db.execute("DELETE FROM hr_samples")
    saved = saved_session.load(db, sid)
    assert all(line.endswith(",,") for line in exchange.csv_text(saved).splitlines()[1:])
    assert exchange.document(saved)["hr_samples"] == []
    page = tmp_path / "r.html"
    gates("report", str(sid), "--db", str(db), "-o", str(page), check=True)
    assert "hr-trace" not in page.read_text() and "Heart rate" not in page.read_text()


def test_a_database_of_the_previous_schema_is_upgraded_in_place_and_takes_heart_rate(tmp_path):
    db = tmp_path / "gates.sqlite3"
    shutil.copyfile(DATA / "store_v1.sqlite3", db)
    with st.SessionStore(db) as store:
        assert store.schema_version == len(st.MIGRATIONS)
        before = [(s.id, s.events) for s in store.sessions()]
        sample = HrSample("C0:FF:EE:00:10:01", 10**12, 150, Contact.OK, (410, 402), None)
        assert store.append_hr(1, [("Ada", sample), ("Ada", HrSample("C0:FF:EE:00:10:01", 10**12 + 10**9, 0,
                                                                        Contact.LOST))]) == 2
    with st.SessionStore(db, readonly=True) as store:
        assert [(s.id, s.events) for s in store.sessions()] == before
        assert store.hr_samples(1)["Ada"][0] == sample and store.hr_samples(2) == {}


def test_an_export_with_a_damaged_sample_is_refused_in_one_line(tmp_path):
    db = tmp_path / "gates.sqlite3"
    sid, _ = make_hr_session(db, reps=1)
    doc = exchange.document(saved_session.load(db, sid))
    doc["hr_samples"][3]["contact"] = "maybe"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    done = gates("import", str(bad), "--db", str(tmp_path / "new.sqlite3"))
    assert done.returncode == 2 and "hr_samples[3]: unknown contact state 'maybe'" in done.stderr
    assert done.stderr.count("\n") == 1 and not (tmp_path / "new.sqlite3").exists()
