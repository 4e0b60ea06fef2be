"""The per-athlete table: reps so far with recent times, the last rep's splits and segment speeds,
best, drop-off, Sdec, verdict, rest since the last rep, and who is up next in the rotation."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from gates.course import Course
from monitor.analyzer import Verdict
from monitor.records import fmt_pct, fmt_time
from monitor.tui.board import AthleteBoard

RECENT = 5  # rep times shown per athlete; the plot shows more
VERDICT_STYLE = {Verdict.GO: "bold green", Verdict.CAUTION: "bold yellow", Verdict.END: "bold reverse red"}


def fmt_rest(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


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

    Splits and segment speeds are those of the athlete's latest rep (speeds in one column, one
    number per segment, so the table fits a laptop screen)."""

    def __init__(self, course: Course, **kwargs: object) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.course = course
        self._rows: set[str] = set()
        self._add_columns()  # now, not on mount: rows may arrive before this widget's mount event

    def _add_columns(self) -> None:
        """What the coach acts on first (verdict, drop-off, rest), then the detail of the last rep."""
        self.add_column("", key="next", width=2)
        for label, key in (("Athlete", "athlete"), ("Verdict", "verdict"), ("Reps", "reps"), ("Best", "best"),
                           ("Drop %", "drop"), ("Sdec %", "sdec"), ("Rest", "rest"),
                           (f"Last {RECENT} times s", "times")):
            self.add_column(label, key=key)
        for i, d in enumerate(self.course.distances_m[1:]):
            self.add_column(f"@{d:g}m", key=f"split{i}")
        self.add_column("Speeds m/s", key="speeds")

    def _cells(self, board: AthleteBoard, next_up: str | None, rest: float | None) -> dict[str, object]:
        latest, judged = board.latest, board.judged
        cells: dict[str, object] = {
            "next": "▶" if board.name == next_up else "",
            "athlete": Text(board.name, style="bold"),
            "reps": str(board.reps),
            "times": _recent_times(board),
            "best": fmt_time(board.best_us),
            "drop": fmt_pct(judged.dropoff_pct) if judged else "—",
            "sdec": fmt_pct(judged.sdec_pct) if judged else "—",
            "verdict": self._verdict(board.verdict),
            "rest": fmt_rest(rest),
        }
        splits = latest.rep.splits_us if latest else ()
        for i in range(len(self.course.distances_m) - 1):
            cells[f"split{i}"] = fmt_time(splits[i]) if i < len(splits) else "—"
        speeds = latest.rep.segment_speeds() if latest else ()
        cells["speeds"] = " ".join("—" if v is None else f"{v:.1f}" for v in speeds) or "—"
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
            self.update_cell(name, "rest", fmt_rest(rest))
