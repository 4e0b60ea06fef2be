"""Stored sessions as per-athlete summaries (monitor/session/week.py), the way the week reads them.

A summary is a pure function of one session's facts, so it is kept, as JSON, in a cache, with each
athlete's best per block beside it. Both are derived data: the cache is a file of its own beside the
database (`<database>.summaries`), so the session database stays read-only for these commands, and
deleting the cache changes nothing but the time the next command takes.

Why it is fast over years of sessions:
- Which sessions changed is found from the ids alone. Events and annotations are only ever appended
  with ids above every earlier one (db.py), so the cache remembers the highest ids it has seen and
  asks for the sessions of rows above them: a range on the primary key, however big the store.
- Only the weeks asked for (and a margin before them, for spacing) are read as summaries; the
  personal bests before them are one `min() … GROUP BY` over the cached bests.

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
from monitor.session.week import SUMMARY_VERSION, Judged, SessionSummary, judge, summarize
from monitor.store import db as st

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS summaries (session INTEGER PRIMARY KEY, created_ns INTEGER NOT NULL,"
    " demo INTEGER NOT NULL, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS summaries_created ON summaries(demo, created_ns)",
    "CREATE TABLE IF NOT EXISTS bests (session INTEGER NOT NULL, created_ns INTEGER NOT NULL, demo INTEGER NOT NULL,"
    " athlete TEXT NOT NULL, block TEXT NOT NULL, best_us INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS bests_session ON bests(session)",
)
Bests = dict[tuple[str, str], int]  # (athlete, block) -> best valid time, µs
MARGIN_NS = 4 * 7 * 86_400 * 10**9  # sessions read before a window: the last hard session is in them


def cache_path(database: Path) -> Path:
    return database.with_name(database.name + ".summaries")


def session_summaries(store: st.SessionStore, session: int, created_ns: int, name: str) -> list[SessionSummary]:
    """One session's summaries, derived now from its facts (profiles off: times are all the week needs)."""
    notes = store.annotations(session)
    model = SessionModel.derive(store.events(session), notes, profiles=False)
    return summarize(session, created_ns, name, model, athlete_log.entries(notes))


class Summaries:
    """The cache of one session database, brought up to date on opening (`with Summaries(store) as s`).
    Where the cache cannot be written (a read-only directory) it lives in memory for this command."""

    def __init__(self, store: st.SessionStore) -> None:
        self.store = store
        try:
            self._db = sqlite3.connect(cache_path(store.path), isolation_level=None, timeout=5)
            self._setup()
        except sqlite3.Error:
            self._db = sqlite3.connect(":memory:", isolation_level=None)
            self._setup()
        self.demo = self._sync()

    def __enter__(self) -> Summaries:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def _setup(self) -> None:
        for statement in _SCHEMA:
            self._db.execute(statement)
        if self._meta("version") != SUMMARY_VERSION:
            self._db.execute("DELETE FROM summaries")
            self._db.execute("DELETE FROM bests")
            self._db.execute("DELETE FROM meta")
            self._set("version", SUMMARY_VERSION)

    def _meta(self, key: str) -> int | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _set(self, key: str, value: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def _sync(self) -> bool:
        """Derive the sessions that are new or changed since the cache last looked; whether only demo
        sessions count (the database has no real one)."""
        facts = sqlite3.connect(f"{self.store.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            sessions = {sid: (created, name) for sid, created, name in
                        facts.execute("SELECT id, created_ns, name FROM sessions")}
            top_event = facts.execute("SELECT max(id) FROM events").fetchone()[0] or 0
            top_note = facts.execute("SELECT max(id) FROM annotations").fetchone()[0] or 0
            seen_event, seen_note = self._meta("events") or 0, self._meta("annotations") or 0
            cached = {sid: created for sid, created in self._db.execute("SELECT session, created_ns FROM summaries")}
            if top_event < seen_event or top_note < seen_note:  # not the database the cache was made from
                cached = {}
            changed = {sid for (sid,) in facts.execute(
                "SELECT DISTINCT session_id FROM events WHERE id > ?", (seen_event,))}
            changed |= {sid for (sid,) in facts.execute(
                "SELECT DISTINCT session_id FROM annotations WHERE id > ?", (seen_note,))}
        finally:
            facts.close()
        stale = changed | {sid for sid, (created, _) in sessions.items() if cached.get(sid) != created}
        stale |= cached.keys() - sessions.keys()
        with contextlib.suppress(sqlite3.Error):  # a cache that cannot be written is only slower next time
            self._db.execute("BEGIN IMMEDIATE")
            for sid in sorted(stale):
                self._db.execute("DELETE FROM summaries WHERE session = ?", (sid,))
                self._db.execute("DELETE FROM bests WHERE session = ?", (sid,))
                if sid in sessions:
                    self._store(sid, *sessions[sid])
            self._set("events", top_event)
            self._set("annotations", top_note)
            self._db.execute("COMMIT")
        return all(name == st.DEMO for _, name in sessions.values())

    def _store(self, sid: int, created: int, name: str) -> None:
        summaries = session_summaries(self.store, sid, created, name)
        demo = name == st.DEMO
        self._db.execute("INSERT INTO summaries (session, created_ns, demo, data) VALUES (?, ?, ?, ?)",
                         (sid, created, demo, json.dumps([s.as_dict() for s in summaries])))
        self._db.executemany(
            "INSERT INTO bests (session, created_ns, demo, athlete, block, best_us) VALUES (?, ?, ?, ?, ?, ?)",
            [(sid, created, demo, s.athlete, b.block, b.best_us) for s in summaries for b in s.blocks
             if b.best_us is not None])

    def since(self, since_ns: int | None = None) -> list[SessionSummary]:
        """The summaries of the sessions from `since_ns` on (all of them without), oldest first."""
        rows = self._db.execute("SELECT data FROM summaries WHERE demo = ? AND created_ns >= ?"
                                " ORDER BY created_ns, session", (self.demo, since_ns or 0))
        return [SessionSummary.from_dict(d) for (data,) in rows for d in json.loads(data)]

    def bests_before(self, since_ns: int | None) -> Bests:
        """Each athlete's best per block in the sessions before `since_ns`: the PBs the first of
        `since(since_ns)` is judged against."""
        if since_ns is None:
            return {}
        return {(athlete, block): best for athlete, block, best in self._db.execute(
            "SELECT athlete, block, min(best_us) FROM bests WHERE demo = ? AND created_ns < ? GROUP BY athlete, block",
            (self.demo, since_ns))}

    def first_ns(self) -> int | None:
        return self._db.execute("SELECT min(created_ns) FROM summaries WHERE demo = ?", (self.demo,)).fetchone()[0]

    def athletes(self) -> set[str]:
        return {a for (a,) in self._db.execute("SELECT DISTINCT athlete FROM bests WHERE demo = ?", (self.demo,))}


def judged_since(cache: Summaries, since_ns: int | None) -> list[Judged]:
    """The sessions from `since_ns` on, judged against the PBs before them, with enough sessions before
    it (a margin that doubles as needed) that each athlete's last hard session before it is among them."""
    if since_ns is None:
        return judge(cache.since())
    first = cache.first_ns()
    margin = MARGIN_NS
    while True:
        start = since_ns - margin
        judged = judge(cache.since(start), cache.bests_before(start))
        hard_before = {j.athlete for j in judged if j.hard and j.summary.created_ns < since_ns}
        earlier = {athlete for athlete, _ in cache.bests_before(start)}
        wanting = {j.athlete for j in judged if j.summary.created_ns >= since_ns} & earlier - hard_before
        if not wanting or first is None or start <= first:
            return judged
        margin *= 2
