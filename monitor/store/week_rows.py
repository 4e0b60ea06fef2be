"""The week's view of the derived rows (monitor/session/week.py): `WeekRows` brings every row up to date
(monitor/store/summaries.py), then reads only the sessions of the weeks asked for (a range on their
dates) and, for the personal bests before them, one `min() … GROUP BY` over the kept bests. Demo
sessions (simulated athletes) count among themselves only: a database with a real session shows real
sessions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from monitor.session import log as athlete_log
from monitor.session import week as wk
from monitor.store import db as st
from monitor.store.summaries import Progress, refresh


class WeekRows:
    """The week's view of one store's derived rows, brought up to date on making it."""

    def __init__(self, store: st.SessionStore, progress: Progress | None = None) -> None:
        self.store = store
        marks = store.marks()
        self.demo = all(name == st.DEMO for _, _, name, _, _ in marks)  # only demo sessions: they count
        self.first_ns = min((created for _, created, name, _, _ in marks if (name == st.DEMO) == self.demo),
                            default=None)
        self._dates = {sid: (created, name) for sid, created, name, _, _ in marks}
        self._unkept = {sid: summary for sid, (_, summary) in refresh(store, progress=progress).items()
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
