"""Small modal prompts behind the coach's keys: pick an athlete, type a name or an order, confirm.

Each returns its answer through `dismiss` (None when the coach backs out with Escape), so an action
can `push_screen(prompt, callback)` and store the decision only when there is one.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option


class _Prompt(ModalScreen):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickAthlete(_Prompt):
    """Choose one of the athletes by arrow keys and Enter, or by typing the first letters."""

    def __init__(self, question: str, names: list[str], current: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.names = names
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt"):
            yield Label(self.question, classes="prompt-question")
            options = [Option(name, id=f"athlete-{i}") for i, name in enumerate(self.names)]
            yield OptionList(*options, id="choices")
            yield Label("↑↓ choose · Enter confirm · Esc cancel", classes="prompt-hint")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        if self.current in self.names:
            choices.highlighted = self.names.index(self.current)
        choices.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.names[event.option_index])


class AskText(_Prompt):
    """One line of text: a new athlete's name, or the rotation order as A,B,C."""

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt"):
            yield Label(self.question, classes="prompt-question")
            yield Input(self.value, placeholder=self.placeholder, id="answer")
            yield Label("Enter confirm · Esc cancel", classes="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(text or None)


class Confirm(_Prompt):
    BINDINGS = [Binding("y", "yes", "Yes"), Binding("n", "cancel", "No"), Binding("escape", "cancel", "No")]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt"):
            yield Label(self.question, classes="prompt-question")
            with Horizontal(classes="prompt-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_yes(self) -> None:
        self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes" or None)
