"""Derived rows are a cache of the facts: a database written by an earlier release (tests/data/
store_v1.sqlite3, made by commit 802b2cf's code, with its `gates sessions --json` beside it; store_v4,
the same file opened by commit b8f90d3's code, schema 4 with its derived rows, and both its listings;
store_v5, the same file opened and listed by commit 6c4aa08's code, schema 5, before event packs) is
upgraded in place and lists the same; dropping every derived row and pack and deriving again (`gates
db rebuild`) gives byte-identical rows and output; `gates db check` finds them up to date, and names a
pack that reads otherwise than its events."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

from monitor.store import db as st
from monitor.store import packs
from support.packs_kept import packs_kept
from support.cli import gates as run

DATA = Path(__file__).resolve().parent.parent / "data"


def gates(*args: str) -> str:
    return run(*args, env={"TZ": "UTC"}, timeout=120, check=True).stdout


def old_database(tmp_path: Path) -> Path:
    db = tmp_path / "gates.sqlite3"
    shutil.copyfile(DATA / "store_v1.sqlite3", db)
    return db


def test_a_database_of_the_previous_release_is_upgraded_in_place_and_lists_the_same(tmp_path):
    db = old_database(tmp_path)
    listed = [json.loads(line) for line in gates("sessions", "--db", str(db), "--json").splitlines()]
    before = [json.loads(line) for line in (DATA / "store_v1.sessions.jsonl").read_text().splitlines()]
    assert [{k: row[k] for k in old} for row, old in zip(listed, before)] == before  # every old field, as it was
    assert len(listed) == len(before)
    with st.SessionStore(db, readonly=True) as store:
        assert store.schema_version == len(st.MIGRATIONS) == 6
        assert sorted(store.summary_rows()) == [1, 2, 3]


def test_a_database_with_the_previous_schemas_derived_rows_is_upgraded_and_lists_byte_for_byte(tmp_path):
    db = tmp_path / "gates.sqlite3"
    shutil.copyfile(DATA / "store_v4.sqlite3", db)
    with contextlib.closing(sqlite3.connect(db)) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (4,)
    assert gates("sessions", "--db", str(db)) == (DATA / "store_v4.sessions.txt").read_text()
    assert gates("sessions", "--db", str(db), "--json") == (DATA / "store_v4.sessions.jsonl").read_text()
    with st.SessionStore(db, readonly=True) as store:
        assert store.schema_version == 6 and sorted(store.listing_rows()) == [1, 2, 3]


def test_rebuilding_the_derived_rows_gives_the_same_rows_and_output(tmp_path):
    db = old_database(tmp_path)
    listing = gates("sessions", "--db", str(db))
    with st.SessionStore(db) as store:
        store.annotate(3, "log", athlete="Ada", rpe=7, minutes=40, legs="heavy", hr_rest=None, note="")
    listing = gates("sessions", "--db", str(db))
    with st.SessionStore(db) as store:
        rows, athletes, listed = store.summary_rows(), store.athlete_rows(), store.listing_rows()
    assert athletes[3][1] == [("Ada", 7, 40, "heavy", None, "")] and all(len(a[0]) == 2 for a in athletes.values())
    assert "3 derived rows up to date" in gates("db", "check", "--db", str(db))
    assert "3 derived rows dropped" in gates("db", "rebuild", "--db", str(db))
    with st.SessionStore(db) as store:
        assert store.summary_rows() == rows and store.athlete_rows() == athletes and store.listing_rows() == listed
    assert gates("sessions", "--db", str(db)) == listing


def test_a_stale_row_is_derived_again_when_its_facts_change(tmp_path):
    db = old_database(tmp_path)
    before = gates("sessions", "--db", str(db), "--json").splitlines()
    with st.SessionStore(db) as store:
        store.annotate(2, "void", rep=1)
    assert "1 missing or stale" in gates("db", "check", "--db", str(db))
    after = gates("sessions", "--db", str(db), "--json").splitlines()
    assert after[0] == before[0] and after[2] == before[2] and after[1] != before[1]


def gates_fails(*args: str) -> subprocess.CompletedProcess:
    done = run(*args, timeout=120)
    assert done.returncode == 1, done.stderr
    return done


def test_a_database_of_the_release_before_packs_is_upgraded_and_packed_by_a_rebuild(tmp_path):
    db = tmp_path / "gates.sqlite3"
    shutil.copyfile(DATA / "store_v5.sqlite3", db)
    with contextlib.closing(sqlite3.connect(db)) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (5,)
        rows = raw.execute("SELECT * FROM events ORDER BY id").fetchall()
    assert "0 event packs up to date, 3 missing or stale" in gates("db", "check", "--db", str(db))
    assert "(3 derived rows dropped, 0 event packs dropped and packed again)" in gates("db", "rebuild", "--db", str(db))
    assert "3 event packs up to date, 0 missing or stale (their rows are read), 0 wrong" in gates(
        "db", "check", "--db", str(db))
    assert gates("sessions", "--db", str(db)) == (DATA / "store_v5.sessions.txt").read_text()
    assert gates("sessions", "--db", str(db), "--json") == (DATA / "store_v5.sessions.jsonl").read_text()
    with st.SessionStore(db) as store:
        assert store.schema_version == 6 and sorted(packs_kept(store)) == [1, 2, 3]
        assert store._db.execute("SELECT * FROM events ORDER BY id").fetchall() == rows  # the facts, as they were
        for sid in (1, 2, 3):
            assert [(e, e.event.raw) for e in store.events(sid)] == [(e, e.event.raw) for e in
                                                                     store.events(sid, packed=False)]


def test_a_forged_pack_is_reported_and_a_rebuild_packs_the_events_again(tmp_path):
    db = tmp_path / "gates.sqlite3"
    shutil.copyfile(DATA / "store_v5.sqlite3", db)
    gates("db", "rebuild", "--db", str(db))
    with st.SessionStore(db) as store:
        kept = packs_kept(store)
        rows = store._db.execute(st.PACK_ROWS, (2,)).fetchall()
        forged = packs.pack(2, [(*row[:4], row[4] + 1, *row[5:]) for row in rows])  # every device time 1 µs late
        store._db.execute("UPDATE event_packs SET data = ? WHERE session_id = 2", (forged,))
        store._db.execute("UPDATE event_packs SET format = 0 WHERE session_id = 3")  # stale: never read
    done = gates_fails("db", "check", "--db", str(db))
    assert "1 event packs up to date, 1 missing or stale (their rows are read), 1 wrong" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "session 2: its event pack differs from its events"
    assert "3 event packs dropped and packed again" in gates("db", "rebuild", "--db", str(db))
    with st.SessionStore(db) as store:
        assert packs_kept(store) == kept
    assert "3 event packs up to date" in gates("db", "check", "--db", str(db))
