"""Derived rows: each session's summary (monitor/session/summary.py) kept in the store, a cache of its facts.

A row is keyed by the mark of the facts it was derived from (the session's last event id and last
annotation id, which only ever grow) and the engine's version; a session whose mark or engine changed
is derived again, once, and its row replaced. The events and annotations stay the only truth:
dropping every row (`gates db rebuild`) and deriving again gives the same rows, byte for byte.

A read-only store is served the same way, derived in memory where a row is missing or stale; only a
writable store keeps what it derived. A derivation reads only the events the engine acts on.

What reads many sessions reads the rows, not the JSON: `refresh` brings every row up to date from
the marks alone (no row is read to know it is fresh), then `gates sessions` reads its lines from the
athlete rows and a few fields SQLite extracts (`listing`), and personal bests are one `min() … GROUP
BY` over the athlete rows (monitor/store/history.py).

The week (monitor/session/week.py) reads the athlete rows, not the JSON: `WeekRows` brings every row up
to date the same way, then reads only the sessions of
the weeks asked for (a range on their dates) and, for the personal bests before them, one
`min() … GROUP BY` over the kept bests. Demo sessions (simulated athletes) count among themselves
only: a database with a real session shows real sessions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.session import facts
from monitor.session import log as athlete_log
from monitor.session import week as wk
from monitor.session.summary import SessionSummary, summarize, verdict_line
from monitor.session.version import ENGINE_VERSION
from monitor.store import db as st

if TYPE_CHECKING:
    from monitor.session.model import SessionModel

KEEP_EVERY = 25  # derived rows are committed in groups this big: a long rebuild keeps what it did
Progress = Callable[[int, int], None]  # (sessions derived so far, sessions to derive)
Unkept = dict[int, tuple[int, str, int, SessionSummary]]  # session -> (created_ns, name, events, summary)


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
            summary = summary_of(store, sid, last_event, session_notes)
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
        summary = summary_of(store, sid, last_event, notes)
        events = store.event_count(sid, last_event)
        waiting[sid] = (created, name, events, summary)
        pending.append(row(sid, last_event, last_note, events, summary))
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
    blocks_done: dict[str, int] | None  # with a plan: each athlete's blocks with a valid rep (SessionSummary.blocks_done)

    def verdict_line(self) -> str:
        return verdict_line(self.verdicts)


def listing(store: st.SessionStore, *, progress: Progress | None = None) -> Iterator[Listed]:
    """Every session, oldest first, as `gates sessions` prints it: its rows brought up to date, then read
    in three queries (sessions, athlete rows, the annotations that name course, roster and sources)."""
    unkept = refresh(store, progress=progress)
    notes = store.listing_annotations()
    athletes: dict[int, list[tuple]] = {}
    for athlete in store.listing_athletes():
        athletes.setdefault(athlete[0], []).append(athlete)
    rows = {r[0]: r for r in store.listing_rows()}
    for sid in sorted(rows.keys() | unkept.keys()):
        if sid in unkept:
            created, name, events, summary = unkept[sid]
            reps, plan, plan_blocks = summary.reps, summary.plan, summary.plan_blocks
            session_athletes = [(sid, a.athlete, a.block, a.reps, a.verdict) for a in summary.athletes]
        else:
            _, created, name, events, reps, plan, plan_blocks = rows[sid]
            session_athletes = athletes.get(sid, [])
        info = st.session_info(sid, created, name, events, notes.get(sid, []))
        yield _listed(info, reps, plan, plan_blocks, session_athletes)


def _listed(info: st.SessionInfo, reps: int, plan: str | None, plan_blocks: int,
            athletes: Sequence[Sequence]) -> Listed:
    """`athletes`: (session, athlete, block, valid reps, verdict) in the summary's order."""
    verdicts = {athlete: verdict for _, athlete, _, _, verdict in athletes}
    if plan is None:
        return Listed(info, reps, plan, plan_blocks, verdicts, None)
    blocks: dict[str, set[int]] = {}
    for _, athlete, block, valid, _ in athletes:
        if valid:
            blocks.setdefault(athlete, set()).add(block)
    return Listed(info, reps, plan, plan_blocks, verdicts, {name: len(done) for name, done in blocks.items()})


class WeekRows:
    """The week's view of one store's derived rows, brought up to date on making it."""

    def __init__(self, store: st.SessionStore, progress: Progress | None = None) -> None:
        self.store = store
        marks = store.marks()
        self.demo = all(name == st.DEMO for _, _, name, _, _ in marks)  # only demo sessions: they count
        self.first_ns = min((created for _, created, name, _, _ in marks if (name == st.DEMO) == self.demo),
                            default=None)
        self._dates = {sid: (created, name) for sid, created, name, _, _ in marks}
        self._unkept = {sid: unkept[3] for sid, unkept in refresh(store, progress=progress).items()
                        if (self._dates[sid][1] == st.DEMO) == self.demo}
        self._skip = json.dumps(sorted(self._unkept))

    def since(self, since_ns: int | None = None) -> list[wk.SessionSummary]:
        """Each athlete's summary of every session from `since_ns` on (all without), oldest first."""
        since_ns = since_ns or 0
        out = []
        for sid, created, name, athlete_rows, log_rows in self.store.athlete_summaries_since(
                since_ns, self.demo, self._skip):
            runs = [(a[0], wk.block_run(a[2], a[3], tuple(a[9]), a[10], bool(a[11]), a[6], a[12])) for a in athlete_rows]
            out += wk.athlete_runs(sid, created, name, runs, [athlete_log.LogEntry(*r) for r in log_rows])
        for sid, summary in self._unkept.items():
            created, name = self._dates[sid]
            if created >= since_ns:
                out += wk.athlete_sessions(sid, created, name, summary.athletes, summary.logs)
        return sorted(out, key=lambda s: (s.created_ns, s.session))

    def bests_before(self, before_ns: int | None) -> dict[tuple[str, str], int]:
        """(athlete, block) -> the best valid time of the sessions before `before_ns`: the PBs the first
        of `since(before_ns)` is judged against."""
        if before_ns is None:
            return {}
        found = {(athlete, wk.block_label(course, start)): best for (athlete, course, start), best
                 in self.store.bests_before(before_ns, self.demo, self._skip).items()}
        for sid, summary in self._unkept.items():
            if self._dates[sid][0] < before_ns:
                for a in summary.athletes:
                    key = (a.athlete, wk.block_label(a.course, a.start))
                    if a.best_us is not None and a.best_us < found.get(key, a.best_us + 1):
                        found[key] = a.best_us
        return found


MARGIN_NS = 4 * wk.WEEK_NS  # sessions read before a window: each athlete's last hard session is among them


def judged_since(rows: WeekRows, since_ns: int | None) -> list[wk.Judged]:
    """The sessions from `since_ns` on, judged against the PBs before them, with enough sessions before
    it (a margin that doubles as needed) that each athlete's last hard session before it is among them."""
    if since_ns is None:
        return wk.judge(rows.since())
    margin = MARGIN_NS
    while True:
        start = since_ns - margin
        before = rows.bests_before(start)
        judged = wk.judge(rows.since(start), before)
        hard_before = {j.athlete for j in judged if j.hard and j.summary.created_ns < since_ns}
        wanting = {j.athlete for j in judged if j.summary.created_ns >= since_ns} & {a for a, _ in before} - hard_before
        if not wanting or rows.first_ns is None or start <= rows.first_ns:
            return judged
        margin *= 2


def derive(store: st.SessionStore, session: int, last_event: int, notes: list[facts.Annotation]) -> SessionModel:
    """The session as of its mark, for its summary (no PBs: a summary depends on its own facts only). The
    engine is loaded here, by the first derivation: reading fresh rows needs none of it."""
    from monitor.session.model import DRIVING_KINDS, SessionModel

    events = store.events(session, kinds=DRIVING_KINDS, until=last_event, raw=False)
    return SessionModel.derive(events, notes, profiles=False)


def summary_of(store: st.SessionStore, session: int, last_event: int, notes: list[facts.Annotation]) -> SessionSummary:
    """The summary of a session as of its mark (`notes`: its annotations up to the mark), logs included."""
    return summarize(derive(store, session, last_event, notes), athlete_log.entries(notes))


def row(sid: int, last_event: int, last_note: int, events: int, summary: SessionSummary) -> tuple:
    """The derived rows of one session, as `SessionStore.put_summaries` takes them."""
    athletes = [(a.athlete, a.block, a.course, a.start, a.reps, a.best_us, a.verdict, a.high_reps, a.high_m,
                 json.dumps(list(a.times_us)), a.planned, int(a.caution), a.reason) for a in summary.athletes]
    logs = [(e.athlete, e.rpe, e.minutes, e.legs, e.hr_rest, e.note) for e in summary.logs]
    return (sid, last_event, last_note, ENGINE_VERSION, events, _dumps(summary.as_json()), athletes, logs)


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


def spacing_at(store: st.SessionStore, athletes: Iterable[str], now_ns: int, *, session: int | None = None,
               hi_range_m: Mapping[str, tuple[float, float]] | None = None,
               default_range_m: tuple[float, float] = wk.HI_RANGE_M) -> dict[str, wk.Spacing]:
    """Where each of `athletes` stands as `session` starts at `now_ns` (that session left out: a resumed
    one has reps already): hours since their last hard session and this week's high-intensity metres
    against their range (monitor/session/week.py). Athletes with no earlier session in the weeks read
    are left out: there is nothing to say of them."""
    judged = [j for j in judged_since(WeekRows(store), wk.week_start_ns(wk.iso_week(now_ns)))
              if j.summary.session != session]
    seen = {j.athlete for j in judged}
    return wk.spacings(judged, [a for a in athletes if a in seen], now_ns, hi_range_m, default_range_m)
