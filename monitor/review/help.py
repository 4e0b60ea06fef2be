"""The review's help: its keys, and what each figure means and where it comes from."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from monitor.present.grid import two_columns

FIGURES = (
    ("Reps", "reps that counted / all reps (voided, cancelled or impossible ones do not count)"),
    ("Drop %", "(time − best) / best × 100, against the best at the time the rep was run"),
    ("Int %", "intensity: best / time × 100; under the floor % a rep draws CAUTION, then END"),
    ("MSS", "maximal sprinting speed, m/s, fitted to the rep's splits (mono-exponential model)"),
    ("MAC", "maximal acceleration, m/s² (MSS / τ)"),
    ("PMAX", "relative maximal power, W/kg (MSS × MAC / 4)"),
    ("floor line", "the time of a rep run at exactly the floor: the athlete's session best ÷ floor %"),
    ("v(t) plot", "the fitted velocity curve from the start gate; the dots are what the gates measured: "
                  "each segment's mean speed, at the segment's mid-time (slightly under the curve while "
                  "accelerating)"),
)


class ReviewHelp(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close help")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        heading = {"style": "bold underline"}
        body = Group(Text("Keys", **heading), two_columns(self.keys), Text(""), Text("The figures", **heading),
                     two_columns(list(FIGURES)), Text(""),
                     Text("Read-only: nothing you do here changes the stored session. Esc closes this help.",
                          style="dim"))
        yield VerticalScroll(Static(body), id="help")
