"""The dashboard on a live Pipeline: its messages in, the coach's decisions out as annotations.

`run_dashboard` starts the pipeline (a mistake such as an ended `--session` fails before any screen
opens), runs the app in the same event loop, and stops the pipeline when the app closes: the demo
ends its session then; a monitor leaves it open, so the next `gates monitor` resumes it as after a
crash (the coach ends a session with `e`). `run_dashboard_first` draws the dashboard before the
pipeline exists and builds and starts it after the first frame: `gates demo` is on screen at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from monitor.session import facts
from monitor.tui.messages import GateClock, PipelineEvent, message_for

if TYPE_CHECKING:  # the pipeline is loaded when it starts: `run_dashboard_first` draws before that
    from monitor.session.log import LogEntry
    from gates.course import Course
    from monitor.live.pipeline import Message, Pipeline
    from monitor.session.analyzer import StopRule
    from monitor.session.plans import Plan
    from monitor.tui.app import DashboardApp


def describe(note: facts.Annotation) -> str:
    """A coach's annotation in a few words, for the undo notice."""
    data = note.data
    return {
        facts.VOID: lambda: f"void of rep {data.get('rep')}",
        facts.REASSIGN: lambda: f"rep {data.get('rep')} to {data.get('athlete')}",
        facts.SKIP: lambda: "skip",
        facts.NEXT_UP: lambda: f"{data.get('athlete')} next",
        facts.OUT_OF_TURN: lambda: f"{data.get('athlete')} next, out of turn",
        facts.ADD_ATHLETE: lambda: f"adding {data.get('athlete')}",
        facts.REMOVE_ATHLETE: lambda: f"removing {data.get('athlete')}",
        facts.ROSTER: lambda: f"order {', '.join(data.get('athletes', []))}",
        facts.BRING_BACK: lambda: f"bringing back {data.get('athlete')}",
        facts.BLOCK: lambda: f"the move to block {data.get('block')}",
    }.get(note.kind, lambda: note.kind)()


class PipelineControls:
    """`Controls` for the dashboard over a started Pipeline. Each decision is one annotation, stored
    before it takes effect; undo takes back this dashboard's latest decision that still stands."""

    def __init__(self, pipeline: Pipeline | None, messages: asyncio.Queue[Message] | None = None, *,
                 build: Callable[[], Awaitable[Pipeline]] | None = None) -> None:
        """A started `pipeline` and its subscription, or `build`: what makes the pipeline, started by
        `run` once the dashboard's first frame is up (`gates demo` simulates its session then)."""
        self.pipeline = pipeline  # type: ignore[assignment]
        self.messages = messages  # type: ignore[assignment]
        self.build = build
        self._mine: list[int] = []  # annotation ids of this dashboard's decisions, oldest first
        self._ending: asyncio.Task | None = None

    async def run(self, post: Callable[[PipelineEvent], object]) -> None:
        from monitor.live.pipeline import LinkChanged

        if self.build is not None:
            pipeline = await self.build()
            self.messages = pipeline.subscribe()
            await pipeline.start()
            self.pipeline = pipeline
        clocks = {s.name: s.clock_state for s in self.pipeline.sources}
        while True:
            item = await self.messages.get()
            post(message_for(item))
            if isinstance(item, LinkChanged) and item.status.gate is not None and item.status.source in clocks:
                state = clocks[item.status.source](item.status.gate)  # gates that keep their own clock
                if state is not None:
                    post(message_for(GateClock(item.status.source, item.status.gate, state)))

    def _decide(self, kind: str, **data: object) -> None:
        self._mine.append(self.pipeline.annotate(kind, **data).id)

    def void(self, rep: int) -> None:
        self._decide(facts.VOID, rep=rep)

    def reassign(self, rep: int, athlete: str) -> None:
        self._decide(facts.REASSIGN, rep=rep, athlete=athlete)

    def skip(self) -> None:
        self._decide(facts.SKIP)

    def send_now(self, name: str) -> None:
        self._decide(facts.OUT_OF_TURN, athlete=name)

    def set_order(self, names: list[str]) -> None:
        self._decide(facts.ROSTER, athletes=names)

    def add_athlete(self, name: str) -> None:
        self._decide(facts.ADD_ATHLETE, athlete=name)

    def bring_back(self, name: str) -> None:
        self._decide(facts.BRING_BACK, athlete=name)

    def undo(self) -> tuple[bool, str] | None:
        """Undo this dashboard's latest decision that stands: (True, what was undone), or (False, why
        not) when reps run since would go to other athletes; None when there is nothing to undo."""
        pipeline = self.pipeline
        standing = {note.id: note for note in facts.effective(pipeline.annotations())}
        while self._mine:
            note = standing.get(self._mine.pop())
            if note is None:
                continue
            if moved := pipeline.moved_by_undo(note):
                self._mine.append(note.id)
                reps = ", ".join(f"rep {number} ({now} → {then})" for number, now, then in moved[:3])
                more = f" and {len(moved) - 3} more" if len(moved) > 3 else ""
                return False, f"{describe(note)} stays: {reps}{more} would change athlete (r reassigns one rep)"
            pipeline.annotate(facts.UNDO, annotation=note.id)
            return True, describe(note)
        return None

    def log(self, entry: LogEntry) -> None:
        """An athlete's log of the session, after END too (a fact of the session, not a decision to undo)."""
        self.pipeline.annotate(facts.LOG, **entry.as_data())

    def next_block(self) -> int | None:
        """Move the plan on to its next block (a BLOCK annotation): its number, None on the last."""
        return self.pipeline.next_block()

    async def assign_strap(self, text: str) -> str:
        """Pair a heart-rate strap now (`Ada=hr:name=Polar*`); ValueError in one line if it cannot be."""
        heart = self.pipeline.heart
        if heart is None:
            raise ValueError("this session takes no heart-rate straps")
        pairing = await heart.assign(text)
        return f"{pairing.athlete} wears {pairing.spec.text}"

    def end(self) -> None:
        """End the session: sources close, what they hold is stored, the END annotation follows."""
        if self._ending is None:
            self._ending = asyncio.get_running_loop().create_task(
                self.pipeline.stop(end=True, reason="ended by the coach"))


async def open_dashboard(pipeline: Pipeline, *, where: str, speed: float = 1.0,
                         hi_range_m: dict[str, tuple[float, float]] | None = None,
                         default_range_m: tuple[float, float] | None = None, **look: object) -> DashboardApp:
    """Start the pipeline and build its dashboard (not yet running); `look`: its theme options;
    `hi_range_m`, `default_range_m`: the weekly high-intensity ranges its spacing line shows against."""
    from monitor.session.week import HI_RANGE_M
    from monitor.store.week_rows import spacing_at
    from monitor.tui.app import DashboardApp

    messages = pipeline.subscribe()
    await pipeline.start()
    spacing = spacing_at(pipeline.store, pipeline.athletes, time.time_ns(), session=pipeline.session,
                         hi_range_m=hi_range_m, default_range_m=default_range_m or HI_RANGE_M)
    return DashboardApp(PipelineControls(pipeline, messages), course=pipeline.course, rule=pipeline.rule,
                        roster=pipeline.athletes, where=where, speed=speed, spacing=spacing, plan=pipeline.plan,
                        **look,  # type: ignore[arg-type]
                        clock=lambda: pipeline.clock() / 1e9)  # rest and heartbeat ages on the arrivals' clock


async def run_dashboard(pipeline: Pipeline, *, where: str, end_on_exit: bool, speed: float = 1.0,
                        **look: object) -> int:
    app = await open_dashboard(pipeline, where=where, speed=speed, **look)
    try:
        await app.run_async()
    finally:
        await pipeline.stop(end=end_on_exit, reason="the dashboard was closed")
    return 1 if pipeline.failure or pipeline.unsaved else 0


async def run_dashboard_first(build: Callable[[], Awaitable[Pipeline]], *, course: Course,
                              rule: StopRule | None, roster: list[str], where: str, end_on_exit: bool,
                              speed: float = 1.0, plan: Plan | None = None, **look: object) -> tuple[int, Pipeline | None]:
    """The dashboard first, then the pipeline `build` makes, started after the first frame, so the
    coach sees the board while the session is prepared (the rest timers run on the monotonic clock,
    the pipeline's own). (exit code, the pipeline, None if it was never built)."""
    from monitor.tui.app import DashboardApp

    controls = PipelineControls(None, build=build)
    app = DashboardApp(controls, course=course, rule=rule, roster=roster, where=where, speed=speed, plan=plan,
                       **look)  # type: ignore[arg-type]
    try:
        await app.run_async()
    finally:
        if controls.pipeline is not None:
            await controls.pipeline.stop(end=end_on_exit, reason="the dashboard was closed")
    pipeline = controls.pipeline
    return (1 if pipeline is None or pipeline.failure or pipeline.unsaved else 0), pipeline
