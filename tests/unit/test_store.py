"""The session store on a real SQLite file: events committed and read back, sessions that start, resume
and end, annotations as rows, a reader beside the writer, and the schema's migration path."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from gates.events import GateEvent, Kind
from monitor.store import db as store_mod
from monitor.session.facts import COURSE, END, REASSIGN, RESUME, ROSTER, START, UNDO, VOID
from monitor.store.db import SessionStore, StoreError


def ev(gate: int, seq: int, device_us: int, **kw: object) -> GateEvent:
    return GateEvent(gate, seq, device_us, host_ns=seq * 1000, raw=b"$GT,%d,%d,%d,B*00" % (gate, seq, device_us),
                     **kw)


@pytest.fixture
def db(tmp_path):
    with SessionStore(tmp_path / "s.sqlite3") as store:
        yield store


def test_file_is_wal_and_versioned(db):
    mode = db._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert db.schema_version == len(store_mod.MIGRATIONS)


def test_checkpoints_can_be_left_to_a_thread(db):
    db.defer_checkpoints()
    sid = db.start_session(course="0,30")
    for seq in range(300):
        db.append(sid, "a", [ev(1, seq, seq * 10)])
    wal = db.path.with_name(db.path.name + "-wal")
    assert wal.stat().st_size > 100_000  # the WAL grew: no commit copied it back
    thread = threading.Thread(target=db.checkpoint)
    thread.start()
    db.append(sid, "a", [ev(1, 300, 3000)])  # the writer is not held up meanwhile
    thread.join()
    busy, frames, copied = db._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and copied == frames
    assert len(list(db.events(sid))) == 301


def test_events_round_trip_with_every_field(db):
    sid = db.start_session(course="0,10,20,30", athletes=["Ann", "Bo"], sources=["serial:/dev/x"])
    sent = [ev(1, 0, 1_000_000), ev(2, 1, 2_500_000, kind=Kind.RESTORE, start_number=7, channel="C1", flag="m")]
    stored = db.append(sid, "serial:/dev/x", sent)
    assert [s.event for s in stored] == sent
    back = list(db.events(sid))
    assert [b.event for b in back] == sent
    assert [b.event.raw for b in back] == [e.raw for e in sent]
    assert [b.source for b in back] == ["serial:/dev/x"] * 2
    assert back[1].event.host_ns == sent[1].host_ns


def test_a_resent_event_is_stored_once(db):
    sid = db.start_session(course="0,30")
    assert len(db.append(sid, "a", [ev(1, 0, 10), ev(1, 1, 20)])) == 2
    again = db.append(sid, "a", [ev(1, 1, 20), ev(1, 2, 30)])
    assert [s.event.seq for s in again] == [2]
    assert [s.event.seq for s in db.events(sid)] == [0, 1, 2]
    # the same gate and seq from another source, or at another time (a wrapped counter), is another event
    assert len(db.append(sid, "b", [ev(1, 1, 20)])) == 1
    assert len(db.append(sid, "a", [ev(1, 1, 99)])) == 1


def test_commit_is_visible_to_another_connection_when_append_returns(db):
    sid = db.start_session(course="0,30")
    db.append(sid, "a", [ev(1, 0, 10)])
    other = sqlite3.connect(db.path)
    assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    other.close()


def test_sessions_start_resume_end_and_list(db):
    first = db.start_session(course="0,10,20,30", athletes=["Ann", "Bo"], sources=["serial:/dev/a"])
    db.append(first, "serial:/dev/a", [ev(1, 0, 10), ev(2, 1, 20)])
    assert db.latest_unfinished() == first
    db.resume_session(first, sources=["serial:/dev/a", "replay:x"])
    db.end_session(first)
    assert db.latest_unfinished() is None
    with pytest.raises(StoreError, match="has ended"):
        db.end_session(first)
    second = db.start_session(course="0,60")
    assert db.latest_unfinished() == second
    listed = db.sessions()
    assert [s.id for s in listed] == [first, second]
    one = listed[0]
    assert (one.course, one.athletes, one.events, one.ended) == ("0,10,20,30", ("Ann", "Bo"), 2, True)
    assert one.sources == ("serial:/dev/a", "replay:x")
    assert listed[1].ended is False and listed[1].events == 0
    kinds = [a.kind for a in db.annotations(first)]
    assert kinds == [START, COURSE, ROSTER, RESUME, END]


def test_annotations_are_rows_in_order_and_anchored_to_the_events_before_them(db):
    sid = db.start_session(course="0,30", athletes=["Ann"])
    db.append(sid, "a", [ev(1, 0, 10), ev(2, 1, 20)])
    void = db.annotate(sid, VOID, rep=1)
    db.append(sid, "a", [ev(1, 2, 30)])
    move = db.annotate(sid, REASSIGN, rep=2, athlete="Bo")
    undo = db.annotate(sid, UNDO, annotation=void.id)
    notes = db.annotations(sid)
    assert [n.kind for n in notes][-3:] == [VOID, REASSIGN, UNDO]
    ids = [e.id for e in db.events(sid)]
    assert void.after_event == ids[1] and move.after_event == ids[2]
    assert undo.data == {"annotation": void.id}
    assert notes[-2].data == {"rep": 2, "athlete": "Bo"}
    with pytest.raises(ValueError):
        db.annotate(sid, "rename")


def test_seen_seqs_in_arrival_order_per_source(db):
    sid = db.start_session(course="0,30")
    db.append(sid, "a", [ev(1, 5, 10), ev(2, 9, 20)])
    db.append(sid, "b", [ev(1, 0, 10)])
    db.append(sid, "a", [ev(1, 4, 5)])
    assert db.seen_seqs(sid, "a") == [(1, 5), (2, 9), (1, 4)]


def test_baselines_keep_the_first_word_per_gate(db):
    sid = db.start_session(course="0,30")
    db.set_baseline(sid, "a", 2, 65535)
    db.set_baseline(sid, "a", 1, 17)
    db.set_baseline(sid, "a", 1, 40)
    db.set_baseline(sid, "b", 1, 3)
    assert db.baselines(sid, "a") == [(1, 17), (2, 65535)]


def test_reader_reads_while_the_writer_holds_a_transaction(db):
    sid = db.start_session(course="0,30")
    db.append(sid, "a", [ev(1, 0, 10)])
    with SessionStore(db.path, readonly=True) as reader:
        db._db.execute("BEGIN IMMEDIATE")
        db._db.execute("INSERT INTO sessions (created_ns) VALUES (1)")
        assert [s.event.seq for s in reader.events(sid)] == [0]  # not blocked, sees the last commit
        assert len(reader.sessions()) == 1
        db._db.execute("COMMIT")
        assert len(reader.sessions()) == 2
        with pytest.raises(StoreError, match="read-only"):
            reader.append(sid, "a", [ev(1, 1, 20)])


def test_reader_in_another_process_while_writer_appends(tmp_path):
    path = tmp_path / "s.sqlite3"
    writer = SessionStore(path)
    sid = writer.start_session(course="0,30")
    script = textwrap.dedent(f"""
        import sys, time
        from monitor.store.db import SessionStore
        seen = 0
        with SessionStore({str(path)!r}, readonly=True) as r:
            deadline = time.monotonic() + 60
            while seen < 200 and time.monotonic() < deadline:
                seen = sum(1 for _ in r.events({sid}))
        print(seen)
    """)
    reader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    for seq in range(200):
        writer.append(sid, "a", [ev(1, seq, seq * 10)])
    out, _ = reader.communicate(timeout=120)
    writer.close()
    assert int(out) == 200


def test_migrations_bring_an_old_file_up_to_date(tmp_path):
    path = tmp_path / "old.sqlite3"
    with SessionStore(path) as old:
        sid = old.start_session(course="0,30")
        old.append(sid, "a", [ev(1, 0, 10)])
    later = (*store_mod.MIGRATIONS, "ALTER TABLE sessions ADD COLUMN place TEXT NOT NULL DEFAULT '';")
    with SessionStore(path, migrations=later) as new:
        assert new.schema_version == len(later)
        assert [e.event.seq for e in new.events(sid)] == [0]
        assert new._db.execute("SELECT place FROM sessions").fetchone() == ("",)
    with pytest.raises(StoreError, match="newer than this program"):
        SessionStore(path)


def test_a_file_that_is_not_a_store_is_refused_in_one_line(tmp_path):
    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a gates session database"):
        SessionStore(other)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="junk.sqlite3"):
        SessionStore(junk)
    with pytest.raises(StoreError, match="no such session database"):
        SessionStore(tmp_path / "missing.sqlite3", readonly=True)


def test_default_path_is_in_the_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert store_mod.default_path() == tmp_path / "gates" / "gates.sqlite3"
    assert store_mod.default_path(store_mod.DEMO_DB_NAME) == tmp_path / "gates" / "demo.sqlite3"  # never the coach's


def test_unknown_session_is_an_error(db):
    with pytest.raises(StoreError, match="no session 42"):
        db.session(42)
