"""The heart-rate table: per athlete with a strap, the current bpm and skin contact, HR at the last
rep's finish, HRR60 (with the minute's peak), and READY.

READY here is the stricter of the two: the block's minimum rest is over AND HR is under the
athlete's threshold (monitor/session/heart.py). While the rest runs it says so; once it is over, a
heart still above its threshold says HR HIGH, and a strap that gives no reading says NO HR (HR
cannot confirm). Made and mounted when the first strap speaks, so a session without straps looks as
before and its first frame neither loads nor styles a table it does not show (this module, Textual's
DataTable and the heart-rate code are loaded with the first strap's reading). The athlete table's
♥ column (`athlete_table_cell`) carries the bpm too, so a terminal too short for this table (it is
hidden under 32 rows, as the plots are) still shows every athlete's heart rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

if TYPE_CHECKING:
    from gates.heartrate import Contact
    from monitor.session.heart import HeartChanged

READY_STYLE = "bold #ffffff on #1b7a34"  # as the athlete table's READY
WAIT_STYLE = "bold #000000 on #f0b000"
CONTACT_WORDS = {"ok": "on skin", "lost": "NO CONTACT", "unsupported": "—"}  # by the Contact value
COLUMNS = (("Athlete", "athlete"), ("♥ bpm", "bpm"), ("Contact", "contact"), ("Strap", "link"),
           ("At finish", "finish"), ("HRR60", "hrr60"), ("Ready", "ready"))


def bpm_cell(bpm: int | None) -> Text:
    return Text("—") if bpm is None else Text(f"{bpm}", style="bold")


def athlete_table_cell(changed: HeartChanged) -> Text:
    """The athlete table's ♥ cell, seen on every terminal: the bpm, amber while the rest is over but
    HR is still at or above the athlete's threshold (HR HIGH)."""
    from gates.hr_recovery import Readiness

    cell = bpm_cell(changed.heart.bpm)
    if changed.heart.readiness is Readiness.HR_HIGH:
        cell.stylize(WAIT_STYLE)
    return cell


def contact_cell(contact: Contact | None) -> Text:
    if contact is None:
        return Text("no signal", style="dim")
    from gates.heartrate import Contact

    return Text(CONTACT_WORDS[contact.value], style="bold red" if contact is Contact.LOST else "")


def hrr60_cell(changed: HeartChanged) -> Text:
    last = changed.heart.last
    if last is None or last.hr.hrr60 is None:
        return Text("…" if last is not None and last.hr.finish_bpm is not None else "—")
    peak = f" (peak {last.hr.peak_bpm})" if last.hr.peak_bpm is not None else ""
    return Text(f"{last.hr.hrr60}{peak}")  # negative after a short sprint: HR still rising


def ready_cell(changed: HeartChanged) -> Text:
    from gates.hr_recovery import Readiness

    heart = changed.heart
    under = f" < {heart.threshold_bpm}" if heart.threshold_bpm is not None else ""
    if heart.readiness is None:
        return Text(f"—{under}")
    if heart.readiness is Readiness.READY:
        return Text(" READY ", style=READY_STYLE)
    if heart.readiness is Readiness.RESTING:
        return Text(f"resting{under}")
    words = "HR HIGH" if heart.readiness is Readiness.HR_HIGH else "NO HR"
    return Text(f" {words}{under} ", style=WAIT_STYLE)


def cells(changed: HeartChanged) -> dict[str, Text]:
    heart = changed.heart
    last = heart.last
    finish = None if last is None else last.hr.finish_bpm
    return {"athlete": Text(heart.athlete), "bpm": bpm_cell(heart.bpm), "contact": contact_cell(heart.contact),
            "link": Text(changed.link, style="" if changed.link == "connected" else "bold"),
            "finish": Text("—" if finish is None else f"{finish} #{last.number}"),  # type: ignore[union-attr]
            "hrr60": hrr60_cell(changed), "ready": ready_cell(changed)}


class HeartTable(DataTable):
    DEFAULT_CSS = """
    HeartTable { height: auto; max-height: 9; border: round $secondary; }  /* the demo's six straps */
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="none", **kwargs)  # type: ignore[arg-type]
        self.border_title = "Heart rate"
        for label, key in COLUMNS:  # here, not on mount: the first strap's row comes as the table is mounted
            self.add_column(label, key=key)

    def show(self, changed: HeartChanged) -> None:
        name = changed.heart.athlete
        row = cells(changed)
        if name not in self.rows:
            self.add_row(*(row[key] for _, key in COLUMNS), key=name)
            return
        for key, value in row.items():  # a column grows to its widest cell: "resting 1:20" is not cut to "resti"
            self.update_cell(name, key, value, update_width=True)
