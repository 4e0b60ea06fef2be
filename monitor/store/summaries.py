"""Derived rows: each session's summary (monitor/session/summary.py) kept in the store, a cache of its facts.

A row is keyed by the mark of the facts it was derived from (the session's last event id and last
annotation id, which only ever grow) and the engine's version; a session whose mark or engine changed
is derived again, once, and its row replaced. The events and annotations stay the only truth:
dropping every row (`gates db rebuild`) and deriving again gives the same rows, byte for byte.

A read-only store is served the same way, derived in memory where a row is missing or stale; only a
writable store keeps what it derived. A derivation reads only the events the engine acts on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from monitor.session import facts
from monitor.session.model import DRIVING_KINDS, ENGINE_VERSION, SessionModel
from monitor.session.summary import SessionSummary, summarize
from monitor.store import db as st

KEEP_EVERY = 25  # derived rows are committed in groups this big: a long rebuild keeps what it did
Progress = Callable[[int, int], None]  # (sessions derived so far, sessions to derive)


@dataclass(frozen=True, slots=True)
class Summarized:
    info: st.SessionInfo
    summary: SessionSummary
    derived: bool  # derived just now (its row was missing or stale), not read from the store


def summarized(store: st.SessionStore, *, until: int | None = None,
               progress: Progress | None = None) -> Iterator[Summarized]:
    """Every session (up to id `until`), oldest first, with its summary as its facts stand now."""
    marks = [m for m in store.marks() if until is None or m[0] <= until]
    rows = store.summary_rows()
    notes = store.all_annotations()
    stale = sum(not _matches(rows.get(m[0]), m) for m in marks)
    done = 0
    pending: list[tuple] = []
    try:
        for sid, created, name, last_event, last_note in marks:
            session_notes = [n for n in notes.get(sid, ()) if n.id <= last_note]
            cached = rows.get(sid)
            if _matches(cached, (sid, created, name, last_event, last_note)):
                events, summary = cached[3], SessionSummary.from_json(json.loads(cached[4]))
                yield Summarized(st.session_info(sid, created, name, events, session_notes), summary, False)
                continue
            summary = summarize(derive(store, sid, last_event, session_notes))
            events = store.event_count(sid, last_event)
            pending.append(row(sid, last_event, last_note, events, summary))
            done += 1
            if progress is not None:
                progress(done, stale)
            if len(pending) >= KEEP_EVERY:
                _keep(store, pending)
            yield Summarized(st.session_info(sid, created, name, events, session_notes), summary, True)
    finally:
        _keep(store, pending)


def derive(store: st.SessionStore, session: int, last_event: int, notes: list[facts.Annotation]) -> SessionModel:
    """The session as of its mark, for its summary (no PBs: a summary depends on its own facts only)."""
    events = (e for e in store.events(session, kinds=DRIVING_KINDS) if e.id <= last_event)
    return SessionModel.derive(events, notes, profiles=False)


def row(sid: int, last_event: int, last_note: int, events: int, summary: SessionSummary) -> tuple:
    """The derived rows of one session, as `SessionStore.put_summaries` takes them."""
    athletes = [(a.athlete, a.block, a.course, a.start, a.reps, a.best_us, a.verdict, a.high_reps, a.high_m)
                for a in summary.athletes]
    return (sid, last_event, last_note, ENGINE_VERSION, events, _dumps(summary.as_json()), athletes)


def _matches(cached: tuple | None, mark: tuple) -> bool:
    """A stored row derived from the session's facts as they stand (`mark`) by this engine."""
    return cached is not None and cached[:3] == (mark[3], mark[4], ENGINE_VERSION)


def _keep(store: st.SessionStore, pending: list[tuple]) -> None:
    """Store what was derived, if the store takes writes; a cache the disk refuses is derived next time."""
    if pending and not store.readonly:
        try:
            store.put_summaries(pending)
        except st.StoreWriteError:
            pass
    pending.clear()


def _dumps(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)
