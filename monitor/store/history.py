"""Personal bests: each athlete's best valid rep time per course over the earlier sessions of a store.

Derived when a session starts (and then stored with its settings, monitor/session/model.py): every earlier session is derived again from its facts (events and the coach's
annotations, so a voided rep or a reassigned one counts as the coach left it) with the same code the
live session runs. What a session contributes is kept in memory with a mark of its facts (its last
event and annotation ids, both only ever grow), so a second look at the same store derives only the
sessions that changed since.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gates.course import Course
from monitor.session.analyzer import RepResult
from monitor.session.model import SessionModel
from monitor.store import db as st

Bests = dict[tuple[str, Course], int]  # (athlete, course) -> best valid rep time, µs

_derived: dict[tuple[Path, int], tuple[tuple[int, int], Bests]] = {}  # (store, session) -> (mark, bests)


def personal_bests(store: st.SessionStore, session: int | None = None, *, demo: bool = False) -> Bests:
    """The best valid rep of each athlete on each course in the sessions before `session` (None: every
    session there is, for one about to start; `demo` says whether that one is a demo). The demo's
    simulated athletes (Ada, Ben, …) and real ones never count toward each other's bests."""
    bests: Bests = {}
    earlier = [info for info in store.sessions() if session is None or info.id <= session]
    if session is not None:
        demo = bool(earlier) and earlier[-1].id == session and earlier[-1].demo
    for info in earlier:
        if info.id == session or info.demo != demo:
            continue
        for key, us in session_bests(store, info.id).items():
            if key not in bests or us < bests[key]:
                bests[key] = us
    return bests


def session_bests(store: st.SessionStore, session: int) -> Bests:
    """The best valid rep of each athlete on each course in one session, as its facts stand now."""
    notes = store.annotations(session)
    mark = (store.last_event_id(session), notes[-1].id if notes else 0)
    key = (store.path.resolve(), session)
    cached = _derived.get(key)
    if cached is not None and cached[0] == mark:
        return cached[1]
    model = SessionModel.derive(store.events(session), notes, profiles=False)  # times are all a PB needs
    bests = bests_of(model.results.values())
    _derived[key] = (mark, bests)
    return bests


def bests_of(results: Iterable[RepResult]) -> Bests:
    """The best valid rep of each athlete on each course among `results`."""
    bests: Bests = {}
    for result in results:
        rep = result.rep
        if rep.valid and rep.time_us is not None:
            key = (rep.athlete, rep.course)
            bests[key] = min(bests.get(key, rep.time_us), rep.time_us)
    return bests
