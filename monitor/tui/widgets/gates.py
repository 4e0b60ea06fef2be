"""The gate health strip: for each source and each gate it hears, the link state in words, the age
of the last heartbeat, battery, dropped frames, events known lost, and the clock alignment."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Grid
from textual.widgets import Static

from drivers.source import SourceStatus, State
from gates.clocksync import ClockState

STALE_S = 3.0  # heartbeats come at 1 Hz: three missed and the coach should look at the gate
CHIP_WIDTH = 44
STATE_WORD = {State.CONNECTING: "CONNECTING", State.CONNECTED: "OK", State.RECONNECTING: "RECONNECTING",
              State.ERROR: "LOST", State.CLOSED: "CLOSED"}
STATE_TONE = {"OK": "-ok", "CONNECTING": "-warn", "RECONNECTING": "-warn", "SILENT": "-warn", "LOST": "-bad",
              "CLOSED": "-idle"}


def clock_note(state: ClockState) -> str:
    """Alignment of a gate's own clock: its estimated error once trusted, else that it is syncing."""
    note = f"±{state.error_us / 1000:.1f} ms" if state.synced else f"syncing ({state.samples} samples)"
    return f"{note}, reset ×{state.epoch}" if state.epoch else note


def chip_text(status: SourceStatus, clock_note: str | None, now_s: float) -> tuple[Text, str]:
    """The chip's text and its tone class."""
    word = STATE_WORD[status.state]
    age = None if status.last_heartbeat_ns is None else max(0.0, now_s - status.last_heartbeat_ns / 1e9)
    if word == "OK" and age is not None and age > STALE_S:
        word = "SILENT"
    label = f"gate {status.gate}" if status.gate is not None else status.source
    text = Text()
    text.append(f"{label} {word}", style="bold")
    if status.reason and word != "OK":
        text.append(f" ({status.reason})")
    if age is not None:
        text.append(f" · hb {age:.1f} s")
    if status.battery_pct is not None:
        text.append(f" · bat {status.battery_pct} %")
    if status.dropped_frames or status.gate is None:
        text.append(f" · {status.dropped_frames} bad frames")
    if status.lost_events:
        text.append(f" · {status.lost_events} LOST EVENTS", style="bold")
    if clock_note:
        text.append(f" · clock {clock_note}")
    return text, STATE_TONE[word]


class GateChip(Static):
    def show(self, status: SourceStatus, clock_note: str | None, now_s: float) -> None:
        text, tone = chip_text(status, clock_note, now_s)
        self.remove_class(*STATE_TONE.values())
        self.add_class(tone)
        self.update(text)


class GateStrip(Grid):
    """Chips keyed by (source, gate) in the order they were first heard; as many per row as fit."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._chips: dict[tuple[str, int | None], GateChip] = {}
        self._status: dict[tuple[str, int | None], SourceStatus] = {}
        self._clock: dict[tuple[str, int | None], str] = {}

    def on_resize(self) -> None:
        self.styles.grid_size_columns = max(1, self.size.width // CHIP_WIDTH)

    def update_status(self, status: SourceStatus, now_s: float) -> None:
        key = (status.source, status.gate)
        self._status[key] = status
        chip = self._chips.get(key)
        if chip is None:
            chip = self._chips[key] = GateChip(classes="gate-chip")
            self.mount(chip)
        chip.show(status, self._clock.get(key), now_s)

    def update_clock(self, source: str, gate: int, state: ClockState, now_s: float) -> None:
        key = (source, gate)
        note = self._clock[key] = clock_note(state)
        if key in self._status:
            self._chips[key].show(self._status[key], note, now_s)

    def tick(self, now_s: float) -> None:
        """Heartbeat ages move with the clock; everything else changes only on a new status."""
        for key, status in self._status.items():
            if status.last_heartbeat_ns is not None:
                self._chips[key].show(status, self._clock.get(key), now_s)
