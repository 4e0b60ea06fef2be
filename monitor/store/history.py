"""Personal bests: each athlete's best valid rep time per course and start type over the earlier
sessions of a store (a flying 30 m is no PB for a block start), and their recent form: the same
over the last few weeks' sessions only.

Derived from the facts, never from anything else: each earlier session's bests come from its
summary (monitor/store/summaries.py), which is derived from its events and the coach's annotations
(a voided or reassigned rep counts as the coach left it) by the code the live session runs, and kept
in the store under the mark of those facts. Only a session whose facts changed is derived again, and
the bests of years of sessions are read as one aggregate over their kept rows.
A new session stores the bests it is judged against with its settings (monitor/session/model.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from gates.course import Course
from monitor.session.analyzer import RepResult
from monitor.session.summary import SessionSummary
from monitor.store import db as st
from monitor.store.summaries import Progress, refresh, summarized

Bests = dict[tuple[str, Course, str | None], int]  # (athlete, course, start) -> best valid rep time, µs


def personal_bests(store: st.SessionStore, session: int | None = None, *, demo: bool = False,
                   since_ns: int | None = None, progress: Progress | None = None) -> Bests:
    """The best valid rep of each athlete on each course and start in the sessions before `session`
    (None: every session there is, for one about to start; `demo` says whether that one is a demo),
    started at `since_ns` or later if given (recent form). The demo's simulated athletes (Ada, Ben, …)
    and real ones never count toward each other's bests.

    The earlier sessions' rows are brought up to date (`progress` hears of each derived), then their
    bests are one aggregate over the athlete rows; only what could not be kept is read in memory."""
    unkept = refresh(store, until=session, progress=progress)
    if session is not None:
        demo = store.session_name(session) == st.DEMO
    until = st.MAX_ID if session is None else session
    bests: Bests = {}
    for athlete, course, start, us in store.best_rows(until, skip=session, demo=demo, since_ns=since_ns,
                                                      unkept=unkept):
        _keep_best(bests, (athlete, _course(course), start), us)
    for sid, (info, summary) in unkept.items():
        if sid != session and info.demo == demo and (since_ns is None or info.created_ns >= since_ns):
            for key, us in _bests(summary).items():
                _keep_best(bests, key, us)
    return bests


def _keep_best(bests: Bests, key: tuple[str, Course, str | None], us: int) -> None:
    if key not in bests or us < bests[key]:
        bests[key] = us


def session_bests(store: st.SessionStore, session: int) -> Bests:
    """The best valid rep of each athlete on each course in one session, as its facts stand now."""
    for item in list(summarized(store, until=session)):  # whole: what it derived is kept before returning
        if item.info.id == session:
            return _bests(item.summary)
    raise st.StoreError(f"no session {session} in {store.path}")


def _bests(summary: SessionSummary) -> Bests:
    return {(athlete, _course(course), start): us for (athlete, course, start), us in summary.bests().items()}


@lru_cache(maxsize=256)
def _course(text: str) -> Course:
    return Course.parse(text)


def bests_of(results: Iterable[RepResult]) -> Bests:
    """The best valid rep of each athlete on each course and start among `results`."""
    bests: Bests = {}
    for result in results:
        rep = result.rep
        if rep.valid and rep.time_us is not None:
            key = (rep.athlete, rep.course, result.block.start)
            bests[key] = min(bests.get(key, rep.time_us), rep.time_us)
    return bests
