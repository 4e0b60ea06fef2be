"""The gate health strip: for each source and each gate it hears, the link state in words, the age
of the last heartbeat, battery, dropped frames, events known lost, and the clock alignment."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Grid
from textual.widgets import Static

if TYPE_CHECKING:  # statuses come from the sources, after the first frame (drivers.source loads every decoder)
    from drivers.source import SourceStatus
    from gates.clocksync import ClockState

STALE_S = 3.0  # heartbeats come at 1 Hz: three missed and the coach should look at the gate
CHIP_WIDTH = 50  # room for the widest usual chip: a BLE gate with its clock note (48 columns)
COMPACT_WIDTH = 16  # a narrow terminal's chip: state and battery only, five to a row at 80 columns
STATE_TONE = {"OK": "-ok", "CONNECTING": "-warn", "RECONNECTING": "-warn", "SILENT": "-warn", "LOST": "-bad",
              "CLOSED": "-idle"}


@cache
def state_word() -> dict:
    """A link state in the chip's words."""
    from drivers.source import State

    return {State.CONNECTING: "CONNECTING", State.CONNECTED: "OK", State.RECONNECTING: "RECONNECTING",
            State.ERROR: "LOST", State.CLOSED: "CLOSED"}


def clock_note(state: ClockState) -> str:
    """Alignment of a gate's own clock: its estimated error once trusted, else that it is syncing."""
    note = f"±{state.error_us / 1000:.1f} ms" if state.synced else f"syncing ({state.samples} samples)"
    return f"{note}, reset ×{state.epoch}" if state.epoch else note


def chip_text(status: SourceStatus, clock_note: str | None, now_s: float,
              compact: bool = False) -> tuple[Text, str]:
    """The chip's text and its tone class; `compact`: the gate, its state word, battery and lost events
    (the tone still says a heartbeat is late: SILENT)."""
    word = state_word()[status.state]
    age = None if status.last_heartbeat_ns is None else max(0.0, now_s - status.last_heartbeat_ns / 1e9)
    if word == "OK" and age is not None and age > STALE_S:
        word = "SILENT"
    text = Text()
    if compact:
        text.append(f"G{status.gate} {word}" if status.gate is not None else f"{status.source} {word}", style="bold")
        if status.battery_pct is not None:
            text.append(f" {status.battery_pct}%")
        if status.lost_events:
            text.append(" LOST", style="bold")
        return text, STATE_TONE[word]
    label = f"gate {status.gate}" if status.gate is not None else status.source
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
    shown: tuple[str, str] = ("", "")

    def show(self, status: SourceStatus, clock_note: str | None, now_s: float, compact: bool = False) -> None:
        """Redraw only when the words change: heartbeats come at 1 Hz per gate (faster in a demo)."""
        text, tone = chip_text(status, clock_note, now_s, compact)
        if (text.plain, tone) == self.shown:
            return
        if tone != self.shown[1]:  # a class change restyles the chip: only when the tone changes
            self.remove_class(*(t for t in STATE_TONE.values() if t != tone))
            self.add_class(tone)
        self.shown = (text.plain, tone)
        self.update(text, layout=False)


def _place(key: tuple[str, int | None]) -> tuple[str, int]:
    """Where a chip stands in the strip: by source, its link first, then its gates by number (G1 the
    start), whatever order they were first heard in."""
    return key[0], -1 if key[1] is None else key[1]


class GateStrip(Grid):
    """Chips keyed by (source, gate), each source's link then its gates by number; as many per row as fit, in
    their compact form when not even two full chips fit a row (every gate stays on screen).

    A gate is only as reachable as its source: while the link is down (or closed) its gates show the
    link's state, not a stale OK."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._chips: dict[tuple[str, int | None], GateChip] = {}
        self._status: dict[tuple[str, int | None], SourceStatus] = {}
        self._clock: dict[tuple[str, int | None], str] = {}
        self.compact = False
        self._now_s = 0.0

    def on_resize(self) -> None:
        compact = self.size.width < 2 * CHIP_WIDTH
        self.styles.grid_size_columns = max(1, self.size.width // (COMPACT_WIDTH if compact else CHIP_WIDTH))
        if compact != self.compact:
            self.compact = compact
            for key in self._status:
                self._show(key, self._now_s)

    def update_status(self, status: SourceStatus, now_s: float) -> None:
        key = (status.source, status.gate)
        self._status[key] = status
        if key not in self._chips:
            chip = self._chips[key] = GateChip(classes="gate-chip")
            later = [other for other in self._chips if _place(other) > _place(key)]
            self.mount(chip, before=self._chips[min(later, key=_place)] if later else None)
        if status.gate is None:
            for other in self._status:
                if other[0] == status.source:
                    self._show(other, now_s)
        else:
            self._show(key, now_s)

    def update_clock(self, source: str, gate: int, state: ClockState, now_s: float) -> None:
        key = (source, gate)
        self._clock[key] = clock_note(state)
        if key in self._status:
            self._show(key, now_s)

    def tick(self, now_s: float) -> None:
        """Heartbeat ages move with the clock; everything else changes only on a new status."""
        for key, status in self._status.items():
            if status.last_heartbeat_ns is not None:
                self._show(key, now_s)

    def _show(self, key: tuple[str, int | None], now_s: float) -> None:
        self._now_s = now_s
        status = self._status[key]
        link = self._status.get((key[0], None))
        from drivers.source import State

        if key[1] is not None and link is not None and link.state is not State.CONNECTED:
            status = replace(status, state=link.state, reason=link.reason)
        self._chips[key].show(status, self._clock.get(key), now_s, self.compact)
