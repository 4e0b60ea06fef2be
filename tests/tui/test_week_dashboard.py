"""The week on the dashboard and in review, driven by Textual's Pilot against the real pipeline, store and
in-process simulator: the spacing line at session start (earlier sessions imported through `gates import`
with their dates), the athletes' logs typed in after END, and a log typed in review. Every check is on
what the store holds afterwards, or on the numbers of `monitor.session.week` over the same store."""

from __future__ import annotations

import time

import pytest
from support.dashboard import prompting, until
from support.history import add_session
from support.review_store import stored_session
from support.simulated import simulated
from textual.widgets import Input, Label

from gates.course import Course
from monitor.cli.review import load, logs_of, store_log
from monitor.live.pipeline import Pipeline
from monitor.present.log_prompt import LogPrompt
from monitor.review.app import ReviewApp
from monitor.session import facts
from monitor.session import week as wk
from monitor.store import db as st
from monitor.tui.bridge import open_dashboard
from simulators.athletes import presets
from simulators.live import LiveSimulator
from simulators.plans import get_plan
from simulators.session import SessionConfig
from simulators.sim_source import SimulatorSource

pytestmark = pytest.mark.slow
SIZE = (120, 40)
HOUR_NS = 3600 * 10**9


def pipeline_on(store: st.SessionStore, reps: int, speed: float) -> Pipeline:
    cfg = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(3)),
                        plan=get_plan("rsa").with_reps(reps), seed=3)
    return Pipeline(store, [SimulatorSource(LiveSimulator(simulated(cfg), speed=speed))], course=cfg.course,
                    athletes=[a.name for a in cfg.athletes])




def logs(store: st.SessionStore, session: int) -> list[dict]:
    return [n.data for n in store.annotations(session) if n.kind == facts.LOG]


async def type_in(pilot, *fields: str) -> None:
    """Each field's text, then Enter (the note's Enter saves)."""
    for text in fields:
        await pilot.press(*text, "enter")


async def test_session_start_marks_who_ran_hard_under_48_h_ago_and_their_weeks_metres(tmp_path):
    db = tmp_path / "gates.sqlite3"
    now = time.time_ns()
    ada_at, ben_at = now - 30 * HOUR_NS, now - 80 * HOUR_NS
    add_session(db, ada_at, {"Ada": [4.0, 4.02, 4.05, 4.1]})  # every rep within 95 %: a hard session
    add_session(db, ben_at, {"Ben": [4.3, 4.35]})
    with st.SessionStore(db) as store:
        pipeline = pipeline_on(store, reps=200, speed=1.0)
        app = await open_dashboard(pipeline, where="test", hi_range_m={"Ben": (500.0, 800.0)})
        try:
            async with app.run_test(size=SIZE) as pilot:
                line = app.query_one("#spacing", Label)
                await until(pilot, lambda: line.display, "the spacing line")
                shown = str(line.render())
        finally:
            await pipeline.stop(end=False)
    ada_m = 4 * 30 if wk.iso_week(ada_at) == wk.iso_week(now) else 0
    ben_m = 2 * 30 if wk.iso_week(ben_at) == wk.iso_week(now) else 0
    assert "⚠ Ada hard 30 h ago (< 48 h)" in shown and f"Ada hard 30 h ago (< 48 h)  {ada_m}/1000–2000 m" in shown
    assert "⚠ Ben" not in shown and f"Ben {ben_m}/500–800 m" in shown  # 80 h: spaced enough; his own range
    assert "Cleo" not in shown  # no earlier session: nothing to say


async def test_after_end_each_athlete_is_asked_for_their_log_and_what_is_typed_is_stored(tmp_path):
    with st.SessionStore(tmp_path / "gates.sqlite3") as store:
        pipeline = pipeline_on(store, reps=200, speed=20.0)
        app = await open_dashboard(pipeline, where="test")
        try:
            async with app.run_test(size=SIZE) as pilot:
                await until(pilot, lambda: app.board.last is not None, "the first rep")
                await pilot.press("e")
                await pilot.press("y")
                await until(pilot, lambda: prompting(app, LogPrompt, Input), "the first log prompt")
                first = app.screen
                assert first.athlete == "Ada" and "(1 of 3)" in first.position
                await type_in(pilot, "11", "40", "heavy", "tight calf")
                error = first.query_one("#log-error", Label)
                assert "rpe must be 0 to 10, got 11" in str(error.render()) and app.screen is first  # not saved
                first.query_one("#rpe", Input).value = ""
                first.query_one("#rpe", Input).focus()
                await type_in(pilot, "7", "", "", "")
                await until(pilot, lambda: app.screen is not first, "Ada's log to be saved")
                assert app.screen.athlete == "Ben"
                await pilot.press("escape")  # Ben skips
                await until(pilot, lambda: getattr(app.screen, "athlete", None) == "Cleo", "Cleo's prompt")
                await type_in(pilot, "5", "30", "fresh", "")
                await until(pilot, lambda: not isinstance(app.screen, LogPrompt) or app.screen.athlete != "Cleo",
                            "Cleo's prompt to close")
                await until(pilot, lambda: pipeline.model.ended, "the END to be stored")
        finally:
            await pipeline.stop(end=False)
        stored = logs(store, pipeline.session)
    assert stored[0] == {"athlete": "Ada", "rpe": 7.0, "minutes": 40.0, "legs": "heavy", "hr_rest": None,
                         "note": "tight calf"}
    assert [d["athlete"] for d in stored] == ["Ada", "Cleo"]


async def test_in_review_l_asks_for_the_selected_athletes_log_stores_it_and_starts_from_it_next_time(tmp_path):
    db = stored_session(tmp_path)
    app = ReviewApp(load(str(db), "1"), save_log=lambda entry: store_log(db, 1, entry), logs=logs_of(db, 1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")  # the second athlete
        name = app.athlete.name
        await pilot.press("l")
        await until(pilot, lambda: prompting(app, LogPrompt, Input), "the log prompt")
        assert app.screen.athlete == name
        await type_in(pilot, "6", "35", "sore", "")
        await until(pilot, lambda: name in app.logs, "the log to be stored")
        await pilot.press("l")
        await until(pilot, lambda: prompting(app, LogPrompt, Input), "the log prompt again")
        assert [app.screen.query_one(f"#{f}", Input).value for f in ("rpe", "minutes", "legs")] == ["6", "35", "sore"]
        await pilot.press("escape")
    with st.SessionStore(db, readonly=True) as store:
        assert logs(store, 1) == [{"athlete": name, "rpe": 6.0, "minutes": 35.0, "legs": "sore", "hr_rest": None,
                                   "note": ""}]
