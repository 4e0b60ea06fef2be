"""Derived rows: each session's summary (monitor/session/summary.py) kept in the store, a cache of its facts.

A row is keyed by the mark of the facts it was derived from (the session's last event id and last
annotation id, which only ever grow) and the engine's version; a session whose mark or engine changed
is derived again, once, and its row replaced. The events and annotations stay the only truth:
dropping every row (`gates db rebuild`) and deriving again gives the same rows, byte for byte.

A read-only store is served the same way, derived in memory where a row is missing or stale; only a
writable store keeps what it derived. A derivation reads only the events the engine acts on, from the
session's event pack (monitor/store/packs.py), which a writable store packs first if it has none.

What reads many sessions reads the rows, not the JSON: `refresh` brings every row up to date from
the marks alone (no row is read to know it is fresh), then `gates sessions` reads its lines from the
listing rows kept beside each summary (`listing`: one query, a few short columns a session), and
personal bests are one `min() … GROUP BY` over the athlete rows (monitor/store/history.py). The
week reads the athlete rows too (monitor/store/week_rows.py). Reading fresh rows loads neither the
engine nor the summary's code: `gates sessions` on years of history starts as fast as on none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.session.version import ENGINE_VERSION
from monitor.store import db as st

if TYPE_CHECKING:  # loaded by the first derivation (or the first summary decoded), not to read rows
    from monitor.session import facts
    from monitor.session.model import SessionModel
    from monitor.session.summary import SessionSummary

KEEP_EVERY = 25  # derived rows are committed in groups this big: a long rebuild keeps what it did
Progress = Callable[[int, int], None]  # (sessions derived so far, sessions to derive)
Unkept = dict[int, tuple[st.SessionInfo, "SessionSummary"]]  # session -> (what it is, its summary)


@dataclass(frozen=True, slots=True)
class Summarized:
    info: st.SessionInfo
    summary: SessionSummary
    derived: bool  # derived just now (its row was missing or stale), not read from the store


def summarized(store: st.SessionStore, *, until: int | None = None,
               progress: Progress | None = None) -> Iterator[Summarized]:
    """Every session (up to id `until`), oldest first, with its summary as its facts stand now."""
    from monitor.session.summary import SessionSummary

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
            store.keep_pack(sid)
            summary = summary_of(store, sid, last_event, session_notes)
            info = st.session_info(sid, created, name, store.event_count(sid, last_event), session_notes)
            pending.append(row(info, last_event, last_note, summary))
            done += 1
            if progress is not None:
                progress(done, stale)
            if len(pending) >= KEEP_EVERY:
                _keep(store, pending)
            yield Summarized(info, summary, True)
    finally:
        _keep(store, pending)


def refresh(store: st.SessionStore, *, until: int | None = None, progress: Progress | None = None) -> Unkept:
    """Derive every session (up to id `until`) whose row is missing or stale, and keep it; which rows are
    fresh is known from the marks alone. Returns what could not be kept (a read-only store, a disk that
    refused), derived in memory: those sessions' stale rows (if any) must give way to it."""
    kept = store.summary_marks()
    stale = [m for m in store.marks()
             if (until is None or m[0] <= until) and kept.get(m[0]) != (m[3], m[4], ENGINE_VERSION)]
    unkept: Unkept = {}
    waiting: Unkept = {}
    pending: list[tuple] = []
    for done, (sid, created, name, last_event, last_note) in enumerate(stale, 1):
        notes = [n for n in store.annotations(sid) if n.id <= last_note]
        store.keep_pack(sid)
        summary = summary_of(store, sid, last_event, notes)
        info = st.session_info(sid, created, name, store.event_count(sid, last_event), notes)
        waiting[sid] = (info, summary)
        pending.append(row(info, last_event, last_note, summary))
        if progress is not None:
            progress(done, len(stale))
        if len(pending) >= KEEP_EVERY or done == len(stale):
            if not _keep(store, pending):
                unkept.update(waiting)
            waiting.clear()
    return unkept


@dataclass(frozen=True, slots=True)
class Listed:
    """What `gates sessions` prints of one session."""

    info: st.SessionInfo
    reps: int
    plan: str | None
    plan_blocks: int
    verdicts: dict[str, str | None]  # each athlete's verdict reached (SessionSummary.verdicts)
    verdict_line: str  # the same, as a line (SessionSummary.verdict_line)
    blocks_done: dict[str, int] | None  # with a plan: each athlete's blocks with a valid rep (SessionSummary.blocks_done)


def listing(store: st.SessionStore, *, progress: Progress | None = None) -> Iterator[Listed]:
    """Every session, oldest first, as `gates sessions` prints it: its rows brought up to date, then read
    in one query (what could not be kept, from its summary in memory)."""
    unkept = refresh(store, progress=progress)
    loads, info_of, listed = json.loads, st.SessionInfo, Listed
    for (sid, created, name, events, course, athletes, sources, ended, reps, plan, plan_blocks, verdicts, line,
         blocks) in store.listings():
        while unkept and min(unkept) < sid:
            yield _unkept(unkept.pop(min(unkept)))
        if sid in unkept:
            yield _unkept(unkept.pop(sid))
            continue
        yield listed(info_of(sid, created, name, events, course, tuple(loads(athletes)), tuple(loads(sources)), ended),
                     reps, plan, plan_blocks, loads(verdicts), line, None if blocks is None else loads(blocks))
    for sid in sorted(unkept):
        yield _unkept(unkept[sid])


def _unkept(derived: tuple[st.SessionInfo, SessionSummary]) -> Listed:
    info, summary = derived
    return Listed(info, summary.reps, summary.plan, summary.plan_blocks, summary.verdicts(), summary.verdict_line(),
                  None if summary.plan is None else summary.blocks_done())


def derive(store: st.SessionStore, session: int, last_event: int, notes: list[facts.Annotation]) -> SessionModel:
    """The session as of its mark, for its summary (no PBs: a summary depends on its own facts only). The
    engine is loaded here, by the first derivation: reading fresh rows needs none of it."""
    from monitor.session.model import DRIVING_KINDS, SessionModel

    events = store.events(session, kinds=DRIVING_KINDS, until=last_event, raw=False)
    return SessionModel.derive(events, notes, profiles=False)


def summary_of(store: st.SessionStore, session: int, last_event: int, notes: list[facts.Annotation]) -> SessionSummary:
    """The summary of a session as of its mark (`notes`: its annotations up to the mark), logs included."""
    from monitor.session import log as athlete_log
    from monitor.session.summary import summarize

    return summarize(derive(store, session, last_event, notes), athlete_log.entries(notes))


def row(info: st.SessionInfo, last_event: int, last_note: int, summary: SessionSummary) -> tuple:
    """The derived rows of one session (`info`: what it is as of its mark), as `SessionStore.put_summaries`
    takes them."""
    athletes = [(a.athlete, a.block, a.course, a.start, a.reps, a.best_us, a.verdict, a.high_reps, a.high_m,
                 json.dumps(list(a.times_us)), a.planned, int(a.caution), a.reason) for a in summary.athletes]
    logs = [(e.athlete, e.rpe, e.minutes, e.legs, e.hr_rest, e.note) for e in summary.logs]
    listed = (info.course, json.dumps(list(info.athletes)), json.dumps(list(info.sources)), info.ended_ns, summary.reps,
              summary.plan, summary.plan_blocks, json.dumps(summary.verdicts()), summary.verdict_line(),
              None if summary.plan is None else json.dumps(summary.blocks_done()))
    return (info.id, last_event, last_note, ENGINE_VERSION, info.events, _dumps(summary.as_json()), athletes, logs,
            listed)


def _matches(cached: tuple | None, mark: tuple) -> bool:
    """A stored row derived from the session's facts as they stand (`mark`) by this engine."""
    return cached is not None and cached[:3] == (mark[3], mark[4], ENGINE_VERSION)


def _keep(store: st.SessionStore, pending: list[tuple]) -> bool:
    """Store what was derived, if the store takes writes (whether it did); a cache the disk refuses is
    derived next time."""
    kept = not store.readonly
    if pending and kept:
        try:
            store.put_summaries(pending)
        except st.StoreWriteError:
            kept = False
    pending.clear()
    return kept


def _dumps(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)
