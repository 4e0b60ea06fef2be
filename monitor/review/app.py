"""The review app: a stored session, for the athlete looking back after training.

Athletes on the left (reps that counted, best, verdict reached); the selected athlete's reps beside
them; under those, the athlete's times against the floor line and the selected rep's fitted velocity
curve with what the gates measured. It shows a `SessionDigest` and writes nothing but what `l` types
in, an athlete's log, through `save_log` (each a short write of its own: the store is read read-only,
so a live monitor may still be writing the session).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Label

from monitor.review import heart
from monitor.review.digest import AthleteDigest, SessionDigest
from monitor.review.plots import SpeedPlot, TimesPlot
from monitor.review.tables import AthleteList, RepTable, fmt_figure
from monitor.session.log import LogEntry
from monitor.store.athlete_history import AthleteHistory, UnknownAthlete
from monitor.store.db import StoreError

HistoryLoader = Callable[[str], AthleteHistory]  # athlete -> their history

NARROW_COLUMNS = 140  # below this the athletes sit above the reps, so that every rep column fits
SHORT_ROWS = 30  # below this the tables and plots share the height evenly, with no borders

# key, action (none: the tables' own keys), footer label, help text
KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("tab", "", "", "move between the athletes and the reps (↑ ↓ choose, ← → scroll)"),
    ("enter", "", "", "on an athlete: go to their reps"),
    ("escape", "athletes", "", "back to the athletes"),
    ("left_square_bracket", "athlete(-1)", "Prev athlete", "the previous athlete, from anywhere"),
    ("right_square_bracket", "athlete(1)", "Next athlete", "the next athlete, from anywhere"),
    ("l", "log", "Log", "the athlete's log: RPE, minutes, legs, note (stored with the session)"),
    ("h", "history", "History", "the athlete's history: weeks, personal bests, the log (Esc back)"),
    ("question_mark", "help", "Help", "this help"),
    ("q", "quit", "Quit", "leave (nothing but the logs typed in is changed)"),
)
KEY_NAMES = {"left_square_bracket": "[", "right_square_bracket": "]", "question_mark": "?"}


def when(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ns / 1e9))


class ReviewApp(App):
    CSS_PATH = Path(__file__).with_name("review.tcss")
    TITLE = "gates review"
    BINDINGS = [*(Binding(key, action, label, show=bool(label)) for key, action, label, _ in KEYS if action),
                Binding("f1", "help", "Help", show=False)]

    def __init__(self, session: SessionDigest, *, save_log: Callable[[LogEntry], object] | None = None,
                 logs: dict[str, LogEntry] | None = None, history: HistoryLoader | None = None) -> None:
        super().__init__()
        self.session = session
        self.save_log = save_log  # stores an athlete's log with the session; None: this review cannot
        self.logs = dict(logs or {})  # athlete -> their log that stands
        self.history = history  # an athlete's history up to this session's week, read when asked for
        self.athlete: AthleteDigest | None = None
        info = session.info
        state = "ended" if info.ended else "open"
        parts = [f"session {info.id}", when(info.created_ns), state, f"{session.reps} reps"]
        floors = session.floors_pct()  # as the reps were judged: a plan's blocks each have their own
        if floors:
            parts.append(("floors " if len(floors) > 1 else "floor ") + ", ".join(f"{f:g} %" for f in floors))
        self.sub_title = " · ".join(parts)

    def compose(self) -> ComposeResult:
        self.athletes = AthleteList(self.session.athletes, several_courses=len(self.session.courses) > 1,
                                    id="athletes")
        self.reps = RepTable(self.session.hearts, id="reps")
        self.times_plot = TimesPlot(id="times-plot")
        self.speed_plot = SpeedPlot(id="speed-plot")
        self.detail = Label("", id="rep-detail")
        yield Header()
        with Horizontal(id="tables"):
            yield self.athletes
            yield self.reps
        yield self.detail
        with Horizontal(id="plots"):
            yield self.times_plot
            yield self.speed_plot
        yield Footer()

    def on_mount(self) -> None:
        self.athletes.border_title = "Athletes"
        self.athletes.focus()
        if not self.session.athletes:
            self.detail.update("no reps in this session")
            self.speed_plot.draw(None, None)
            return
        self.show_athlete(0)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_COLUMNS, "-narrow")
        self.set_class(event.size.height < SHORT_ROWS, "-short")

    # -- what is shown ---------------------------------------------------------------------------

    def show_athlete(self, index: int) -> None:
        athlete = self.session.athletes[index]
        if athlete is self.athlete:
            return
        self.athlete = athlete
        self.reps.border_title = f"{athlete.name} · course {athlete.course.label()} m" + (
            f" · block {athlete.block}: {athlete.block_name}" if athlete.block_name else "")
        self.reps.show(athlete)  # its cursor lands on the first rep, which shows it
        self.show_rep(athlete.results[0].rep.number)

    def show_rep(self, number: int) -> None:
        athlete = self.athlete
        assert athlete is not None
        result = next((r for r in athlete.results if r.rep.number == number), None)
        if result is None:  # a highlight from the athlete shown before: already replaced
            return
        rep, fitted = result.rep, result.profile
        self.times_plot.draw(athlete, number)
        self.speed_plot.draw(rep, fitted)
        head = f"Rep {number} · {athlete.name} · {fmt_figure(rep.time_us and rep.time_us / 1e6)} s"
        if fitted is not None:
            text = (f"{head} · MSS {fitted.mss:.2f} m/s · τ {fitted.tau:.2f} s · MAC {fitted.mac:.2f} m/s² · "
                    f"PMAX {fitted.pmax:.1f} W/kg · fit ±{fitted.rmse_s * 1000:.0f} ms")
        elif not rep.valid:
            text = f"{head} · not counted ({', '.join(sorted(rep.flags)) or 'no finish'}): no profile"
        else:
            text = f"{head} · too few splits to fit a profile"
        text += heart.words(self.session.hearts.get(number))
        if result.reason:
            text += f" · {result.verdict.value if result.verdict else ''}: {result.reason}"
        self.detail.update(text)

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        key = message.row_key.value
        if key is None:
            return
        if message.data_table is self.athletes:
            self.show_athlete(int(key))
        elif message.data_table is self.reps:
            self.show_rep(int(key))

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        if message.data_table is self.athletes:
            self.reps.focus()

    # -- keys ------------------------------------------------------------------------------------

    def action_athletes(self) -> None:
        self.athletes.focus()

    def action_athlete(self, step: int) -> None:
        count = len(self.session.athletes)
        if count:
            self.athletes.move_cursor(row=(self.athletes.cursor_row + step) % count)

    def action_log(self) -> None:
        if self.athlete is None:
            return
        if self.save_log is None:
            self.notify("this review cannot store logs", severity="warning")
            return
        from monitor.present.log_prompt import ask_logs

        ask_logs(self, [self.athlete.name], self._save_log, self.logs)

    def _save_log(self, entry: LogEntry) -> None:
        try:
            self.save_log(entry)  # type: ignore[misc]
        except Exception as err:  # the store refused it (read-only file, disk full): say so, keep the review
            self.notify(f"not stored: {err}", title="Log not stored", severity="error", timeout=15)
            return
        self.logs[entry.athlete] = entry
        self.notify(f"{entry.athlete}'s log stored: {entry.describe()}")

    def action_history(self) -> None:
        from monitor.review.history import HistoryScreen

        if self.athlete is None or self.history is None:
            self.notify("no athlete's history to show here")
            return
        if isinstance(self.screen, HistoryScreen):
            return
        try:
            history = self.history(self.athlete.name)
        except (UnknownAthlete, StoreError) as err:  # a demo's athlete beside real ones, a database gone
            self.notify(f"no history of {self.athlete.name}: {err or 'not among the sessions that count'}")
            return
        self.push_screen(HistoryScreen(history))

    def action_help(self) -> None:
        from monitor.review.help import ReviewHelp

        if not isinstance(self.screen, ReviewHelp):
            self.push_screen(ReviewHelp([(KEY_NAMES.get(key, key), text) for key, _, _, text in KEYS]))
