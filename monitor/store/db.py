"""The session store: every raw event is committed to SQLite before anything shows or analyses it.

Event-sourced (DESIGN.md, "Storage"): the store holds only facts as they arrived (raw gate events
with their bytes) and the coach's decisions as rows (annotations: course, roster, void, reassign,
undo, end). Nothing is edited in place, so reps and verdicts can be derived again, exactly, from
these two tables; a crash loses nothing that was committed and a session resumes under its own id.

SQLite in WAL mode lets a reader (the review app) read while the live writer commits. With WAL,
`synchronous=NORMAL` survives a killed process (the WAL is in the OS's hands once `commit` returns);
only a power cut can roll back the last transactions, which `synchronous=FULL` would prevent at the
cost of an fsync per commit. The schema carries its version in `PRAGMA user_version` and is brought
up to date by the ordered MIGRATIONS on open.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.events import GateEvent, Kind
from monitor.session.facts import (
    COURSE,
    END,
    KINDS,
    RESUME,
    ROSTER,
    START,
    UNDO,
    Annotation,
    StoredEvent,
    effective,
)
from monitor.store import hr

DB_NAME = "gates.sqlite3"
DEMO_DB_NAME = "demo.sqlite3"  # `gates demo` stores here: simulated athletes never sit among the coach's
MAX_ID = 2**63 - 1  # beyond every row id (SQLite's largest)
DEMO = "demo"  # the name `gates demo` gives its sessions: simulated athletes, whose bests are nobody's

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions, raw events, annotations, gate baselines
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        created_ns INTEGER NOT NULL,          -- wall clock, Unix ns
        name TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,               -- arrival order within the whole store
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        source TEXT NOT NULL,                 -- the source spec the event came through
        gate INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        device_us INTEGER NOT NULL,
        host_ns INTEGER NOT NULL,             -- host monotonic receive time
        kind TEXT NOT NULL,
        start_number INTEGER,
        channel TEXT,
        flag TEXT NOT NULL DEFAULT '',
        raw BLOB NOT NULL,
        UNIQUE (session_id, source, gate, seq, device_us, kind)  -- a resent event is stored once
    );
    CREATE TABLE annotations (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        after_event INTEGER NOT NULL,         -- the last event id committed before it: where it applies
        created_ns INTEGER NOT NULL,          -- wall clock, Unix ns
        kind TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'       -- JSON
    );
    CREATE INDEX annotations_session ON annotations(session_id, id);
    CREATE TABLE baselines (                  -- where each gate's part of a session began
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        source TEXT NOT NULL,
        gate INTEGER NOT NULL,
        seq INTEGER NOT NULL,                 -- the gate's latest seq when the session first heard it
        PRIMARY KEY (session_id, source, gate)
    );
    """,
    # 2: derived rows, a cache of the facts (monitor/store/summaries.py): dropping them loses nothing
    """
    CREATE INDEX events_session ON events(session_id, id);  -- a session's events and its last one, at once
    CREATE TABLE summaries (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
        last_event_id INTEGER NOT NULL,       -- the facts it was derived from: the session's last event,
        last_annotation_id INTEGER NOT NULL,  -- its last annotation,
        engine_version INTEGER NOT NULL,      -- and the engine that derived it
        events INTEGER NOT NULL,              -- the session's events up to last_event_id
        summary TEXT NOT NULL                 -- JSON of monitor.session.summary.SessionSummary
    );
    CREATE TABLE athlete_summaries (          -- the same summary, a row per athlete, block and course
        session_id INTEGER NOT NULL REFERENCES summaries(session_id) ON DELETE CASCADE,
        athlete TEXT NOT NULL,
        block INTEGER NOT NULL,               -- 1-based, in the session's plan
        course TEXT NOT NULL,
        start TEXT,                           -- block | standing | flying; NULL without a plan
        reps INTEGER NOT NULL,
        best_us INTEGER,
        verdict TEXT,
        high_reps INTEGER NOT NULL,
        high_m REAL NOT NULL,
        PRIMARY KEY (session_id, athlete, block, course)
    );
    """,
    # 3: what the week needs of each summary (monitor/session/week.py): the rep times, the block's plan,
    # CAUTIONs, and the athletes' logs; rows derived without them are dropped, to be derived again
    """
    ALTER TABLE athlete_summaries ADD COLUMN times_us TEXT NOT NULL DEFAULT '[]';  -- valid reps, JSON, in order
    ALTER TABLE athlete_summaries ADD COLUMN planned INTEGER;  -- the block's rep cap; NULL: the stop rule's
    ALTER TABLE athlete_summaries ADD COLUMN caution INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE athlete_summaries ADD COLUMN reason TEXT NOT NULL DEFAULT '';
    CREATE TABLE athlete_logs (               -- each athlete's log of the session (monitor/session/log.py)
        session_id INTEGER NOT NULL REFERENCES summaries(session_id) ON DELETE CASCADE,
        athlete TEXT NOT NULL,
        rpe REAL,
        minutes REAL,
        legs TEXT,
        hr_rest INTEGER,
        note TEXT NOT NULL,
        PRIMARY KEY (session_id, athlete)
    );
    CREATE INDEX sessions_created ON sessions(created_ns);  -- the week reads a range of dates
    DELETE FROM athlete_summaries;
    DELETE FROM summaries;
    """,
    # 4: heart-rate samples (monitor/store/hr.py)
    hr.MIGRATION,
    # 5: what `gates sessions` prints of each session, beside its summary (a row of a few short columns:
    # the summary's JSON is 10 kB a session, its athlete rows 30 a session); the rows derived without it
    # are dropped, to be derived again
    """
    CREATE TABLE session_listings (
        session_id INTEGER PRIMARY KEY REFERENCES summaries(session_id) ON DELETE CASCADE,
        course TEXT,                          -- the session's course as its annotations left it
        athletes TEXT NOT NULL,               -- JSON list: its roster
        sources TEXT NOT NULL,                -- JSON list: where its events came from
        ended_ns INTEGER,                     -- when it ended; NULL: open
        reps INTEGER NOT NULL,                -- the summary's reps that count
        plan TEXT,
        plan_blocks INTEGER NOT NULL,
        verdicts TEXT NOT NULL,               -- JSON object: each athlete's verdict reached
        verdict_line TEXT NOT NULL,           -- the same as `gates sessions` prints it
        blocks_done TEXT                      -- JSON object: each athlete's blocks done; NULL without a plan
    );
    DELETE FROM athlete_logs;
    DELETE FROM athlete_summaries;
    DELETE FROM summaries;
    """,
    # 6: each session's events packed as columns (monitor/store/packs.py), a cache read instead of the rows
    # up to its mark: written when a session ends, is imported or derived; dropping them loses nothing
    """
    CREATE TABLE event_packs (
        session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
        last_event_id INTEGER NOT NULL,       -- it holds the session's events up to this id
        format INTEGER NOT NULL,              -- its layout (packs.FORMAT); a pack of another is not read
        events INTEGER NOT NULL,              -- how many: a pack whose rows the table no longer has is not read
        data BLOB NOT NULL
    );
    """,
)


class StoreError(Exception):
    """The database cannot be used (not a gates store, newer than this program, unreadable)."""


class StoreWriteError(StoreError):
    """The database refused a write for a reason outside the program (disk full, read-only, I/O
    error, locked): a live session can carry on in memory and write later (monitor/pipeline.py)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{reason}: {path}")
        self.path = path
        self.reason = reason


# SQLite's primary result codes for writes the disk or the system refused, in a coach's words
# (https://www.sqlite.org/rescode.html); anything else (a constraint, a bug) is not a write failure.
WRITE_FAILURES = {
    3: "permission denied",  # SQLITE_PERM
    5: "the database is locked by another program",  # SQLITE_BUSY
    6: "the database is locked",  # SQLITE_LOCKED
    8: "the database is read-only",  # SQLITE_READONLY
    10: "disk I/O error",  # SQLITE_IOERR
    13: "disk full",  # SQLITE_FULL
    14: "cannot open the database file",  # SQLITE_CANTOPEN
}


def write_failure(path: Path, err: sqlite3.Error) -> StoreWriteError | None:
    """`err` as a StoreWriteError if the disk or the system refused the write, else None."""
    code = getattr(err, "sqlite_errorcode", None)
    reason = WRITE_FAILURES.get(code & 0xFF) if code is not None else None
    return StoreWriteError(path, reason) if reason else None


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One line of `gates sessions`: what a session was, derived from its rows."""

    id: int
    created_ns: int
    name: str
    events: int
    course: str | None
    athletes: tuple[str, ...]
    sources: tuple[str, ...]
    ended_ns: int | None

    @property
    def ended(self) -> bool:
        return self.ended_ns is not None

    @property
    def demo(self) -> bool:
        return self.name == DEMO


def session_info(sid: int, created_ns: int, name: str, events: int, notes: list[Annotation]) -> SessionInfo:
    """A session's listing line from its row and its annotations (the effective ones count)."""
    return SessionInfo(sid, created_ns, name, events, *listed_facts(notes))


def listed_facts(notes: list[Annotation]) -> tuple[str | None, tuple[str, ...], tuple[str, ...], int | None]:
    """(course, athletes, sources, ended_ns) of a session as its effective annotations leave them."""
    course, athletes, sources, ended = None, (), (), None
    for note in effective(notes):
        if note.kind == COURSE:
            course = note.data["course"]
        elif note.kind == ROSTER:
            athletes = tuple(note.data["athletes"])
        elif note.kind in (START, RESUME):
            sources = tuple(dict.fromkeys((*sources, *note.data.get("sources", ()))))
        elif note.kind == END:
            ended = note.created_ns
    return course, athletes, sources, ended


def default_path(name: str = DB_NAME) -> Path:
    """Where sessions live unless `--db` says otherwise: the user's data directory."""
    import platformdirs  # imported here: only the default path needs it

    return Path(platformdirs.user_data_dir("gates", appauthor=False)) / name


class SessionStore(hr.HrRows):
    """One SQLite file of sessions. A writer per process; any number of `readonly` readers beside it."""

    def __init__(self, path: str | Path, *, readonly: bool = False,
                 migrations: Sequence[str] = MIGRATIONS) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a session database")
        try:
            if readonly:
                if not self.path.is_file():
                    raise StoreError(f"{self.path}: no such session database")
                self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                           isolation_level=None, check_same_thread=False)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 5000")
            self._check(migrations)  # before any write: a database this program cannot use stays as it was
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
                self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate(migrations)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{self.path}: {err}") from None
        except OSError as err:
            raise StoreError(f"{self.path}: {err.strerror or err}") from None

    def _check(self, migrations: Sequence[str]) -> None:
        version = self.schema_version
        if version > len(migrations):
            raise StoreError(f"{self.path}: schema version {version} is newer than this program knows "
                             f"({len(migrations)}); upgrade gates")
        if version == 0 and self._has_foreign_tables():
            raise StoreError(f"{self.path}: not a gates session database")
        if version < len(migrations) and self.readonly:
            raise StoreError(f"{self.path}: schema version {version} needs migrating; open it once for writing")

    def _migrate(self, migrations: Sequence[str]) -> None:
        for number in range(self.schema_version, len(migrations)):
            self._db.execute("BEGIN IMMEDIATE")
            for statement in _statements(migrations[number]):
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {number + 1}")
            self._db.execute("COMMIT")

    def _has_foreign_tables(self) -> bool:
        return self._db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def defer_checkpoints(self) -> None:
        """Stop commits from copying the WAL back into the database themselves (SQLite does that
        every ~1,000 pages, with an fsync: milliseconds on the live path); call `checkpoint` from a
        thread instead."""
        self._db.execute("PRAGMA wal_autocheckpoint = 0")

    def checkpoint(self) -> None:
        """Copy committed pages from the WAL into the database, on a connection of its own so that a
        thread can do it while the writer goes on committing (PASSIVE: it never waits for them)."""
        try:
            db = sqlite3.connect(self.path, isolation_level=None)
            try:
                db.execute("PRAGMA busy_timeout = 5000")
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                db.close()
        except sqlite3.Error as err:
            raise (write_failure(self.path, err) or err) from err

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # sessions ---------------------------------------------------------------------------------

    def start_session(self, *, course: str | None, athletes: Sequence[str] = (),
                      sources: Sequence[str] = (), settings: dict | None = None, name: str = "") -> int:
        """A new session with its first annotations (start, course, roster) in one transaction."""
        with self._transaction():
            session = self._db.execute("INSERT INTO sessions (created_ns, name) VALUES (?, ?)",
                                       (time.time_ns(), name)).lastrowid
            self._annotate(session, START, {"sources": list(sources), "settings": settings or {}})
            if course is not None:
                self._annotate(session, COURSE, {"course": course})
            if athletes:
                self._annotate(session, ROSTER, {"athletes": list(athletes)})
        return session

    def resume_session(self, session: int, *, sources: Sequence[str] = (), settings: dict | None = None) -> None:
        """Mark that a monitor took `session` up again (after a crash or a restart)."""
        self._require_open(session)
        self.annotate(session, RESUME, sources=list(sources), settings=settings or {})

    def end_session(self, session: int) -> None:
        self._require_open(session)
        self.annotate(session, END)

    def latest_unfinished(self) -> int | None:
        """The newest session that was never ended (or whose end was undone): the one a restarted
        monitor should resume."""
        for (sid,) in self._db.execute(  # a session with an END that nothing undid has ended: no need to look
                "SELECT s.id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM annotations a WHERE a.session_id = s.id"
                " AND a.kind = ?) OR EXISTS (SELECT 1 FROM annotations a WHERE a.session_id = s.id AND a.kind = ?)"
                " ORDER BY s.id DESC", (END, UNDO)).fetchall():
            if not any(note.kind == END for note in effective(self.annotations(sid))):
                return sid
        return None

    def session(self, session: int) -> SessionInfo:
        info = self._sessions("WHERE s.id = ?", (session,))
        if not info:
            raise StoreError(f"no session {session} in {self.path}")
        return info[0]

    def session_name(self, session: int) -> str | None:
        """A session's name; None for no such session."""
        row = self._db.execute("SELECT name FROM sessions WHERE id = ?", (session,)).fetchone()
        return None if row is None else row[0]

    def sessions(self) -> list[SessionInfo]:
        """Every session, oldest first."""
        return self._sessions("", ())

    def _sessions(self, where: str, params: tuple) -> list[SessionInfo]:
        rows = self._db.execute(
            "SELECT s.id, s.created_ns, s.name,"
            " (SELECT count(*) FROM events e WHERE e.session_id = s.id)"
            f" FROM sessions s {where} ORDER BY s.id", params).fetchall()
        return [session_info(sid, created, name, events, self.annotations(sid))
                for sid, created, name, events in rows]

    def marks(self) -> list[tuple[int, int, str, int, int]]:
        """(id, created_ns, name, last event id, last annotation id) of every session, oldest first:
        the mark of each session's facts (both ids only ever grow), in one query."""
        return self._db.execute(
            "SELECT s.id, s.created_ns, s.name,"
            " coalesce((SELECT max(e.id) FROM events e WHERE e.session_id = s.id), 0),"
            " coalesce((SELECT max(a.id) FROM annotations a WHERE a.session_id = s.id), 0)"
            " FROM sessions s ORDER BY s.id").fetchall()

    def all_annotations(self) -> dict[int, list[Annotation]]:
        """Every session's annotations (as `annotations` gives them), in one query."""
        out: dict[int, list[Annotation]] = {}
        for aid, sid, after, created, kind, data in self._db.execute(
                "SELECT id, session_id, after_event, created_ns, kind, data FROM annotations ORDER BY id"):
            out.setdefault(sid, []).append(Annotation(aid, sid, after, created, kind, json.loads(data)))
        return out

    def event_count(self, session: int, up_to: int) -> int:
        return self._db.execute("SELECT count(*) FROM events WHERE session_id = ? AND id <= ?",
                                (session, up_to)).fetchone()[0]

    def _require_open(self, session: int) -> None:
        if self.session(session).ended:
            raise StoreError(f"session {session} has ended")

    # events -----------------------------------------------------------------------------------

    def append(self, session: int, source: str, events: Iterable[GateEvent]) -> list[StoredEvent]:
        """Commit `events` and return those that were new (a resent duplicate is stored once).

        The commit has happened when this returns: only then may the caller show or analyse them.
        """
        stored: list[StoredEvent] = []
        with self._transaction():
            execute = self._db.execute
            for ev in events:
                cur = execute(_INSERT_EVENT, _event_values(session, source, ev))
                if cur.rowcount:
                    stored.append(StoredEvent(cur.lastrowid, source, ev))
        return stored

    def events(self, session: int, after: int = 0, source: str | None = None,
               kinds: Iterable[Kind] | None = None, *, until: int | None = None,
               raw: bool = True, packed: bool = True) -> Iterator[StoredEvent]:
        """Stored events in arrival order, from store id `after` on (exclusive) up to `until`
        (inclusive); only `kinds`, if given; without their bytes unless `raw` (the engine never reads them).

        A session is thousands of rows, and reading them back is what review, export and re-derivation
        wait on: its pack (monitor/store/packs.py) gives the events up to its mark, the rows after it
        come from the table; `packed=False` reads only the rows (what a pack is checked against)."""
        values = None if kinds is None else frozenset(k.value for k in kinds)
        pack = self._served(session) if packed and (until is None or until > after) else None
        got = None
        if pack is not None and after < pack[1]:
            from monitor.store import packs

            got = packs.read(pack[3], session, pack[1], pack[2], after=after, until=until, source=source,
                             kinds=values, raw=raw)
        if got is None:
            return self._rows(session, after, source, values, until, raw)
        if pack[4] == pack[1] or (until is not None and until <= pack[1]):  # no row after the pack's mark
            return iter(got)
        return itertools.chain(got, self._rows(session, pack[1], source, values, until, raw))

    def _rows(self, session: int, after: int, source: str | None, kinds: frozenset[str] | None, until: int | None,
              raw: bool) -> Iterator[StoredEvent]:
        """`events` read from the table's rows, fetched in blocks, each block turned into events by one
        comprehension."""
        query = ("SELECT id, source, gate, seq, device_us, host_ns, kind, start_number, channel, flag"
                 f"{', raw' if raw else ''} FROM events WHERE session_id = ? AND id > ?")
        params: tuple = (session, after)
        if until is not None:
            query += " AND id <= ?"
            params += (until,)
        if source is not None:
            query += " AND source = ?"
            params += (source,)
        if kinds is not None:
            values = sorted(kinds)
            query += f" AND kind IN ({', '.join('?' * len(values))})"
            params += tuple(values)
        cursor = self._db.execute(query + " ORDER BY id", params)
        cursor.arraysize = _FETCH_ROWS
        kind_of, stored_event, gate_event = _KIND_OF, StoredEvent, GateEvent
        if raw:
            while rows := cursor.fetchmany():
                yield from [stored_event(eid, src, gate_event(gate, seq, device_us, host_ns, kind_of[kind],
                                                              start_number, channel, flag, data))
                            for eid, src, gate, seq, device_us, host_ns, kind, start_number, channel, flag, data in rows]
            return
        while rows := cursor.fetchmany():
            yield from [stored_event(eid, src, gate_event(gate, seq, device_us, host_ns, kind_of[kind], start_number,
                                                          channel, flag))
                        for eid, src, gate, seq, device_us, host_ns, kind, start_number, channel, flag in rows]

    # event packs ------------------------------------------------------------------------------
    # A cache of the events (monitor/store/packs.py): never read unless the table still has its rows.

    def served_pack(self, session: int) -> tuple[int, int, int, bytes] | None:
        """(format, last event id, events, data) of the session's pack, if it is of this program's format
        and the events table still holds that many rows up to its last id: the pack `events` reads."""
        served = self._served(session)
        return None if served is None else served[:4]

    def _served(self, session: int) -> tuple[int, int, int, bytes, int] | None:
        """`served_pack` and the session's last event id, in one query."""
        row = self._db.execute(
            "SELECT p.format, p.last_event_id, p.events, p.data,"
            " (SELECT count(*) FROM events e WHERE e.session_id = p.session_id AND e.id <= p.last_event_id),"
            " (SELECT max(e.id) FROM events e WHERE e.session_id = p.session_id)"
            " FROM event_packs p WHERE p.session_id = ?", (session,)).fetchone()
        if row is None or row[4] != row[2]:
            return None
        from monitor.store import packs

        return (*row[:4], row[5]) if row[0] == packs.FORMAT else None

    def write_pack(self, session: int) -> bool:
        """Pack the session's events as they stand, replacing its pack (whether one was written: a
        session without events, or with a row a pack cannot hold, is read from its rows)."""
        from monitor.store import packs

        rows = self._db.execute(PACK_ROWS, (session,)).fetchall()
        data = packs.pack(session, rows)
        if data is not None:
            with self._transaction():
                self._db.execute("INSERT OR REPLACE INTO event_packs (session_id, last_event_id, format, events, data)"
                                 " VALUES (?, ?, ?, ?, ?)", (session, rows[-1][0], packs.FORMAT, len(rows), data))
        return data is not None

    def keep_pack(self, session: int) -> None:
        """Pack the session unless its pack already holds every event it has; nothing on a read-only store,
        nor when the disk refuses (a cache: the rows are read instead)."""
        if self.readonly:
            return
        from monitor.store import packs

        if self._db.execute("SELECT format, last_event_id FROM event_packs WHERE session_id = ?",
                            (session,)).fetchone() != (packs.FORMAT, self.last_event_id(session)):
            with contextlib.suppress(StoreWriteError):
                self.write_pack(session)

    def drop_packs(self) -> int:
        """Forget every pack (the events stay): how many there were."""
        with self._transaction():
            return self._db.execute("DELETE FROM event_packs").rowcount

    def seen_seqs(self, session: int, source: str) -> list[tuple[int, int]]:
        """(gate, seq) of every stored event of one source, in arrival order: where a resumed source
        must ask its gates to resend from."""
        return self._db.execute("SELECT gate, seq FROM events WHERE session_id = ? AND source = ? ORDER BY id",
                                (session, source)).fetchall()

    def set_baseline(self, session: int, source: str, gate: int, seq: int) -> None:
        """The first heartbeat of a gate in a session: its events up to `seq` are older than the
        session, later ones belong to it (kept once; the first word counts)."""
        with self._transaction():
            self._db.execute("INSERT OR IGNORE INTO baselines (session_id, source, gate, seq) VALUES (?, ?, ?, ?)",
                             (session, source, gate, seq))

    def baselines(self, session: int, source: str) -> list[tuple[int, int]]:
        return self._db.execute("SELECT gate, seq FROM baselines WHERE session_id = ? AND source = ? ORDER BY gate",
                                (session, source)).fetchall()

    def all_baselines(self, session: int) -> list[tuple[str, int, int]]:
        """(source, gate, seq) of every gate the session heard: what an export carries."""
        return self._db.execute("SELECT source, gate, seq FROM baselines WHERE session_id = ? ORDER BY source, gate",
                                (session,)).fetchall()

    def last_event_id(self, session: int) -> int:
        row = self._db.execute("SELECT max(id) FROM events WHERE session_id = ?", (session,)).fetchone()
        return row[0] or 0

    def next_ids(self) -> tuple[int, int]:
        """The ids the next event and the next annotation will get: what events and decisions kept in
        memory while the disk refuses writes are numbered by, so that they keep them once written."""
        events = self._db.execute("SELECT max(id) FROM events").fetchone()[0] or 0
        notes = self._db.execute("SELECT max(id) FROM annotations").fetchone()[0] or 0
        return events + 1, notes + 1

    def stored_keys(self, session: int, source: str, events: Iterable[GateEvent]) -> set[tuple]:
        """Which of `events` are already stored, as (gate, seq, device_us, kind): a resent event
        kept in memory must not be shown twice either."""
        found = set()
        for ev in events:
            key = (ev.gate, ev.seq, ev.device_us, ev.kind.value)
            if self._db.execute("SELECT 1 FROM events WHERE session_id = ? AND source = ? AND gate = ? AND seq = ?"
                                " AND device_us = ? AND kind = ?", (session, source, *key)).fetchone():
                found.add(key)
        return found

    def write_backlog(self, session: int, items: Sequence[StoredEvent | Annotation | tuple[str, int, int]]) -> None:
        """Write what was kept in memory while the disk refused writes, in the order it happened, in one
        transaction: all of it is stored, or none. An item is a StoredEvent, an Annotation, or a
        baseline (source, gate, seq). Items keep the ids they were given (`next_ids`), moved up
        together if another program took those ids meanwhile, so their order stays what was shown."""
        events = [i.id for i in items if isinstance(i, StoredEvent)]
        notes = [i.id for i in items if isinstance(i, Annotation)]
        with self._transaction():
            next_event, next_note = self.next_ids()
            first_event, first_note = min(events, default=next_event), min(notes, default=next_note)
            shift_event, shift_note = max(0, next_event - first_event), max(0, next_note - first_note)
            execute = self._db.execute
            for item in items:
                if isinstance(item, StoredEvent):
                    ev = item.event
                    execute("INSERT INTO events (id, session_id, source, gate, seq, device_us, host_ns, kind,"
                            " start_number, channel, flag, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (item.id + shift_event, session, item.source, ev.gate, ev.seq, ev.device_us, ev.host_ns,
                             ev.kind.value, ev.start_number, ev.channel, ev.flag, ev.raw))
                elif isinstance(item, Annotation):
                    data = item.data
                    if item.kind == UNDO and data["annotation"] >= first_note:
                        data = {**data, "annotation": data["annotation"] + shift_note}
                    after = item.after_event + (shift_event if item.after_event >= first_event else 0)
                    execute("INSERT INTO annotations (id, session_id, after_event, created_ns, kind, data)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            (item.id + shift_note, session, after, item.created_ns, item.kind, _json(data)))
                else:
                    execute("INSERT OR IGNORE INTO baselines (session_id, source, gate, seq) VALUES (?, ?, ?, ?)",
                            (session, *item))

    # annotations ------------------------------------------------------------------------------

    def annotate(self, session: int, kind: str, **data: object) -> Annotation:
        """Record a decision as a new row; it applies from the events committed so far on. An END packs
        the session's events, once the END is committed."""
        with self._transaction():
            note = self._annotate(session, kind, data)
        if kind == END:
            self.keep_pack(session)
        return note

    def _annotate(self, session: int, kind: str, data: dict) -> Annotation:
        if kind not in KINDS:
            raise ValueError(f"unknown annotation kind {kind!r}")
        after = self.last_event_id(session)
        created = time.time_ns()
        text = _json(data)
        aid = self._db.execute(_INSERT_NOTE, (session, after, created, kind, text)).lastrowid
        return Annotation(aid, session, after, created, kind, json.loads(text))

    def annotations(self, session: int) -> list[Annotation]:
        """Every annotation of a session in the order taken (an UNDO and its target included)."""
        rows = self._db.execute(
            "SELECT id, session_id, after_event, created_ns, kind, data FROM annotations"
            " WHERE session_id = ? ORDER BY id", (session,)).fetchall()
        return [Annotation(aid, sid, after, created, kind, json.loads(data))
                for aid, sid, after, created, kind, data in rows]

    # derived rows -----------------------------------------------------------------------------
    # A cache of the facts (monitor/store/summaries.py says what is in it): never read without its mark.

    def summary_rows(self) -> dict[int, tuple[int, int, int, int, str]]:
        """session -> (last event id, last annotation id, engine version, events, summary JSON)."""
        return {sid: tuple(rest) for sid, *rest in self._db.execute(
            "SELECT session_id, last_event_id, last_annotation_id, engine_version, events, summary FROM summaries")}

    def put_summaries(self, rows: Sequence[tuple[int, int, int, int, int, str, Sequence[tuple], Sequence[tuple],
                                                 tuple]]) -> None:
        """Keep derived rows: (session, last event id, last annotation id, engine version, events, summary
        JSON, athlete rows (athlete, block, course, start, reps, best_us, verdict, high_reps, high_m,
        times_us JSON, planned, caution, reason), log rows (athlete, rpe, minutes, legs, hr_rest, note),
        its listing (the columns of session_listings after session_id)), in one transaction; each
        replaces what the session had."""
        with self._transaction():
            execute = self._db.execute
            for sid, last_event, last_note, engine, events, summary, athletes, logs, listed in rows:
                execute("DELETE FROM athlete_summaries WHERE session_id = ?", (sid,))
                execute("DELETE FROM athlete_logs WHERE session_id = ?", (sid,))
                execute("DELETE FROM session_listings WHERE session_id = ?", (sid,))
                execute("INSERT OR REPLACE INTO summaries (session_id, last_event_id, last_annotation_id,"
                        " engine_version, events, summary) VALUES (?, ?, ?, ?, ?, ?)",
                        (sid, last_event, last_note, engine, events, summary))
                self._db.executemany("INSERT INTO athlete_summaries (session_id, athlete, block, course, start,"
                                     " reps, best_us, verdict, high_reps, high_m, times_us, planned, caution, reason)"
                                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                     [(sid, *row) for row in athletes])
                self._db.executemany("INSERT INTO athlete_logs (session_id, athlete, rpe, minutes, legs, hr_rest,"
                                     " note) VALUES (?, ?, ?, ?, ?, ?, ?)", [(sid, *row) for row in logs])
                execute("INSERT INTO session_listings (session_id, course, athletes, sources, ended_ns, reps, plan,"
                        " plan_blocks, verdicts, verdict_line, blocks_done) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (sid, *listed))

    def athlete_rows(self) -> dict[int, tuple[list[tuple], list[tuple]]]:
        """session -> (its athlete rows, its log rows), each as `put_summaries` takes them, in the order kept."""
        out: dict[int, tuple[list[tuple], list[tuple]]] = {}
        for sid, *rest in self._db.execute(
                "SELECT session_id, athlete, block, course, start, reps, best_us, verdict, high_reps, high_m,"
                " times_us, planned, caution, reason FROM athlete_summaries ORDER BY session_id, rowid"):
            out.setdefault(sid, ([], []))[0].append(tuple(rest))
        for sid, *rest in self._db.execute("SELECT session_id, athlete, rpe, minutes, legs, hr_rest, note"
                                           " FROM athlete_logs ORDER BY session_id, rowid"):
            out.setdefault(sid, ([], []))[1].append(tuple(rest))
        return out

    def summary_marks(self) -> dict[int, tuple[int, int, int]]:
        """session -> (last event id, last annotation id, engine version) of its derived row: which are
        fresh, without reading the rows."""
        return {sid: (event, note, engine) for sid, event, note, engine in self._db.execute(
            "SELECT session_id, last_event_id, last_annotation_id, engine_version FROM summaries")}

    def athlete_summaries_since(self, since_ns: int, demo: bool, skip: str = "[]") -> Iterator[tuple]:
        """(session, created_ns, name, its athlete rows, its log rows) of the sessions from `since_ns` on
        (demo sessions, or the others; not those in `skip`, a JSON list of ids), oldest first. Each
        session's rows come as one JSON array (of arrays, as `put_summaries` takes the rows, times_us
        decoded), built by SQLite: one decode per session, not one per row."""
        for sid, created, name, athlete_rows, log_rows in self._db.execute(
                "SELECT s.id, s.created_ns, s.name,"
                " (SELECT json_group_array(json_array(a.athlete, a.block, a.course, a.start, a.reps, a.best_us,"
                " a.verdict, a.high_reps, a.high_m, json(a.times_us), a.planned, a.caution, a.reason))"
                " FROM (SELECT * FROM athlete_summaries WHERE session_id = s.id ORDER BY rowid) a),"
                " (SELECT json_group_array(json_array(l.athlete, l.rpe, l.minutes, l.legs, l.hr_rest, l.note))"
                " FROM (SELECT * FROM athlete_logs WHERE session_id = s.id ORDER BY rowid) l) FROM sessions s"
                " WHERE s.created_ns >= ? AND (s.name = ?) = ? AND s.id NOT IN (SELECT value FROM json_each(?))"
                " AND s.id IN (SELECT session_id FROM summaries) ORDER BY s.created_ns, s.id",
                (since_ns, DEMO, demo, skip)):
            yield sid, created, name, json.loads(athlete_rows), json.loads(log_rows)

    def bests_before(self, before_ns: int, demo: bool, skip: str = "[]") -> dict[tuple[str, str, str | None], int]:
        """(athlete, course, start) -> the best of the derived rows of the sessions before `before_ns`."""
        return {(athlete, course, start): best for athlete, course, start, best in self._db.execute(
            "SELECT a.athlete, a.course, a.start, min(a.best_us) FROM sessions s"
            " JOIN athlete_summaries a ON a.session_id = s.id"
            " WHERE s.created_ns < ? AND (s.name = ?) = ? AND a.best_us IS NOT NULL"
            " AND s.id NOT IN (SELECT value FROM json_each(?)) GROUP BY 1, 2, 3", (before_ns, DEMO, demo, skip))}

    def named_athletes(self) -> set[str]:
        """Every athlete any session's annotations name (rosters, the athletes sent, added, reassigned, logged):
        who an `--athlete` may be, known without deriving anything."""
        return {name for (name,) in self._db.execute(
            "SELECT j.value FROM annotations a, json_each(a.data, '$.athletes') j WHERE a.kind = ?"
            " UNION SELECT json_extract(data, '$.athlete') FROM annotations WHERE kind IN (?, ?, ?, ?, ?)",
            (ROSTER, "next_up", "out_of_turn", "add_athlete", "reassign", "log")) if isinstance(name, str)}

    def listings(self) -> list[tuple]:
        """(session, created_ns, name, events, then the columns of session_listings after session_id) of
        every session with a derived row, oldest first: what `gates sessions` prints, in one query over
        short rows (no summary JSON, no athlete row, no annotation read)."""
        return self._db.execute(
            "SELECT s.id, s.created_ns, s.name, m.events, l.course, l.athletes, l.sources, l.ended_ns, l.reps,"
            " l.plan, l.plan_blocks, l.verdicts, l.verdict_line, l.blocks_done FROM sessions s"
            " JOIN summaries m ON m.session_id = s.id JOIN session_listings l ON l.session_id = s.id"
            " ORDER BY s.id").fetchall()

    def listing_rows(self) -> dict[int, tuple]:
        """session -> its listing row, as `put_summaries` takes it."""
        return {sid: tuple(rest) for sid, *rest in self._db.execute(
            "SELECT session_id, course, athletes, sources, ended_ns, reps, plan, plan_blocks, verdicts, verdict_line,"
            " blocks_done FROM session_listings")}

    def best_rows(self, until: int, *, skip: int | None, demo: bool, since_ns: int | None,
                  unkept: Iterable[int] = ()) -> list[tuple[str, str, str | None, int]]:
        """(athlete, course label, start, best µs) over the derived rows of the sessions up to id `until`
        (not `skip`, nor those in `unkept`), demo ones or the others, started at `since_ns` or later: the
        personal bests, as one aggregate."""
        return self._db.execute(
            "SELECT a.athlete, a.course, a.start, min(a.best_us) FROM athlete_summaries a"
            " JOIN sessions s ON s.id = a.session_id WHERE s.id <= ? AND s.id != ? AND (s.name = ?) = ?"
            " AND s.created_ns >= ? AND a.best_us IS NOT NULL AND s.id NOT IN (SELECT value FROM json_each(?))"
            " GROUP BY a.athlete, a.course, a.start",
            (until, -1 if skip is None else skip, DEMO, demo, -(2**63) if since_ns is None else since_ns,
             json.dumps(sorted(unkept)))).fetchall()

    def drop_summaries(self) -> int:
        """Forget every derived row (the facts stay): how many sessions had one."""
        with self._transaction():
            self._db.execute("DELETE FROM athlete_logs")
            self._db.execute("DELETE FROM athlete_summaries")
            self._db.execute("DELETE FROM session_listings")
            return self._db.execute("DELETE FROM summaries").rowcount

    # import -----------------------------------------------------------------------------------

    def import_session(self, *, created_ns: int, name: str, events: Sequence[StoredEvent],
                       annotations: Sequence[Annotation], baselines: Iterable[tuple[str, int, int]],
                       hr_rows: Sequence[hr.Row] = ()) -> int:
        """Another store's session as a new session here, in one transaction (all or nothing).

        Ids are this store's own, so each annotation's `after_event` and each UNDO's target are
        mapped to the new ids; the events keep their order and every annotation applies where it did.
        Events must be in id order, and every reference must name a row given here (else StoreError).
        """
        with self._transaction():
            session = self._db.execute("INSERT INTO sessions (created_ns, name) VALUES (?, ?)",
                                       (created_ns, name)).lastrowid
            event_ids = {0: 0}  # after_event 0: before the session's first event
            last = 0
            for stored in events:
                if stored.id <= last:
                    raise StoreError(f"event {stored.id} is out of order or given twice")
                last = stored.id
                cur = self._db.execute(_INSERT_EVENT, _event_values(session, stored.source, stored.event))
                if not cur.rowcount:
                    raise StoreError(f"event {stored.id} repeats an earlier event")
                event_ids[stored.id] = cur.lastrowid
            note_ids: dict[int, int] = {}
            last = 0
            for note in annotations:
                if note.id <= last:
                    raise StoreError(f"annotation {note.id} is out of order or given twice")
                last = note.id
                if note.kind not in KINDS:
                    raise StoreError(f"annotation {note.id}: unknown kind {note.kind!r}")
                if note.after_event not in event_ids:
                    raise StoreError(f"annotation {note.id} applies after event {note.after_event}, which is not given")
                data = note.data
                if note.kind == UNDO:
                    if data.get("annotation") not in note_ids:
                        raise StoreError(f"annotation {note.id} undoes {data.get('annotation')!r}, "
                                         "which is not an earlier annotation given")
                    data = {**data, "annotation": note_ids[data["annotation"]]}
                note_ids[note.id] = self._db.execute(
                    _INSERT_NOTE, (session, event_ids[note.after_event], note.created_ns, note.kind, _json(data))
                ).lastrowid
            for source, gate, seq in baselines:
                self._db.execute("INSERT OR IGNORE INTO baselines (session_id, source, gate, seq) VALUES (?, ?, ?, ?)",
                                 (session, source, gate, seq))
            self._insert_hr(session, hr_rows)
            self.write_pack(session)
        return session

    # ------------------------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        if self.readonly:
            raise StoreError(f"{self.path} is open read-only")
        return _Transaction(self._db, self.path)


_KIND_OF = {k.value: k for k in Kind}
_FETCH_ROWS = 4096

PACK_ROWS = ("SELECT id, source, gate, seq, device_us, host_ns, kind, start_number, channel, flag, raw FROM events"
             " WHERE session_id = ? ORDER BY id")  # a session's rows as `packs.pack` takes them
_INSERT_EVENT = ("INSERT OR IGNORE INTO events (session_id, source, gate, seq, device_us, host_ns, kind,"
                 " start_number, channel, flag, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_NOTE = "INSERT INTO annotations (session_id, after_event, created_ns, kind, data) VALUES (?, ?, ?, ?, ?)"


def _event_values(session: int, source: str, ev: GateEvent) -> tuple:
    return (session, source, ev.gate, ev.seq, ev.device_us, ev.host_ns, ev.kind.value, ev.start_number, ev.channel,
            ev.flag, ev.raw)


def _json(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def files(path: Path) -> tuple[Path, ...]:
    """A database's file and the WAL files SQLite keeps beside it."""
    return path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), reentrant-safe for one connection. A write the
    disk refused raises StoreWriteError; SQLite may have rolled the transaction back itself then
    (https://www.sqlite.org/lang_transaction.html, "Response To Errors Within A Transaction")."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path
        self._outer = False

    def __enter__(self) -> None:
        if not self._db.in_transaction:
            self._execute("BEGIN IMMEDIATE")
            self._outer = True

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._outer and exc_type is None:
            self._execute("COMMIT")
            return
        if self._outer:
            self._rollback()
        if isinstance(exc, sqlite3.Error) and (failure := write_failure(self._path, exc)) is not None:
            raise failure from exc

    def _execute(self, statement: str) -> None:
        try:
            self._db.execute(statement)
        except sqlite3.Error as err:
            self._rollback()
            raise (write_failure(self._path, err) or err) from err

    def _rollback(self) -> None:
        """Undo what is left of a failed transaction; the failure, not a failing rollback, is the news."""
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements, so that they run inside one transaction."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    if buffer.strip():
        yield buffer.strip()
