"""The pipeline's messages, as Textual sees them: one Message class per pipeline event.

The pipeline (monitor/live/pipeline.py) publishes small dataclasses and knows nothing of Textual.
The bridge turns each one into the Textual message of its kind (`message_for`, over the table
`for_event` builds once), so the app has one handler per event (`on_rep_finished`, `on_link_changed`,
…), as Textual apps such as posting and harlequin do, and a new event is one class, one table entry
and one handler. Each message carries the pipeline's dataclass as `event`. Nothing polls.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the clock's state only as a type: clocksync (and statistics) load with the sources
    from gates.clocksync import ClockState
    from monitor.live import pipeline as pl
    from monitor.session.blocks import BlockChanged as BlockChangedEvent
    from monitor.session.heart import HeartChanged as HeartChangedEvent


@dataclass(frozen=True, slots=True)
class GateClock:
    """How well one gate's own clock is aligned (sources whose gates each keep a clock, e.g. BLE),
    read from the source when that gate reports, for the gate strip."""

    source: str
    gate: int
    state: ClockState


class PipelineEvent(Message):
    """The base of every message below: one pipeline event (or a gate's clock state) as `event`.
    The pipeline is not imported here, so the dashboard draws its first frame before it is loaded."""

    def __init__(self, event: object) -> None:
        super().__init__()
        self.event = event


class SessionOpened(PipelineEvent):
    """The session runs: new, or resumed with its reps."""

    event: pl.SessionOpened


class RepFinished(PipelineEvent):
    """A rep reached its finish and was judged."""

    event: pl.RepFinished


class RepsRevised(PipelineEvent):
    """Results recomputed (a void, a reassignment, an undo, a late split)."""

    event: pl.RepsRevised


class StartAbandoned(PipelineEvent):
    """A start that never reached the finish timed out."""

    event: pl.StartAbandoned


class LinkChanged(PipelineEvent):
    """A source or one of its gates changed state (connected, heartbeat, battery, lost)."""

    event: pl.LinkChanged


class GateClockChanged(PipelineEvent):
    """A gate that keeps its own clock reported how well it is aligned."""

    event: GateClock


class RotationChanged(PipelineEvent):
    """The running order, who is up next, or who is out, moved."""

    event: pl.RotationChanged


class SessionEnded(PipelineEvent):
    """The session ended (the coach, the sources, the dashboard closing)."""

    event: pl.SessionEnded


class PipelineFailed(PipelineEvent):
    """The pipeline stopped on an error: the board stays up with what it has."""

    event: pl.PipelineFailed


class StoreFailed(PipelineEvent):
    """The disk refused a write: the session goes on in memory."""

    event: pl.StoreFailed


class StoreSaving(PipelineEvent):
    """The disk took the backlog again."""

    event: pl.StoreSaving


class BlockChanged(PipelineEvent):
    """The plan moved on to another block: gates to move, athletes out."""

    event: BlockChangedEvent


class HistoryLoading(PipelineEvent):
    """A new session's start is reading earlier sessions for the personal bests it is judged against."""

    event: pl.HistoryLoading


class HeartChanged(PipelineEvent):
    """An athlete's strap reported: bpm, contact, HR at the last finish, HRR60, READY."""

    event: HeartChangedEvent


@cache
def for_event() -> dict[type, type[PipelineEvent]]:
    """Pipeline dataclass -> its Textual message class, built once, at the first message."""
    from monitor.live import pipeline as pl
    from monitor.session.blocks import BlockChanged as BlockChangedEvent
    from monitor.session.heart import HeartChanged as HeartChangedEvent

    return {
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
        pl.HistoryLoading: HistoryLoading,
        HeartChangedEvent: HeartChanged,
    }


def message_for(event: pl.Message | GateClock) -> PipelineEvent:
    """The Textual message of a pipeline event (KeyError for a kind of event with no message yet)."""
    return for_event()[type(event)](event)
