"""The pipeline's messages, as Textual sees them.

The pipeline (monitor/pipeline.py) publishes small dataclasses and knows nothing of Textual; the
dashboard's bridge wraps each one in `Update` and posts it to the app, which dispatches on the
dataclass. Widgets are told what changed; nothing polls.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from gates.clocksync import ClockState
from monitor.live import pipeline


@dataclass(frozen=True, slots=True)
class GateClock:
    """How well one gate's own clock is aligned (sources whose gates each keep a clock, e.g. BLE),
    read from the source when that gate reports, for the gate strip."""

    source: str
    gate: int
    state: ClockState


class Update(Message):
    """One message from the pipeline (a `monitor.pipeline.Message`), or a gate's clock state."""

    def __init__(self, item: pipeline.Message | GateClock) -> None:
        super().__init__()
        self.item = item
