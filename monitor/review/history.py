"""The review's history view: one athlete's weeks, personal bests and log, up to the session reviewed.

Three tables from the week engine's figures (monitor/store/athlete_history.py, the same as
`gates week` and the history page): per ISO week the sessions, valid and high-intensity reps and
metres against the weekly range, sRPE load and its change, hours since the last hard session and next
week's suggestion; each PB per course and start type; each session's verdict and what was logged.
Read-only, like the rest of the review; Esc goes back to the session.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from monitor.present.records import fmt_time
from monitor.present.styles import VERDICT_STYLE
from monitor.session.analyzer import Verdict
from monitor.store.athlete_history import AthleteHistory

WEEKS = 8  # the weeks shown, up to the session's own


def _day(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9).strftime("%Y-%m-%d")


def _num(value: float | None, signed: bool = False) -> str:
    return "—" if value is None else (f"{value:+.0f}" if signed else f"{value:.0f}")


def _verdict(value: str | None) -> Text:
    return Text(value, style=VERDICT_STYLE[Verdict(value)]) if value else Text("—")


class HistoryScreen(Screen):
    BINDINGS: ClassVar = [Binding("escape,h,q", "app.pop_screen", "Back to the session")]

    def __init__(self, history: AthleteHistory) -> None:
        super().__init__()
        self.history = history

    def compose(self) -> ComposeResult:
        h = self.history
        yield Header()
        yield Label(f"{h.athlete} · {h.first_week} – {h.last_week} · {len(h.sessions)} sessions", id="history-title")
        with Vertical(id="history"):
            yield DataTable(id="history-weeks", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="history-pbs", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="history-log", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        h = self.history
        weeks = self.query_one("#history-weeks", DataTable)
        weeks.border_title = "Weeks"
        for key, label in (("week", "Week"), ("sessions", "Sess"), ("reps", "Reps"), ("hi_reps", "Hi"),
                           ("hi_m", "Hi m"), ("range", "Range"), ("srpe", "sRPE"), ("change", "Δ %"),
                           ("hard", "h hard"), ("next", "Next week")):
            weeks.add_column(label, key=key)
        for w in h.weeks:
            low, high = w.hi_range_m
            weeks.add_row(w.week, str(len(w.sessions)), str(w.reps), str(w.hi_reps), f"{w.hi_m:.0f}",
                          f"{w.hi_status} {low:.0f}–{high:.0f}" if w.sessions else "—", _num(w.srpe_au),
                          _num(w.change_pct, signed=True), _num(w.hours_since_hard), w.suggestion or "—", key=w.week)
        pbs = self.query_one("#history-pbs", DataTable)
        pbs.border_title = "Personal bests"
        for key, label in (("block", "Course"), ("when", "When"), ("pb", "PB s")):
            pbs.add_column(label, key=key)
        for block, us in h.pbs_before.items():
            pbs.add_row(block, f"before {h.first_week}", fmt_time(us), key=f"{block}|before")
        for block, sets in h.progression.items():
            for j, us in sets:
                pbs.add_row(block, f"{_day(j.summary.created_ns)} · session {j.summary.session}", fmt_time(us),
                            key=f"{block}|{j.summary.session}")
        log = self.query_one("#history-log", DataTable)
        log.border_title = "Sessions and the log"
        for key, label in (("date", "Date"), ("session", "Session"), ("verdict", "Verdict"), ("reps", "Reps"),
                           ("best", "Best s"), ("rpe", "RPE"), ("minutes", "Min"), ("load", "Load AU"),
                           ("legs", "Legs"), ("note", "Note / reason")):
            log.add_column(label, key=key)
        for j in reversed(h.sessions):
            s, entry = j.summary, j.summary.log
            last = s.blocks[-1] if s.blocks else None
            best = min((b.best_us for b in s.blocks if b.best_us is not None), default=None)
            note = " · ".join(x for x in (entry.note if entry else "", last.reason if last else "") if x)
            log.add_row(_day(s.created_ns), str(s.session), _verdict(last.verdict if last else None),
                        str(sum(b.reps for b in s.blocks)), fmt_time(best),
                        "—" if entry is None or entry.rpe is None else f"{entry.rpe:g}",
                        "—" if entry is None or entry.minutes is None else f"{entry.minutes:g}",
                        "—" if entry is None else _num(entry.srpe_au), (entry.legs if entry else None) or "—",
                        note or "—", key=str(s.session))
        weeks.focus()
