"""The help screen: every key, what it does and that it is stored, and how to read the verdict."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from monitor.present.grid import two_columns

VERDICTS = (
    ("GO", "intensity ({reference} / time) is at or above the floor: the next rep can follow"),
    ("CAUTION", "the first valid rep under the floor: watch the next one"),
    ("END SESSION", "{consecutive} valid reps in a row under the floor (or the volume cap): this athlete stops"),
    ("BASELINE", "fewer than {min_reps} valid reps: no verdict yet"),
    ("NOT COUNTED", "voided, cancelled by the timer, or physically impossible: never a best"),
)
REFERENCES = {
    "session": ("best", "The banner judges the athlete who just finished against that athlete's best of this session."),
    "pb": ("PB", "The banner judges the athlete who just finished against their PB: the better of their best in "
                 "earlier sessions and today's (no PB yet: today's best, and the banner says so)."),
}
NOTES = (
    "Drop-off % = (time − best) / best × 100.  Sdec % = (Σ times / (best × reps) − 1) × 100.",
    "MSS: top speed (m/s) fitted to the rep's splits; MSS↓ % = (best MSS − MSS) / best MSS × 100.  "
    "PB: best of earlier sessions; % PB = min(PB, best) / time × 100.",
    "Rest counts from each athlete's last finish: micro-dosed speed work needs full recovery.",
    "Every change you make is stored as an annotation beside the raw gate events; nothing is edited in "
    "place, so undo (u) takes back your latest change and the session can be re-analysed exactly.",
)


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close help")]

    def __init__(self, keys: list[tuple[str, str]], *, consecutive: int, min_reps: int,
                 against: str = "session") -> None:
        super().__init__()
        self.keys = keys
        reference, self.judged = REFERENCES[against]
        self.verdicts = [(word, text.format(consecutive=consecutive, min_reps=min_reps, reference=reference))
                         for word, text in VERDICTS]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("Keys", style="bold underline"))
            yield Static(two_columns(self.keys))
            yield Static(Text("Reading the dashboard", style="bold underline"), classes="help-heading")
            yield Static(two_columns(self.verdicts))
            for note in (self.judged, *NOTES):
                yield Static(note, classes="help-note")
            yield Static(Text("Esc closes this help · Ctrl+P opens the command palette", style="dim"),
                         classes="help-heading")
