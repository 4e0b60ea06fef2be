"""The demo's simulated athletes run in the order the session's rotation says, so every rep is credited
to whoever really ran it, whatever the coach does to the rotation (skip, choose who goes, a new
order, a late athlete the simulator never heard of), and an athlete at END never runs again.

The demo's own session (`gates demo` defaults: six athletes on the micro-dosed template, its last
athlete tired) through the real pipeline and a real SQLite store, with a simulated coach deciding
just before the athletes go, through the same annotations the dashboard's keys store.
"""

from __future__ import annotations

import argparse
import asyncio
import math

import pytest

from gates.protocols import PROTOCOLS
from monitor.cli import demo
from monitor.live.pipeline import Pipeline, RepFinished
from monitor.session import facts
from monitor.session.analyzer import StopRule, Verdict
from monitor.session.model import SessionModel
from monitor.store import db as st
from simulators.live import LiveSimulator
from simulators.sim_source import SimulatorSource
from simulators.turns import TurnSession, Up


def demo_config(*options: str):
    parser = argparse.ArgumentParser()
    demo.register(parser)
    args = parser.parse_args(list(options))
    athletes, plan = demo._checked(args)
    return demo._session(athletes, plan, args.seed), plan


class Coach:
    """Decisions keyed by how many reps the session has finished: each taken once, when the course is
    clear and the athletes wait to be sent (as a coach does between reps)."""

    def __init__(self, script: dict[int, list[tuple[str, dict]]]) -> None:
        self.script = script
        self.pipeline: Pipeline | None = None
        self.taken: list[tuple[int, str, dict]] = []

    def up(self) -> Up | None:
        pipeline = self.pipeline
        if pipeline is not None and pipeline.model is not None:
            done = len(pipeline.model.ordered_results())
            for kind, data in self.script.pop(done, []):
                pipeline.annotate(kind, **data)
                self.taken.append((done, kind, data))
        return demo.next_up(pipeline)


async def run_demo(tmp_path, coach: Coach, *options: str, speed: float = math.inf):
    config, plan = demo_config(*options)
    store = st.SessionStore(tmp_path / "demo.sqlite3")
    live = LiveSimulator.taking_turns(config, coach.up, speed=speed)
    pipeline = Pipeline(store, [SimulatorSource(live)], course=config.course,
                        athletes=[a.name for a in config.athletes], rule=StopRule(), resume=False,
                        name=st.DEMO, plan=plan)
    coach.pipeline = pipeline
    messages = pipeline.subscribe()
    async with pipeline:
        await asyncio.wait_for(pipeline.wait(), 120)
    finished = []
    while not messages.empty():
        message = messages.get_nowait()
        if isinstance(message, RepFinished):
            finished.append(message.result)
    return live.session.truth, finished, pipeline, store


def credited(results) -> list[tuple[int, str]]:
    return [(r.rep.number, r.rep.athlete) for r in results]


def ran(truth: dict) -> list[tuple[int, str]]:
    return [(r["rep"], r["athlete"]) for r in truth["reps"]]


async def test_every_rep_goes_to_who_ran_it_while_the_coach_skips_chooses_reorders_and_adds(tmp_path):
    coach = Coach({
        1: [(facts.SKIP, {})],  # Ben sits this turn out: Cleo runs
        3: [(facts.OUT_OF_TURN, {"athlete": "Finn"})],  # the slowest, sent out of turn
        5: [(facts.ROSTER, {"athletes": ["Eva", "Dev", "Cleo", "Ben", "Ada", "Finn"]})],
        7: [(facts.ADD_ATHLETE, {"athlete": "Zed"}), (facts.OUT_OF_TURN, {"athlete": "Zed"})],  # unknown: generic
        9: [(facts.SKIP, {}), (facts.SKIP, {})],
    })
    truth, finished, pipeline, store = await run_demo(tmp_path, coach)
    assert not coach.script, f"the session ended before every decision was taken: {coach.taken}"
    assert len(finished) == len(truth["reps"]) > 20
    assert credited(finished) == ran(truth)
    order = [name for _, name in ran(truth)]
    assert order[:5] == ["Ada", "Cleo", "Dev", "Finn", "Eva"]  # the skip; Finn out of turn, then Eva's turn
    assert order[5:7] == ["Eva", "Dev"] and order[7] == "Zed"
    zed = [r for r in truth["reps"] if r["athlete"] == "Zed"]
    assert zed and all(r["generic"] for r in zed)
    # what is stored says the same: the session derived again credits each rep to who ran it
    with store:
        model = SessionModel.derive(list(store.events(pipeline.session)), store.annotations(pipeline.session))
    assert credited(model.ordered_results()) == ran(truth)


async def test_an_athlete_at_end_never_runs_again(tmp_path):
    coach = Coach({})
    truth, finished, _, _ = await run_demo(tmp_path, coach)
    assert credited(finished) == ran(truth)
    ended = {}
    for result in finished:
        if result.verdict is Verdict.END:
            ended.setdefault(result.rep.athlete, result.rep.number)
    assert ended, "the demo's tired athlete should reach END"
    for athlete, number in ended.items():
        assert not [n for n, name in ran(truth) if name == athlete and n > number], athlete


async def test_the_simulator_waits_for_who_is_up_and_ends_when_nobody_is():
    config, _ = demo_config("--athletes", "Ada,Ben", "--plan", "acceleration")
    asked: list[float] = []
    live = None

    def up() -> Up | None:
        asked.append(live.session.now_us)
        return None if len(asked) < 3 else Up(None)

    live = LiveSimulator.taking_turns(config, up, speed=math.inf)
    async with live:
        events = [e async for e in live.events()]
    assert events == [] and live.session.truth["reps"] == []
    assert asked[:3] == [0.0, 1e6, 2e6]  # not known yet: asked again a second later


def test_a_session_taking_turns_refuses_faults_and_untimed_blocks():
    from dataclasses import replace

    from simulators.gate_device import Faults
    from simulators.plans import get_plan

    config, _ = demo_config()
    with pytest.raises(ValueError, match="fault-free"):
        TurnSession(replace(config, faults=Faults(miss=0.1)))
    with pytest.raises(ValueError, match="every block"):
        TurnSession(replace(config, plan=get_plan("speed")))


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_a_session_taking_turns_speaks_every_wire_format_and_assembles_into_its_truth(protocol):
    """Every format the simulator speaks, its rotation played by the rep assembler's own (gates/rotation.py):
    the bytes decode into the reps the truth says were run, by whom, in time."""
    from dataclasses import replace

    from gates.assembly import RepAssembler
    from gates.course import Course
    from gates.rotation import Rotation
    from simulators.athletes import presets
    from simulators.plans import get_plan
    from simulators.session import SessionConfig

    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(3)),
                           plan=get_plan("rsa").with_reps(2), seed=4, protocol=protocol)
    session = TurnSession(replace(config, shared_clock=True))
    rotation = Rotation([a.name for a in config.athletes] + ["Newcomer"])
    assembler = RepAssembler(config.course, PROTOCOLS[protocol], rotation)
    decoder = PROTOCOLS[protocol].decoder()
    reps = []
    while not session.over(up := Up(rotation.next_up, 1, tuple(rotation.running))):
        frames = session.idle(session.when(up)) + session.run(up)
        for frame in frames:
            reps += assembler.feed_all(decoder.feed(frame.data))
    reps += assembler.flush()
    truth = session.truth["reps"]
    assert [(r.number, r.athlete) for r in reps] == ran(session.truth) and len(truth) == 8
    assert truth[3]["athlete"] == "Newcomer" and truth[3]["generic"]
    for rep, real in zip(reps, truth):
        assert abs(rep.time_us / 1e6 - real["time_s"]) <= 0.002
