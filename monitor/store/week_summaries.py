"""Every stored session as per-athlete summaries (monitor/session/week.py), the way the week reads them.

A summary is a pure function of one session's facts, so it is kept, as JSON, in a cache keyed by the
session's fact mark (its start time, last event id and last annotation id: the ids only ever grow) and the summary
version. A session is derived again only when its mark moved; five years of a club's sessions are then
read in a few hundred milliseconds instead of derived in many seconds. The cache is a file of its own
beside the database (`<database>.summaries`): the session database stays read-only for these commands,
and deleting the cache changes nothing but the time the next command takes.

Demo sessions (simulated athletes) count among themselves only: a database with a real session shows
real sessions.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from monitor.session import log as athlete_log
from monitor.session.model import SessionModel
from monitor.session.week import SUMMARY_VERSION, SessionSummary, summarize
from monitor.store import db as st

_CACHE_SCHEMA = ("CREATE TABLE IF NOT EXISTS summaries (session INTEGER PRIMARY KEY, created_ns INTEGER NOT NULL,"
                 " events INTEGER NOT NULL, annotations INTEGER NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL)")


def cache_path(database: Path) -> Path:
    return database.with_name(database.name + ".summaries")


def session_summaries(store: st.SessionStore, info: st.SessionInfo) -> list[SessionSummary]:
    """One session's summaries, derived now from its facts (profiles off: times are all the week needs)."""
    notes = store.annotations(info.id)
    model = SessionModel.derive(store.events(info.id), notes, profiles=False)
    return summarize(info.id, info.created_ns, info.name, model, athlete_log.entries(notes))


def all_summaries(store: st.SessionStore, *, cache: bool = True) -> list[SessionSummary]:
    """The summaries of every session that counts (see the module's note on demo sessions), oldest first."""
    infos = store.sessions()
    real = [i for i in infos if not i.demo]
    infos = real or infos
    marks = _marks(store)
    kept = _open_cache(store.path) if cache else None
    out: list[SessionSummary] = []
    fresh: list[tuple[int, tuple[int, int, int], list[SessionSummary]]] = []
    stored = _read(kept) if kept is not None else {}
    for info in infos:
        mark = (info.created_ns, *marks.get(info.id, (0, 0)))
        hit = stored.get(info.id)
        if hit is not None and hit[0] == mark:
            out.extend(SessionSummary.from_dict(d) for d in json.loads(hit[1]))
            continue
        summaries = session_summaries(store, info)
        fresh.append((info.id, mark, summaries))
        out.extend(summaries)
    if kept is not None:
        _write(kept, fresh)
        kept.close()
    return out


def _marks(store: st.SessionStore) -> dict[int, tuple[int, int]]:
    """Each session's fact mark, in two queries over the whole store."""
    marks: dict[int, list[int]] = {}
    db = sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        for sid, last in db.execute("SELECT session_id, max(id) FROM events GROUP BY session_id"):
            marks.setdefault(sid, [0, 0])[0] = last
        for sid, last in db.execute("SELECT session_id, max(id) FROM annotations GROUP BY session_id"):
            marks.setdefault(sid, [0, 0])[1] = last
    finally:
        db.close()
    return {sid: (e, a) for sid, (e, a) in marks.items()}


def _open_cache(database: Path) -> sqlite3.Connection | None:
    """The cache beside `database`, or None where it cannot be kept (a read-only directory): then every
    session is derived, which is slower and no less right."""
    try:
        db = sqlite3.connect(cache_path(database), isolation_level=None, timeout=5)
        db.execute(_CACHE_SCHEMA)
        return db
    except sqlite3.Error:
        return None


def _read(db: sqlite3.Connection) -> dict[int, tuple[tuple[int, int, int], str]]:
    try:
        rows = db.execute("SELECT session, created_ns, events, annotations, data FROM summaries WHERE version = ?",
                          (SUMMARY_VERSION,)).fetchall()
    except sqlite3.Error:
        return {}
    return {sid: ((created, events, notes), data) for sid, created, events, notes, data in rows}


def _write(db: sqlite3.Connection, fresh: list[tuple[int, tuple[int, int, int], list[SessionSummary]]]) -> None:
    if not fresh:
        return
    with contextlib.suppress(sqlite3.Error):  # a cache that cannot be written is only a slower next time
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT OR REPLACE INTO summaries (session, created_ns, events, annotations, version,"
                       " data) VALUES (?, ?, ?, ?, ?, ?)",
                       [(sid, *mark, SUMMARY_VERSION, json.dumps([s.as_dict() for s in summaries]))
                        for sid, mark, summaries in fresh])
        db.execute("COMMIT")
