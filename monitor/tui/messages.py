"""The pipeline's messages, as Textual sees them: one Message class per pipeline event.

The pipeline (monitor/live/pipeline.py) publishes small dataclasses and knows nothing of Textual.
The bridge turns each one into the Textual message of its kind (`message_for`, over the `FOR_EVENT`
table built once below), so the app has one handler per event (`on_rep_finished`, `on_link_changed`,
…), as Textual apps such as posting and harlequin do, and a new event is one class, one table entry
and one handler. Each message carries the pipeline's dataclass as `event`. Nothing polls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from textual.message import Message

from gates.clocksync import ClockState
from monitor.live import pipeline as pl
from monitor.session.blocks import BlockChanged as BlockChangedEvent


@dataclass(frozen=True, slots=True)
class GateClock:
    """How well one gate's own clock is aligned (sources whose gates each keep a clock, e.g. BLE),
    read from the source when that gate reports, for the gate strip."""

    source: str
    gate: int
    state: ClockState


E = TypeVar("E")


class PipelineEvent(Message, Generic[E]):
    """The base of every message below: one pipeline event (or a gate's clock state) as `event`."""

    def __init__(self, event: E) -> None:
        super().__init__()
        self.event = event


class SessionOpened(PipelineEvent[pl.SessionOpened]):
    """The session runs: new, or resumed with its reps."""


class RepFinished(PipelineEvent[pl.RepFinished]):
    """A rep reached its finish and was judged."""


class RepsRevised(PipelineEvent[pl.RepsRevised]):
    """Results recomputed (a void, a reassignment, an undo, a late split)."""


class StartAbandoned(PipelineEvent[pl.StartAbandoned]):
    """A start that never reached the finish timed out."""


class LinkChanged(PipelineEvent[pl.LinkChanged]):
    """A source or one of its gates changed state (connected, heartbeat, battery, lost)."""


class GateClockChanged(PipelineEvent[GateClock]):
    """A gate that keeps its own clock reported how well it is aligned."""


class RotationChanged(PipelineEvent[pl.RotationChanged]):
    """The running order, who is up next, or who is out, moved."""


class SessionEnded(PipelineEvent[pl.SessionEnded]):
    """The session ended (the coach, the sources, the dashboard closing)."""


class PipelineFailed(PipelineEvent[pl.PipelineFailed]):
    """The pipeline stopped on an error: the board stays up with what it has."""


class StoreFailed(PipelineEvent[pl.StoreFailed]):
    """The disk refused a write: the session goes on in memory."""


class StoreSaving(PipelineEvent[pl.StoreSaving]):
    """The disk took the backlog again."""


class BlockChanged(PipelineEvent[BlockChangedEvent]):
    """The plan moved on to another block: gates to move, athletes out."""


FOR_EVENT: dict[type, type[PipelineEvent]] = {
    pl.SessionOpened: SessionOpened,
    pl.RepFinished: RepFinished,
    pl.RepsRevised: RepsRevised,
    pl.StartAbandoned: StartAbandoned,
    pl.LinkChanged: LinkChanged,
    GateClock: GateClockChanged,
    pl.RotationChanged: RotationChanged,
    pl.SessionEnded: SessionEnded,
    pl.PipelineFailed: PipelineFailed,
    pl.StoreFailed: StoreFailed,
    pl.StoreSaving: StoreSaving,
    BlockChangedEvent: BlockChanged,
}


def message_for(event: pl.Message | GateClock) -> PipelineEvent:
    """The Textual message of a pipeline event (KeyError for a kind of event with no message yet)."""
    return FOR_EVENT[type(event)](event)
