"""The athlete's log typed in after a session, on the dashboard (after END) or in review: RPE (CR-10),
minutes, leg feel and a note, one small screen per athlete. Here, below both, because the dashboard
and the review are sibling layers that share it. What is typed becomes a
`monitor.session.log.LogEntry`, checked as `gates log` checks it; the caller stores it (a LOG fact of
the session). Session load = RPE × minutes (Foster et al. 2001).

Enter moves to the next field and, on the note, saves; Esc skips the athlete (nothing is stored).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label

from monitor.session.log import LEGS, LogEntry, LogError

FIELDS = ("rpe", "minutes", "legs", "note")


class LogPrompt(ModalScreen[LogEntry | None]):
    """One athlete's log; dismissed with the entry, or None (skipped, or nothing typed)."""

    BINDINGS = [Binding("escape", "skip", "Skip")]

    def __init__(self, athlete: str, current: LogEntry | None = None, position: str = "") -> None:
        super().__init__()
        self.athlete = athlete
        self.current = current
        self.position = position

    def compose(self) -> ComposeResult:
        now = self.current
        with Vertical(classes="prompt"):
            yield Label(f"{self.athlete}'s log{self.position}: how did it feel?", classes="prompt-question")
            yield Input(_shown(now and now.rpe), placeholder="RPE 0-10 (CR-10: 0 rest … 10 maximal)", id="rpe")
            yield Input(_shown(now and now.minutes), placeholder="minutes the session took", id="minutes")
            yield Input((now and now.legs) or "", placeholder=f"legs: {', '.join(LEGS)}", id="legs",
                        suggester=SuggestFromList(LEGS, case_sensitive=False))
            yield Input((now and now.note) or "", placeholder="note (optional)", id="note")
            yield Label("", id="log-error")
            yield Label("Enter next field, then save · Esc skip this athlete", classes="prompt-hint")

    def on_mount(self) -> None:
        self.query_one("#rpe", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "note":
            self.focus_next()
            return
        try:
            self.dismiss(self.entry())
        except LogError as err:
            self.query_one("#log-error", Label).update(f"not saved: {err}")

    def entry(self) -> LogEntry | None:
        """What is typed as an entry (None when nothing is); LogError naming the field that is wrong."""
        text = {name: self.query_one(f"#{name}", Input).value.strip() for name in FIELDS}
        if not any(text.values()):
            return None
        hr_rest = self.current.hr_rest if self.current is not None else None  # kept: not asked here
        return LogEntry(self.athlete, _number("rpe", text["rpe"]), _number("minutes", text["minutes"]),
                        text["legs"].lower() or None, hr_rest, text["note"])

    def action_skip(self) -> None:
        self.dismiss(None)


def _number(name: str, text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise LogError(f"{name} must be a number, got {text!r}") from None


def _shown(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def ask_logs(app: App, athletes: Sequence[str], save: Callable[[LogEntry], object],
             current: Mapping[str, LogEntry] | None = None) -> None:
    """A LogPrompt for each athlete in turn; each entry typed is handed to `save` as it is confirmed."""
    waiting = list(dict.fromkeys(athletes))
    total = len(waiting)

    def next_one(entry: LogEntry | None = None) -> None:
        if entry is not None:
            save(entry)
        if waiting:
            name = waiting.pop(0)
            position = f" ({total - len(waiting)} of {total})" if total > 1 else ""
            app.push_screen(LogPrompt(name, (current or {}).get(name), position), next_one)

    next_one()
