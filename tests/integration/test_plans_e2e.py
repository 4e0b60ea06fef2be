"""A plan end to end with truth: the simulator runs the micro-dosed template (30 m block starts, then
gate 2 moved to 150 m), `gates analyze --plan` and `gates monitor --headless --plan` judge the same
capture block by block, and the stored session derived again gives the very same rep lines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support.cli import gates

from monitor.cli.options import load_plan, simulated_plan
from monitor.present.records import rep_record
from monitor.session.model import SessionModel
from monitor.store import db as st
from simulators.athletes import presets
from simulators.capture import write_capture
from simulators.session import SessionConfig, simulate

ATHLETES = "Ada,Ben,Cleo"


def captured(tmp_path: Path, plan: str, seed: int) -> tuple[Path, dict]:
    p = load_plan(plan)
    session = simulate(SessionConfig(course=p.blocks[0].course, athletes=tuple(presets(3)),
                                     plan=simulated_plan(p), seed=seed))
    path = tmp_path / f"{seed}.cap"
    write_capture(session, str(path))
    return path, session.truth


def lines(proc: subprocess.CompletedProcess, kind: str) -> list[dict]:
    assert proc.returncode == 0, proc.stderr
    return [d for d in map(json.loads, proc.stdout.splitlines()) if d["type"] == kind]


@pytest.mark.slow
def test_the_micro_dosed_template_with_truth_through_analyze_monitor_and_the_store(tmp_path):
    capture, truth = captured(tmp_path, "micro-dosed", seed=3)
    analysed = gates("analyze", str(capture), "--plan", "micro-dosed", "--athletes", ATHLETES, "--json")
    reps = lines(analysed, "rep")
    expected = [r for r in truth["reps"] if r["rep"] is not None]
    assert len(reps) == len(expected) == 20
    for got, real in zip(reps, expected):
        assert (got["athlete"], got["block"], got["course_m"]) == (real["athlete"], real["block_index"], real["course_m"])
        assert got["time_s"] == pytest.approx(real["time_s"], abs=0.002)
        assert got["start"] == real["start"] and got["rep_type"] in ("acceleration", "sprint-endurance")
    assert {r["block_name"] for r in reps} == {"30 m block starts", "150 m"}
    assert all(r["floor_pct"] == (98 if r["block"] == 1 else 95) for r in reps)
    ran_long = {r["athlete"] for r in expected if r["block_index"] == 2}
    (block,) = lines(analysed, "block")
    assert block["moves"] == ["gate 2 → 150 m"] and set(block["out"]) == set(ATHLETES.split(",")) - ran_long
    assert "2. 150 m: 1 × 150 m sprint-endurance" in analysed.stderr

    db = tmp_path / "g.sqlite3"
    live = gates("monitor", "--headless", "--json", "--source", f"replay:{capture}?speed=max", "--db", str(db),
                 "--plan", "micro-dosed", "--athletes", ATHLETES)
    assert lines(live, "rep") == reps and lines(live, "block") == [block]
    with st.SessionStore(db, readonly=True) as store:
        (info,) = store.sessions()
        derived = SessionModel.derive(store.events(info.id), store.annotations(info.id))
    assert [rep_record(r) for r in derived.ordered_results()] == reps
    listed = gates("sessions", "--db", str(db), "--json")
    (session,) = map(json.loads, listed.stdout.splitlines())
    assert session["plan"] == "Micro-dosed speed endurance"
    assert session["blocks_done"] == {name: 2 if name in ran_long else 1 for name in ATHLETES.split(",")}

    page = tmp_path / "report.html"
    assert gates("report", "1", "--db", str(db), "--out", str(page)).returncode == 0
    html = page.read_text(encoding="utf-8")
    assert "plan Micro-dosed speed endurance" in html
    # each athlete's section, and the links to them grouped under each block's name
    assert html.count("block 1: 30 m block starts") == 3 + 1 and html.count("block 2: 150 m") == len(ran_long) + 1
    assert '<span class="block">block 2: 150 m</span>' in html
    exported = tmp_path / "s.json"
    assert gates("export", "1", "--db", str(db), "--format", "json", "-o", str(exported)).returncode == 0
    other = tmp_path / "other.sqlite3"
    assert gates("import", str(exported), "--db", str(other)).returncode == 0
    with st.SessionStore(other, readonly=True) as store:
        (info,) = store.sessions()
        again = SessionModel.derive(store.events(info.id), store.annotations(info.id))
    assert [rep_record(r) for r in again.ordered_results()] == reps  # the plan travels with the session


@pytest.mark.slow
def test_the_second_session_judges_the_long_rep_against_the_first_sessions_pb(tmp_path):
    db = tmp_path / "g.sqlite3"
    for seed in (3, 4):
        capture, _ = captured(tmp_path, "micro-dosed", seed)
        proc = gates("monitor", "--headless", "--json", "--source", f"replay:{capture}?speed=max", "--db", str(db),
                     "--plan", "micro-dosed", "--athletes", ATHLETES, "--new")
        long = [r for r in lines(proc, "rep") if r["block"] == 2]
        if seed == 3:
            assert all(r["verdict"] is None and r["reference"] == "session" for r in long)  # no PB yet
        else:
            assert long and all(r["reference"] == "pb" and r["verdict"] is not None for r in long)
            assert all(r["pb_s"] is not None for r in long)


def test_a_plan_file_with_a_longer_rest_flags_every_rep_that_came_sooner(tmp_path):
    plan = tmp_path / "rested.toml"
    plan.write_text('name = "rested"\n[[block]]\nname = "30 m"\ntype = "acceleration"\nstart = "block"\n'
                    'course = [0, 10, 20, 30]\nreps = 3\nrest_s = 180\n', encoding="utf-8")
    capture, _ = captured(tmp_path, str(plan), seed=5)  # the athletes rest 180 s
    strict = tmp_path / "strict.toml"
    strict.write_text(plan.read_text(encoding="utf-8").replace("rest_s = 180", "rest_s = 240"), encoding="utf-8")
    reps = lines(gates("analyze", str(capture), "--plan", str(strict), "--athletes", ATHLETES, "--json"), "rep")
    assert [("short_rest" in r["flags"]) for r in reps] == [False] * 3 + [True] * 6
    assert all(r["valid"] and 180 <= r["rest_s"] < 240 for r in reps[3:])
    relaxed = lines(gates("analyze", str(capture), "--plan", str(plan), "--athletes", ATHLETES, "--json"), "rep")
    assert not any("short_rest" in r["flags"] for r in relaxed)


def test_the_demo_runs_the_micro_dosed_template_and_someone_reaches_end_inside_90_s():
    import argparse

    from gates.gateline import GatelineDecoder
    from monitor.cli import demo
    from monitor.session import batch
    from monitor.session.analyzer import Verdict
    from monitor.session.model import Settings

    args = argparse.Namespace(athletes=demo.DEFAULT_ATHLETES, speed=demo.DEFAULT_SPEED, seed=0, plan=demo.DEFAULT_PLAN,
                              course=None, against="session")
    athletes, plan = demo._checked(args)
    config = demo._session(athletes, plan, args.seed)
    assert plan.name == "Micro-dosed speed endurance"
    session = simulate(config)
    model = batch.session(Settings(plan=plan), plan.blocks[0].course, [a.name for a in config.athletes])
    list(batch.analyse([session.capture()], GatelineDecoder(), model))
    truth = [r for r in session.truth["reps"] if r["rep"] is not None]
    results = model.ordered_results()
    assert [(r.rep.athlete, r.block.index) for r in results] == [(t["athlete"], t["block_index"]) for t in truth]
    first_end = next(r for r in results if r.verdict is Verdict.END)
    real = truth[first_end.rep.number - 1]
    assert (real["start_s"] + real["time_s"]) / demo.DEFAULT_SPEED < 90
    assert {r.block.index for r in results} == {1, 2}  # the 150 m is timed through the moved gate


async def test_recent_form_comes_from_the_last_28_days_and_reaches_the_blocks_first_reps(tmp_path):
    from monitor.live.pipeline import Pipeline
    from simulators.live import LiveSimulator
    from simulators.sim_source import SimulatorSource

    plan = load_plan("micro-dosed")
    with st.SessionStore(tmp_path / "g.sqlite3") as store:
        for seed in (3, 4):
            cfg = SessionConfig(course=plan.blocks[0].course, athletes=tuple(presets(3)), plan=simulated_plan(plan),
                                seed=seed)
            pipeline = Pipeline(store, [SimulatorSource(LiveSimulator(simulate(cfg), speed=float("inf")))],
                                course=cfg.course, athletes=ATHLETES.split(","), plan=plan, resume=False)
            await pipeline.start()
            await pipeline.wait()
        assert pipeline.recent == pipeline.pbs and pipeline.recent  # session 1 is minutes old
        assert {start for _, _, start in pipeline.recent} == {"block", "standing"}
        analyzer = pipeline.model.blocks.analyzer(0)
        assert analyzer.recent == {(a, c): us for (a, c, s), us in pipeline.recent.items() if s == "block"}


async def test_the_coach_moves_on_and_it_is_stored_as_a_block_annotation(tmp_path):
    from monitor.live.pipeline import Pipeline
    from monitor.session import facts
    from monitor.session.blocks import BlockChanged
    from simulators.live import LiveSimulator
    from simulators.sim_source import SimulatorSource

    plan = load_plan("micro-dosed")
    cfg = SessionConfig(course=plan.blocks[0].course, athletes=tuple(presets(2)), plan=simulated_plan(plan), seed=3)
    store = st.SessionStore(tmp_path / "g.sqlite3")
    pipeline = Pipeline(store, [SimulatorSource(LiveSimulator(simulate(cfg), speed=1.0))], course=cfg.course,
                        athletes=[a.name for a in cfg.athletes], plan=plan)
    messages = pipeline.subscribe()
    await pipeline.start()
    try:
        assert pipeline.next_block() == 2  # before the first rep: the coach skips the block starts
        assert pipeline.next_block() is None  # the last block runs
    finally:
        await pipeline.stop()
    (note,) = [n for n in store.annotations(pipeline.session) if n.kind == facts.BLOCK]
    assert note.data == {"block": 2}
    seen = []
    while not messages.empty():
        seen.append(messages.get_nowait())
    (moved,) = [m for m in seen if isinstance(m, BlockChanged)]
    assert moved.reason == "moved on by the coach" and moved.moves == ("gate 2 → 150 m",)
    derived = SessionModel.derive(store.events(pipeline.session), store.annotations(pipeline.session))
    store.close()
    assert derived.blocks.index == 1 and derived.course == plan.blocks[1].course
