"""One athlete's history as the week engine (monitor/session/week.py) judged it: their weeks, their
sessions in those weeks, and the personal bests they set, for the history page and review.

Read through the same derived rows `gates week` reads (monitor/store/week_rows.py, `WeekRows`), so the
history page, review and `gates week` can never disagree on a figure, and a long history costs what
the weeks asked for cost, not what the whole database would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.session import week as wk
from monitor.store import db as st
from monitor.store.week_rows import WeekRows, judged_since


class UnknownAthlete(LookupError):
    """No stored session has this athlete."""


@dataclass(frozen=True, slots=True)
class AthleteHistory:
    athlete: str
    weeks: tuple[wk.Week, ...]  # oldest first, every week of the window (empty ones too)
    sessions: tuple[wk.Judged, ...]  # the athlete's sessions in those weeks, oldest first
    pbs_before: dict[str, int]  # block -> the PB standing when the window began (µs)
    progression: dict[str, list[tuple[wk.Judged, int]]]  # block -> each PB set in the window, with its time

    @property
    def first_week(self) -> str:
        return self.weeks[0].week

    @property
    def last_week(self) -> str:
        return self.weeks[-1].week


def load(path: Path, athlete: str, *, last: str, count: int) -> AthleteHistory:
    """`athlete`'s `count` weeks up to `last` in the database at `path` (StoreError for a database that
    cannot be read, UnknownAthlete for a name no session has)."""
    first_ns = wk.week_start_ns(wk.shift_week(last, 1 - count))
    end_ns = wk.week_start_ns(wk.shift_week(last, 1))  # the Monday after the last week
    with st.SessionStore(path, readonly=True) as store:
        judged = judged_since(WeekRows(store), first_ns - wk.WEEK_NS)  # the week before the first: its change
        known = store.named_athletes() | {j.athlete for j in judged}
    if athlete not in known:
        raise UnknownAthlete(athlete)
    weeks = tuple(w for w in wk.weeks(judged, last=last, count=count, athlete=athlete) if w.athlete == athlete)
    mine = [j for j in judged if j.athlete == athlete]
    window = tuple(j for j in mine if first_ns <= j.summary.created_ns < end_ns)
    before: dict[str, int] = {}
    seen: set[str] = set()
    for j in window:  # each block's PB as the first session in the window that ran it was judged against
        for block in {b.block for b in j.summary.blocks} - seen:
            seen.add(block)
            if block in j.pb_before:
                before[block] = j.pb_before[block]
    progression = {block: [(j, us) for j, us in sets if first_ns <= j.summary.created_ns < end_ns]
                   for block, sets in wk.pb_progression(mine, athlete).items()}
    if not weeks:  # the athlete ran nothing in the window: the window's weeks, empty
        weeks = tuple(wk.Week(athlete, wk.shift_week(last, -k), (), None, None, None, None, wk.HI_RANGE_M)
                      for k in range(count - 1, -1, -1))
    return AthleteHistory(athlete, weeks, window, before, {b: p for b, p in progression.items() if p})
