"""The per-athlete table: verdict, the rest still to go before the next rep (then READY), reps, best,
time drop-off beside MSS (top speed of the sprint profile) and its drop-off, Sdec, personal best and
intensity against it, recent times, the last rep's splits, and who is up next in the rotation.

The rest is counted down against the block's minimum rest. Until sessions carry a plan, that is
Charlie Francis' rule of thumb for full recovery between maximal sprints: a minute per 10 m run."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from gates.course import Course
from monitor.present.records import fmt_pct, fmt_speed, fmt_time
from monitor.session.analyzer import Verdict
from monitor.tui.board import AthleteBoard

RECENT = 3  # rep times shown per athlete; the plot shows more
REST_S_PER_M = 6.0  # a minute per 10 m (Charlie Francis)
# a cell's colours set with its background, so they read the same on the dark and the light theme
VERDICT_STYLE = {Verdict.GO: "bold #ffffff on #1b7a34", Verdict.CAUTION: "bold #000000 on #f0b000",
                 Verdict.END: "bold #ffffff on #c01818"}
READY_STYLE = "bold #ffffff on #1b7a34"


def minimum_rest_s(course: Course) -> float:
    return REST_S_PER_M * course.length_m


def fmt_rest(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def rest_cell(rested_s: float | None, minimum_s: float) -> Text:
    """The rest still to go, counting down, then READY; unknown (no rep yet, or resumed) as a dash."""
    if rested_s is None:
        return Text("—")
    if rested_s >= minimum_s:
        return Text(" READY ", style=READY_STYLE)
    return Text(fmt_rest(minimum_s - rested_s + 0.999), style="bold")  # 0:01 until it is really over


def _recent_times(board: AthleteBoard) -> Text:
    text = Text()
    for result in list(board.recent)[-RECENT:]:
        if text:
            text.append(" ")
        cell = fmt_time(result.rep.time_us)
        text.append(cell, style="" if result.rep.valid else "strike dim")
    return text or Text("—")


class AthleteTable(DataTable):
    """One row per athlete, keyed by name, updated cell by cell when that athlete changes.

    Splits are those of the athlete's latest rep; MSS, drop-offs and % PB those of their latest valid
    rep. The columns fit a 120-column terminal; narrower, the table scrolls sideways, the verdict and
    the rest still in view."""

    def __init__(self, course: Course, **kwargs: object) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.course = course
        self.minimum_rest_s = minimum_rest_s(course)
        self._rows: set[str] = set()
        self._add_columns()  # now, not on mount: rows may arrive before this widget's mount event

    def _add_columns(self) -> None:
        """What the coach acts on first (verdict, drop-off, rest), then the detail of the last rep."""
        self.add_column("", key="next", width=2)
        for label, key in (("Athlete", "athlete"), ("Verdict", "verdict"),
                           (f"Rest {fmt_rest(self.minimum_rest_s)}", "rest"), ("Reps", "reps"), ("Best", "best"),
                           ("Drop %", "drop"), ("MSS", "mss"), ("MSS↓ %", "mss_drop"), ("Sdec %", "sdec"),
                           ("PB", "pb"), ("% PB", "pb_pct"), (f"Last {RECENT} times s", "times")):
            self.add_column(label, key=key)
        for i, d in enumerate(self.course.distances_m[1:]):
            self.add_column(f"@{d:g}m", key=f"split{i}")

    def _cells(self, board: AthleteBoard, next_up: str | None, rest: float | None) -> dict[str, object]:
        latest, judged = board.latest, board.judged
        cells: dict[str, object] = {
            "next": "▶" if board.name == next_up else "",
            "athlete": Text(board.name, style="bold"),
            "reps": str(board.reps),
            "times": _recent_times(board),
            "best": fmt_time(board.best_us),
            "drop": fmt_pct(judged.dropoff_pct) if judged else "—",
            "mss": fmt_speed(judged.mss) if judged else "—",
            "mss_drop": fmt_pct(judged.mss_dropoff_pct) if judged else "—",
            "sdec": fmt_pct(judged.sdec_pct) if judged else "—",
            "pb": fmt_time(board.pb_us),
            "pb_pct": fmt_pct(judged.intensity_pb_pct) if judged else "—",
            "verdict": self._verdict(board.verdict),
            "rest": rest_cell(rest, self.minimum_rest_s),
        }
        splits = latest.rep.splits_us if latest else ()
        for i in range(len(self.course.distances_m) - 1):
            cells[f"split{i}"] = fmt_time(splits[i]) if i < len(splits) else "—"
        return cells

    @staticmethod
    def _verdict(verdict: Verdict | None) -> Text:
        if verdict is None:
            return Text("—")
        return Text(verdict.value, style=VERDICT_STYLE[verdict])

    def show(self, board: AthleteBoard, next_up: str | None, rest: float | None) -> None:
        cells = self._cells(board, next_up, rest)
        if board.name not in self._rows:
            self._rows.add(board.name)
            self.add_row(*(cells[str(c.key.value)] for c in self.columns.values()), key=board.name)
            return
        for key, value in cells.items():
            self.update_cell(board.name, key, value, update_width=True)

    def mark_next(self, next_up: str | None) -> None:
        for name in self._rows:
            self.update_cell(name, "next", "▶" if name == next_up else "")

    def show_rest(self, name: str, rest: float | None) -> None:
        if name in self._rows:
            self.update_cell(name, "rest", rest_cell(rest, self.minimum_rest_s))
