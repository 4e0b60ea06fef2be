"""Textual messages for the dashboard, each wrapping a plain value from the pipeline.

The pipeline publishes small dataclasses and knows nothing of Textual; the bridge that runs it for
the dashboard wraps each in one of these and posts it to the app, so widgets are told about changes
and never poll.
"""

from __future__ import annotations

from textual.message import Message

from drivers.source import SourceStatus
from gates.clocksync import ClockState
from gates.rep import Rep
from monitor.analyzer import RepResult


class RepFinished(Message):
    """A rep crossed the finish and was judged. `at`: when it finished on the dashboard's clock, if
    known (else the time it arrived); the athlete's rest timer starts there."""

    def __init__(self, result: RepResult, at: float | None = None) -> None:
        super().__init__()
        self.result = result
        self.at = at


class RepsRevised(Message):
    """A coach's annotation (or a timer's cancel) changed reps: every rep of each athlete touched."""

    def __init__(self, results: list[RepResult]) -> None:
        super().__init__()
        self.results = results


class StartAbandoned(Message):
    """A start nobody finished (the rep timed out): not a rep, but worth a line for the coach."""

    def __init__(self, rep: Rep) -> None:
        super().__init__()
        self.rep = rep


class LinkChanged(Message):
    """A source or one of its gates reported its state (connection, heartbeat, battery, drops)."""

    def __init__(self, status: SourceStatus) -> None:
        super().__init__()
        self.status = status


class ClockChanged(Message):
    """A gate's clock alignment changed (gates with their own clocks only)."""

    def __init__(self, source: str, gate: int, state: ClockState) -> None:
        super().__init__()
        self.source = source
        self.gate = gate
        self.state = state


class RotationChanged(Message):
    """Who runs in which order, and whose turn is next."""

    def __init__(self, order: list[str], next_up: str | None) -> None:
        super().__init__()
        self.order = order
        self.next_up = next_up


class SessionEnded(Message):
    """The session was ended (by the coach, or the source ran out)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class PipelineFailed(Message):
    """The pipeline stopped on an error: the board stays up with what it had, the reason shown."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
