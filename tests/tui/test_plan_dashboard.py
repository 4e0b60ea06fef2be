"""The dashboard (Textual's Pilot) on a planned session: the real pipeline, store and in-process
simulator play the micro-dosed template; when the 30 m block is done the dashboard says which gate
to move where and who is out, as the engine derived it from the stored facts."""

from __future__ import annotations

import math
import time

import pytest

from gates.course import Course
from monitor.cli.options import load_plan, simulated_plan
from monitor.live.pipeline import Pipeline
from monitor.session.analyzer import Verdict
from monitor.session.model import SessionModel
from monitor.store import db as st
from monitor.tui.app import DashboardApp
from monitor.tui.bridge import open_dashboard
from simulators.athletes import presets
from simulators.live import LiveSimulator
from simulators.session import SessionConfig, simulate
from simulators.sim_source import SimulatorSource
from support.conditions import wait_for
from support.dashboard import footer_keys, until

LIMIT_S = 120.0


class Watching(DashboardApp):
    """The real app, keeping every status line it showed."""

    def on_mount(self) -> None:
        self.statuses: list[str] = []
        super().on_mount()

    def _status(self, text: str) -> None:
        self.statuses.append(text)
        super()._status(text)


@pytest.fixture
def store(tmp_path):
    with st.SessionStore(tmp_path / "gates.sqlite3") as s:
        yield s


async def test_the_block_change_names_the_gate_to_move_and_who_is_out(store):
    plan = load_plan("micro-dosed")
    cfg = SessionConfig(course=plan.blocks[0].course, athletes=tuple(presets(3)), plan=simulated_plan(plan), seed=3)
    source = SimulatorSource(LiveSimulator(simulate(cfg), speed=math.inf))
    pipeline = Pipeline(store, [source], course=cfg.course, athletes=[a.name for a in cfg.athletes], plan=plan)
    opened = await open_dashboard(pipeline, where="test")
    app = Watching(opened.controls, course=opened.course, rule=opened.rule, roster=pipeline.athletes, where="test")
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.monotonic()
        while not app.board.ended:
            assert time.monotonic() - started < LIMIT_S, "the session never ended"
            await pilot.pause(0.05)
        derived = SessionModel.derive(store.events(pipeline.session), store.annotations(pipeline.session))
        out = sorted(derived.blocks.out)
        expected = "block 2: 150 m · move gate 2 → 150 m" + (f" · out: {', '.join(out)}" if out else "")
        assert expected in app.statuses
        shown = {name: a.latest for name, a in app.board.athletes.items()}
        assert {r.block.index for name, r in shown.items() if name not in out} == {2}
        assert out  # seed 3: someone reached END in the 30 m block
        for name in out:  # their 30 m reps are not shown under the 150 m columns, their END still is
            assert shown[name] is None and app.board.athletes[name].verdict is Verdict.END
        running = set(shown) - set(out)
        while not running <= set(app.plots._plots):  # plots are drawn a frame after the table
            assert time.monotonic() - started < LIMIT_S, "the 150 m plots were never drawn"
            await pilot.pause(0.05)
        assert set(app.plots._plots) == running  # nor beside the 150 m plots


async def test_review_groups_a_planned_sessions_reps_by_block(store):
    from monitor.cli.review import load
    from monitor.review.app import ReviewApp

    plan = load_plan("micro-dosed")
    cfg = SessionConfig(course=plan.blocks[0].course, athletes=tuple(presets(3)), plan=simulated_plan(plan), seed=3)
    pipeline = Pipeline(store, [SimulatorSource(LiveSimulator(simulate(cfg), speed=math.inf))], course=cfg.course,
                        athletes=[a.name for a in cfg.athletes], plan=plan)
    await pipeline.start()
    await pipeline.wait()
    derived = SessionModel.derive(store.events(pipeline.session), store.annotations(pipeline.session))
    expected = [f"{name} · {block}. {results[0].block.name}"
                for (block, name, _), results in derived.results_by_block().items()]
    app = ReviewApp(load(str(store.path), None))
    async with app.run_test(size=(120, 40)):
        shown = [str(app.athletes.get_row_at(i)[0]) for i in range(app.athletes.row_count)]
    assert shown == expected and any("2. 150 m" in row for row in shown)


async def test_a_rep_started_before_the_blocks_rest_is_over_says_so_on_the_last_rep_card(store):
    from dataclasses import replace


    run = load_plan("acceleration")  # the athletes rest the template's 3 min
    strict = replace(run, blocks=(replace(run.blocks[0], rest_s=240.0, reps=2),))
    cfg = SessionConfig(course=run.blocks[0].course, athletes=tuple(presets(2)), plan=simulated_plan(strict), seed=3)
    cfg = replace(cfg, plan=replace(cfg.plan, blocks=(replace(cfg.plan.blocks[0], rest_s=180.0),)))
    pipeline = Pipeline(store, [SimulatorSource(LiveSimulator(simulate(cfg), speed=math.inf))], course=cfg.course,
                        athletes=[a.name for a in cfg.athletes], plan=strict)
    opened = await open_dashboard(pipeline, where="test")
    app = Watching(opened.controls, course=opened.course, rule=opened.rule, roster=pipeline.athletes, where="test")
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.monotonic()
        while not app.board.ended:
            assert time.monotonic() - started < LIMIT_S, "the session never ended"
            await pilot.pause(0.05)
        last = app.board.last
        assert "short_rest" in last.rep.flags and last.rep.valid
        # the card's title follows the rep's time by a frame (the time, its % and the banner come first)
        await wait_for(lambda: str(app.last_rep.border_title).startswith(f"Rep {last.rep.number} ·"))
        title = str(app.last_rep.border_title)
        assert title.startswith(f"Rep 4 · {last.rep.athlete} · 30 m block starts · SHORT REST 3:0")



def _one_rep_each_of_the_first_block(plan, athletes: int = 3):
    """The simulated group runs one rep each of the plan's first block and stops there: the session
    stays in that block (it wants more reps) until the coach moves it on."""
    from dataclasses import replace

    first = replace(plan, blocks=(replace(plan.blocks[0], reps=1),))
    return SessionConfig(course=plan.blocks[0].course, athletes=tuple(presets(athletes)),
                         plan=simulated_plan(first), seed=3)


async def test_the_block_key_moves_the_plan_on_and_says_which_gates_go_where(store):
    """`p` asks, naming the next block and the gate to move; yes stores the BLOCK annotation, and the
    banner says MOVE GATES until that block's first rep; the table's rest and splits are the new block's."""
    from monitor.session import facts
    from monitor.tui.screens.prompts import Confirm
    from monitor.tui.widgets.athletes import fmt_rest

    plan = load_plan("micro-dosed")
    cfg = _one_rep_each_of_the_first_block(plan)
    pipeline = Pipeline(store, [SimulatorSource(LiveSimulator(simulate(cfg), speed=math.inf))], course=cfg.course,
                        athletes=[a.name for a in cfg.athletes], plan=plan, end_when_exhausted=False)
    app = await open_dashboard(pipeline, where="test")
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.monotonic()
        while sum(a.reps for a in app.board.athletes.values()) < len(cfg.athletes):
            assert time.monotonic() - started < LIMIT_S, "the first block's reps never came"
            await pilot.pause(0.05)
        assert "block 1/2: 30 m block starts" in app.sub_title
        await until(pilot, lambda: "p" in footer_keys(app), "the block key in the footer")
        assert app.table.labels()["rest"] == f"Rest {fmt_rest(plan.blocks[0].rest_s)}"
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert app.screen.question == "Move on to block 2: 150 m? gate 2 → 150 m"
        await pilot.press("y")
        while app.verdict.banner.word != "MOVE GATES":
            assert time.monotonic() - started < LIMIT_S, "the block never changed"
            await pilot.pause(0.05)
        blocks = [n.data for n in pipeline.annotations() if n.kind == facts.BLOCK]
        assert blocks == [{"block": 2}]
        assert app.verdict.banner.detail == "block 2: 150 m · gate 2 → 150 m"
        assert "block 2/2: 150 m" in app.sub_title and "course 0,150 m" in app.sub_title
        labels = list(app.table.labels().values())
        assert f"Rest {fmt_rest(plan.blocks[1].rest_s)}" in labels and labels[-1] == "@150m"
        await pilot.press("p")  # the last block: nothing further to move on to
        await pilot.pause()
        assert not isinstance(app.screen, Confirm)
        await pipeline.stop(end=False)


async def test_without_a_plan_the_block_key_is_not_in_the_footer():
    from monitor.tui.screens.help import HelpScreen

    app = DashboardApp(None, course=Course.parse("0,10,20,30"), roster=["Ada"])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "e" in footer_keys(app), "the footer's keys")
        assert "p" not in footer_keys(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and "p" not in dict(app.screen.keys)


async def test_the_rest_column_counts_down_the_blocks_minimum_rest_then_says_ready(store):
    """A block with 4 min rest: the Rest column's target is 4:00 and a rested athlete turns READY
    only after it; without a plan the same course would ask for 3:00 (a minute per 10 m)."""
    from dataclasses import replace

    from gates.rep import Rep
    from monitor.live.pipeline import RepFinished
    from monitor.session.analyzer import Analyzer
    from monitor.tui.messages import message_for
    from monitor.tui.sample import FrozenClock
    from monitor.tui.widgets.athletes import minimum_rest_s

    run = load_plan("acceleration")
    plan = replace(run, blocks=(replace(run.blocks[0], rest_s=240.0),))
    clock = FrozenClock(0.0)
    app = DashboardApp(None, course=plan.blocks[0].course, roster=["Ada"], plan=plan, clock=clock)
    assert minimum_rest_s(plan.blocks[0].course) == 180.0
    result = Analyzer().add(Rep(1, "Ada", plan.blocks[0].course, 0, (1_900_000, 3_000_000, 4_000_000)))
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.table.labels()["rest"] == "Rest 4:00"
        app.post_message(message_for(RepFinished(result, host_ns=0)))
        await pilot.pause()
        await pilot.pause()
        for now, shown in ((0.0, "4:00"), (190.0, "0:50"), (239.5, "0:01"), (240.0, "READY")):
            clock.now = now
            app._tick()
            await pilot.pause()
            assert app.table.get_cell("Ada", "rest").plain.strip() == shown
