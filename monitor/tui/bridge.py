"""The dashboard on a live Pipeline: its messages in, the coach's decisions out as annotations.

`run_dashboard` starts the pipeline (a mistake such as an ended `--session` fails before any screen
opens), runs the app in the same event loop, and stops the pipeline when the app closes: the demo
ends its session then; a monitor leaves it open, so the next `gates monitor` resumes it as after a
crash (the coach ends a session with `e`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from monitor import store as st
from monitor.cli import UsageError
from monitor.pipeline import LinkChanged, Message, Pipeline, PipelineError
from monitor.tui.messages import GateClock, Update

if TYPE_CHECKING:
    from monitor.tui.app import DashboardApp


def describe(note: st.Annotation) -> str:
    """A coach's annotation in a few words, for the undo notice."""
    data = note.data
    return {
        st.VOID: lambda: f"void of rep {data.get('rep')}",
        st.REASSIGN: lambda: f"rep {data.get('rep')} to {data.get('athlete')}",
        st.SKIP: lambda: "skip",
        st.NEXT_UP: lambda: f"{data.get('athlete')} next",
        st.ADD_ATHLETE: lambda: f"adding {data.get('athlete')}",
        st.REMOVE_ATHLETE: lambda: f"removing {data.get('athlete')}",
        st.ROSTER: lambda: f"order {', '.join(data.get('athletes', []))}",
    }.get(note.kind, lambda: note.kind)()


class PipelineControls:
    """`Controls` for the dashboard over a started Pipeline. Each decision is one annotation, stored
    before it takes effect; undo takes back this dashboard's latest decision that still stands."""

    def __init__(self, pipeline: Pipeline, messages: asyncio.Queue[Message]) -> None:
        self.pipeline = pipeline
        self.messages = messages
        self._mine: list[int] = []  # annotation ids of this dashboard's decisions, oldest first
        self._ending: asyncio.Task | None = None

    async def run(self, post: Callable[[Update], object]) -> None:
        clocks = {s.name: s.clock_state for s in self.pipeline.sources if hasattr(s, "clock_state")}
        while True:
            item = await self.messages.get()
            post(Update(item))
            if isinstance(item, LinkChanged) and item.status.gate is not None and item.status.source in clocks:
                state = clocks[item.status.source](item.status.gate)  # gates that keep their own clock
                if state is not None:
                    post(Update(GateClock(item.status.source, item.status.gate, state)))

    def _decide(self, kind: str, **data: object) -> None:
        self._mine.append(self.pipeline.annotate(kind, **data).id)

    def void(self, rep: int) -> None:
        self._decide(st.VOID, rep=rep)

    def reassign(self, rep: int, athlete: str) -> None:
        self._decide(st.REASSIGN, rep=rep, athlete=athlete)

    def skip(self) -> None:
        self._decide(st.SKIP)

    def next_up(self, name: str) -> None:
        self._decide(st.NEXT_UP, athlete=name)

    def set_order(self, names: list[str]) -> None:
        self._decide(st.ROSTER, athletes=names)

    def add_athlete(self, name: str) -> None:
        self._decide(st.ADD_ATHLETE, athlete=name)

    def undo(self) -> str | None:
        pipeline = self.pipeline
        standing = {note.id: note for note in st.effective(pipeline.annotations())}
        while self._mine:
            note = standing.get(self._mine.pop())
            if note is not None:
                pipeline.annotate(st.UNDO, annotation=note.id)
                return describe(note)
        return None

    def end(self) -> None:
        """End the session: sources close, what they hold is stored, the END annotation follows."""
        if self._ending is None:
            self._ending = asyncio.get_running_loop().create_task(
                self.pipeline.stop(end=True, reason="ended by the coach"))


async def open_dashboard(pipeline: Pipeline, *, where: str, speed: float = 1.0) -> DashboardApp:
    """Start the pipeline and build its dashboard (not yet running)."""
    from monitor.tui.app import DashboardApp

    messages = pipeline.subscribe()
    try:
        await pipeline.start()
    except PipelineError as err:
        raise UsageError(str(err)) from None
    return DashboardApp(PipelineControls(pipeline, messages), course=pipeline.course, rule=pipeline.rule,
                        roster=pipeline.athletes, where=where, speed=speed,
                        clock=lambda: pipeline.clock() / 1e9)  # rest and heartbeat ages on the arrivals' clock


def require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.__stderr__.isatty()):  # Textual reads keys on stdin, draws on stderr
        raise UsageError("the dashboard needs a terminal; without one, `gates monitor --headless` prints lines")


async def run_dashboard(pipeline: Pipeline, *, where: str, end_on_exit: bool, speed: float = 1.0) -> int:
    require_terminal()
    app = await open_dashboard(pipeline, where=where, speed=speed)
    try:
        await app.run_async()
    finally:
        await pipeline.stop(end=end_on_exit, reason="the dashboard was closed")
    return 1 if pipeline.failure or pipeline.unsaved else 0
