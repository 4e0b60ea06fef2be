"""The two tables of the review: the athletes of the session, and the reps of the one selected.

A rep's row has everything the athlete looks back on: splits, time (the last split), segment speeds, drop-off and
intensity against the best at the time, the sprint profile fitted to its splits (MSS, MAC, PMAX),
the verdict it drew and its flags (voided, missed gate, …). Rows are keyed by position (athletes) and
by session rep number (reps), which is the number the coach's void and reassign name.
"""

from __future__ import annotations


from rich.text import Text
from textual.widgets import DataTable

from gates.course import Course
from gates.rep import Rep
from monitor.present.records import fmt_pct, fmt_time
from monitor.present.styles import VERDICT_STYLE
from monitor.review import heart
from monitor.review.digest import AthleteDigest
from monitor.session.analyzer import RepResult, Verdict


def verdict_cell(verdict: Verdict | None) -> Text:
    return Text(verdict.value, style=VERDICT_STYLE[verdict]) if verdict else Text("—")


def fmt_figure(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def speeds_cell(rep: Rep) -> str:
    return " ".join("—" if v is None else f"{v:.1f}" for v in rep.segment_speeds()) or "—"


def rep_notes(result: RepResult, best_us: int | None) -> str:
    """Why a rep stands out: the athlete's best of the session, or what is wrong with it."""
    rep = result.rep
    notes = ["best"] if rep.valid and rep.time_us == best_us else []
    return ", ".join([*notes, *sorted(rep.flags)]) or ""


class AthleteList(DataTable):
    """One row per athlete (and course): name, reps that counted, best and the verdict reached."""

    def __init__(self, athletes: tuple[AthleteDigest, ...], *, several_courses: bool, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.add_column("Athlete", key="athlete")
        self.add_column("Reps", key="reps")
        self.add_column("Best s", key="best")
        self.add_column("Verdict", key="verdict")
        for i, a in enumerate(athletes):
            name = f"{a.name} ({a.course.label()} m)" if several_courses else a.name
            if a.block_name:  # a planned session: its reps grouped by block
                name = f"{a.name} · {a.block}. {a.block_name}"
            self.add_row(Text(name, style="bold"), f"{a.valid}/{len(a.results)}", fmt_time(a.best_us),
                         verdict_cell(a.verdict), key=str(i))


class RepTable(DataTable):
    """The selected athlete's reps; its columns follow the athlete's course (one per split)."""

    def __init__(self, hearts: dict | None = None, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.course: Course | None = None
        self.hearts = hearts or {}  # rep number -> RepHeart: two HR columns when the session has any

    def show(self, athlete: AthleteDigest) -> None:
        if athlete.course != self.course:
            self.clear(columns=True)
            self.course = athlete.course
            self.add_column("Rep", key="rep")
            for i, d in enumerate(athlete.course.distances_m[1:-1]):  # the last split is the time
                self.add_column(f"@{d:g}m", key=f"split{i}")
            self.add_column("Time", key="time")
            for label, key in (("Speeds m/s", "speeds"), ("Drop %", "drop"), ("Int %", "intensity"),
                               ("MSS", "mss"), ("MAC", "mac"), ("PMAX", "pmax"), ("Verdict", "verdict"),
                               ("Flags", "flags")):
                self.add_column(label, key=key)
            for label, key in heart.COLUMNS if self.hearts else ():
                self.add_column(label, key=key)
        else:
            self.clear()
        for result in athlete.results:
            self.add_row(*self._cells(result, athlete.best_us), key=str(result.rep.number))
        self.move_cursor(row=0, animate=False)

    def _cells(self, result: RepResult, best_us: int | None) -> list[object]:
        rep = result.rep
        fitted = result.profile
        time = Text(fmt_time(rep.time_us), style="bold" if rep.valid else "strike dim")
        return [str(rep.number), *(fmt_time(s) for s in rep.splits_us[:-1]), time, speeds_cell(rep),
                fmt_pct(result.dropoff_pct), fmt_pct(result.intensity_pct),
                fmt_figure(fitted and fitted.mss), fmt_figure(fitted and fitted.mac, 1),
                fmt_figure(fitted and fitted.pmax, 1), verdict_cell(result.verdict), rep_notes(result, best_us),
                *(heart.cells(self.hearts.get(rep.number)) if self.hearts else ())]
