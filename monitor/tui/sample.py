"""A dashboard in a known state, for the README screenshot and the snapshot tests.

A simulated session with a fixed seed is analysed offline (the same decode → assemble → analyze
chain as `gates analyze`, with the live session's sprint profiles and personal bests: those of the
same group's session of the seed before), and its reps are posted to the app up to the first rep
that shows the wanted verdict. Every time on screen comes from the session itself (rest timers run on the
session's clock, frozen just after the rep shown), so the picture is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drivers.source import SourceStatus, State
from gates import protocols
from gates.course import Course
from monitor.live.pipeline import LinkChanged, RepFinished, RotationChanged
from monitor.session import batch
from monitor.session.analyzer import RepResult, Verdict
from monitor.session.model import Settings
from monitor.store.history import Bests, bests_of
from monitor.tui.messages import message_for
from simulators.athletes import presets
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate

SEED = 7
COURSE = "0,10,20,30"
PLAN = "rsa"
ATHLETES = 4
LOOK_AROUND_S = 20.0  # the picture is taken this long after the rep shown finished


@dataclass(slots=True)
class FrozenClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True, slots=True)
class Sample:
    course: Course
    roster: list[str]
    results: list[RepResult]
    batteries: dict[int, int]

    def upto(self, verdict: Verdict) -> int:
        """How many reps to show so that the last one has `verdict`: for GO the last GO before any
        warning (a full table, all well), else the first CAUTION or END of the session."""
        first = {v: next(i for i, r in enumerate(self.results, 1) if r.verdict is v) for v in Verdict}
        if verdict is Verdict.GO:
            warned = min(first[Verdict.CAUTION], first[Verdict.END])
            return max(i for i, r in enumerate(self.results[:warned - 1], 1) if r.verdict is Verdict.GO)
        return first[verdict]


def sample(seed: int = SEED, athletes: int = ATHLETES, plan: str = PLAN) -> Sample:
    course = Course.parse(COURSE)
    group = presets(athletes)
    roster = [a.name for a in group]
    earlier, _ = _analysed(course, group, plan, seed - 1, {})
    results, session = _analysed(course, group, plan, seed, bests_of(earlier))
    batteries = {device.gate: int(device.battery_pct) for device in session.devices}
    return Sample(course, roster, results, batteries)


def _analysed(course: Course, group: list, plan: str, seed: int, pbs: Bests):
    """One simulated session's results, judged against `pbs`: (results, the simulated session)."""
    session = simulate(SessionConfig(course=course, athletes=tuple(group), plan=get_plan(plan), seed=seed))
    model = batch.session(Settings(), course, [a.name for a in group], pbs=pbs)
    for _ in batch.analyse([session.capture()], protocols.get("gateline").decoder(), model):
        pass
    return model.ordered_results(), session


def finish_s(result: RepResult) -> float:
    rep = result.rep
    return (rep.start_us + (rep.time_us or 0)) / 1e6


def post(app_post: Callable[[object], object], clock: FrozenClock, data: Sample, count: int) -> None:
    """Post the first `count` reps, the rotation after them and a healthy gate strip."""
    shown = data.results[:count]
    clock.now = finish_s(shown[-1]) + LOOK_AROUND_S if shown else 0.0
    for result in shown:
        app_post(message_for(RepFinished(result, host_ns=int(finish_s(result) * 1e9))))
    app_post(message_for(RotationChanged(data.roster, data.roster[count % len(data.roster)])))
    heartbeat_ns = int((clock.now - 0.4) * 1e9)
    app_post(message_for(LinkChanged(SourceStatus("simulator", State.CONNECTED))))
    for gate, battery in sorted(data.batteries.items()):
        status = SourceStatus("simulator", State.CONNECTED, gate=gate, last_heartbeat_ns=heartbeat_ns,
                              battery_pct=battery)
        app_post(message_for(LinkChanged(status)))
