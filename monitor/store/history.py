"""Personal bests: each athlete's best valid rep time per course and start type over the earlier
sessions of a store (a flying 30 m is no PB for a block start), and their recent form: the same
over the last few weeks' sessions only.

Derived, never stored: every earlier session is derived again from its facts (events and the coach's
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

Bests = dict[tuple[str, Course, str | None], int]  # (athlete, course, start) -> best valid rep time, µs

_derived: dict[tuple[Path, int], tuple[tuple[int, int], Bests]] = {}  # (store, session) -> (mark, bests)


def personal_bests(store: st.SessionStore, session: int, since_ns: int | None = None) -> Bests:
    """The best valid rep of each athlete on each course and start in the sessions before `session`
    (started at `since_ns` or later, if given: recent form). The demo's simulated athletes (Ada, Ben, …)
    and real ones never count toward each other's bests."""
    bests: Bests = {}
    earlier = [info for info in store.sessions() if info.id <= session]
    demo = bool(earlier) and earlier[-1].id == session and earlier[-1].demo
    for info in earlier:
        if info.id == session or info.demo != demo or (since_ns is not None and info.created_ns < since_ns):
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
    """The best valid rep of each athlete on each course and start among `results`."""
    bests: Bests = {}
    for result in results:
        rep = result.rep
        if rep.valid and rep.time_us is not None:
            key = (rep.athlete, rep.course, result.block.start)
            bests[key] = min(bests.get(key, rep.time_us), rep.time_us)
    return bests
