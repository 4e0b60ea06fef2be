"""The dashboard (Textual's Pilot) on a planned session: the real pipeline, store and in-process
simulator play the micro-dosed template; when the 30 m block is done the dashboard says which gate
to move where and who is out, as the engine derived it from the stored facts."""

from __future__ import annotations

import math
import time

import pytest

from monitor.cli.options import load_plan, simulated_plan
from monitor.live.pipeline import Pipeline
from monitor.session.model import SessionModel
from monitor.store import db as st
from monitor.tui.app import DashboardApp
from monitor.tui.bridge import open_dashboard
from simulators.athletes import presets
from simulators.live import LiveSimulator
from simulators.session import SessionConfig, simulate
from simulators.sim_source import SimulatorSource

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
        assert {r.block.index for r in shown.values() if r.rep.athlete not in out} == {2}


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
        title = str(app.last_rep.border_title)
        assert title.startswith(f"Rep 4 · {last.rep.athlete} · 30 m block starts · SHORT REST 3:0")

