"""The review app driven by Textual's Pilot on a real stored session (simulated gates → `gates monitor
--headless` → SQLite, one rep voided afterwards), opened the way `gates review` opens it.

What is shown is checked against the session derived straight from the store and against
`rep_profile` fitted on each rep: the athletes, every rep's cells, the selected rep's figures and the
numbers each plot draws.
"""

from __future__ import annotations

import math

import pytest
from support.conditions import wait_for
from support.review_store import ATHLETES, VOIDED_REP, derived, gates, stored_session
from support.stored_sessions import reps_bytes, store_parts
from rich.text import Text

from drivers.registry import create
from gates.course import Course
from gates.gateline import GatelineDecoder
from gates.rep import MISSED_GATE, VOIDED
from gates.rep_profile import rep_profile
from gates.sprint_model import velocity_at_time
from monitor.store import db as st
from monitor.session import facts
from monitor.cli.options import load_plan
from monitor.cli.review import load
from monitor.live.pipeline import Pipeline
from monitor.review.app import ReviewApp
from monitor.review.help import ReviewHelp
from monitor.session.analyzer import StopRule
from monitor.session.model import Settings
from simulators.athletes import presets
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate

SIZE = (120, 40)
NAMES = ATHLETES.split(",")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return stored_session(tmp_path_factory.mktemp("review"))


@pytest.fixture(scope="module")
def model(db):
    return derived(db)


def mine(model, name):
    return [r for r in model.ordered_results() if r.rep.athlete == name]


def plain(cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def row(table, key: str) -> dict[str, str]:
    return {str(col.key.value): plain(cell) for col, cell in zip(table.columns.values(), table.get_row(key))}


def two(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def test_the_session_has_what_the_tests_look_for(model):
    reps = [r.rep for r in model.ordered_results()]
    assert VOIDED in model.results[VOIDED_REP].rep.flags
    assert any(MISSED_GATE in rep.flags for rep in reps)
    assert {r.verdict.value for r in model.ordered_results() if r.verdict} >= {"GO", "CAUTION", "END"}


async def test_athletes_are_listed_with_reps_best_and_verdict_reached(db, model):
    app = ReviewApp(load(str(db), None))
    async with app.run_test(size=SIZE):
        shown = [[plain(c) for c in app.athletes.get_row_at(i)] for i in range(app.athletes.row_count)]
        assert app.focused is app.athletes
    course = model.course
    expected = []
    for name in NAMES:
        reps = mine(model, name)
        best, verdict, _ = model.analyzer.standing(name, course)
        expected.append([name, f"{sum(r.rep.valid for r in reps)}/{len(reps)}", f"{best / 1e6:.2f}",
                         verdict.value if verdict else "—"])
    assert shown == expected
    voider = model.results[VOIDED_REP].rep.athlete
    assert shown[NAMES.index(voider)][1] == f"{len(mine(model, voider)) - 1}/{len(mine(model, voider))}"


async def test_each_athletes_reps_show_splits_speeds_drop_off_and_the_fitted_profile(db, model):
    app = ReviewApp(load(str(db), None))
    seen_profiles = seen_without = 0
    async with app.run_test(size=SIZE) as pilot:
        for i, name in enumerate(NAMES):
            if i:
                await pilot.press("down")
            await pilot.pause()
            reps = mine(model, name)
            assert app.reps.border_title.startswith(name) and app.reps.row_count == len(reps)
            for result in reps:
                rep, cells = result.rep, row(app.reps, str(result.rep.number))
                assert cells["time"] == two(rep.time_us / 1e6)
                assert [cells["split0"], cells["split1"]] == [two(s and s / 1e6) for s in rep.splits_us[:2]]
                bounds = (0, *rep.splits_us)
                speeds = [None if a is None or b is None else d / ((b - a) / 1e6)
                          for d, a, b in zip((10, 10, 10), bounds, bounds[1:])]
                assert cells["speeds"] == " ".join(two(v, 1) for v in speeds)
                assert cells["drop"] == two(result.dropoff_pct, 1)
                assert cells["intensity"] == two(result.intensity_pct, 1)
                profile = rep_profile(rep)
                assert cells["mss"] == two(profile and profile.mss)
                assert cells["mac"] == two(profile and profile.mac, 1)
                assert cells["pmax"] == two(profile and profile.pmax, 1)
                assert cells["verdict"] == (result.verdict.value if result.verdict else "—")
                assert (VOIDED in cells["flags"]) == (VOIDED in rep.flags)
                assert (MISSED_GATE in cells["flags"]) == (MISSED_GATE in rep.flags)
                seen_profiles += profile is not None
                seen_without += profile is None
    assert seen_profiles > 20 and seen_without >= 2  # the voided rep and a missed gate have none


async def test_selecting_a_rep_shows_its_profile_its_velocity_curve_and_where_it_sits_on_the_floor(db, model):
    app = ReviewApp(load(str(db), None))
    name = NAMES[0]
    reps = mine(model, name)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert app.focused is app.reps
        await pilot.press("down", "down")
        await pilot.pause()
        result = reps[2]
        rep, profile = result.rep, rep_profile(result.rep)
        detail = str(app.detail.render())
        assert f"Rep {rep.number} · {name} · {rep.time_us / 1e6:.2f} s" in detail
        assert f"MSS {profile.mss:.2f} m/s" in detail and f"MAC {profile.mac:.2f} m/s²" in detail
        assert f"PMAX {profile.pmax:.1f} W/kg" in detail and f"τ {profile.tau:.2f} s" in detail
        series = app.speed_plot.series
        assert series.curve[0] == (0.0, 0.0) and series.curve[-1][0] == pytest.approx(rep.time_us / 1e6)
        for t, v in series.curve:
            assert v == pytest.approx(velocity_at_time(t, profile.mss, profile.tau))
        splits = [s / 1e6 for s in rep.splits_us]
        starts = [0.0, *splits[:-1]]
        expected = [((a + b) / 2, 10 / (b - a)) for a, b in zip(starts, splits)]
        assert [x for point in series.measured for x in point] == pytest.approx([x for p in expected for x in p])
        assert [label for _, label in series.gates] == ["10m", "20m", "30m"]
        best = min(r.rep.time_us for r in reps if r.rep.valid)
        assert app.times_plot.floor_s == pytest.approx(best / 1e6 / 0.95)
        assert app.times_plot.counted == tuple((r.rep.number, r.rep.time_us / 1e6) for r in reps if r.rep.valid)
        assert all(not math.isnan(v) for _, v in series.curve)


async def test_a_plan_sessions_floors_are_those_its_blocks_judged_at_not_the_command_lines(tmp_path):
    """micro-dosed: 30 m at 98 % of the session best, then 150 m at 95 % of the PB; the command's rule
    (95 % of the session best) judged nothing."""
    settings = Settings(rule=StopRule(), plan=load_plan("micro-dosed"), pbs=(("Ada", "0,150", "standing", 18_500_000),))
    four, seq = (1, 2, 3, 4), {}
    store_parts(tmp_path / "g.sqlite3", settings, "0,10,20,30",
                [reps_bytes([(four, 3.70), (four, 3.72)], seq, 60), (facts.BLOCK, {"block": 2}),
                 reps_bytes([((1, 2), 20.0)], seq, 600)])
    app = ReviewApp(load(str(tmp_path / "g.sqlite3"), None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.sub_title.endswith("· 3 reps · floors 98 %, 95 %")
        assert app.times_plot.floor_s == pytest.approx(3.70 / 0.98)
        await pilot.press("right_square_bracket")  # Ada's 150 m in block 2
        await pilot.pause()
        assert app.times_plot.floor_s == pytest.approx(18.5 / 0.95)


async def test_a_voided_rep_shows_why_it_has_no_profile(db, model):
    voided = model.results[VOIDED_REP]
    name = voided.rep.athlete
    app = ReviewApp(load(str(db), None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["down"] * NAMES.index(name), "enter")
        position = [r.rep.number for r in mine(model, name)].index(VOIDED_REP)
        await pilot.press(*["down"] * position)
        await pilot.pause()
        assert f"Rep {VOIDED_REP} · {name}" in str(app.detail.render())
        assert "not counted (voided): no profile" in str(app.detail.render())
        assert app.speed_plot.series.curve == () and len(app.speed_plot.series.measured) == 3
        assert (VOIDED_REP, voided.rep.time_us / 1e6) in app.times_plot.dropped
        assert row(app.reps, str(VOIDED_REP))["mss"] == "—"


async def test_brackets_change_athlete_from_the_reps_and_escape_goes_back(db):
    app = ReviewApp(load(str(db), None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        assert app.focused is app.reps
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert app.athlete.name == NAMES[2] and app.reps.border_title.startswith(NAMES[2])
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert app.athlete.name == NAMES[-1]  # round the list
        await pilot.press("escape")
        assert app.focused is app.athletes


async def test_help_opens_and_closes_and_q_quits(db):
    app = ReviewApp(load(str(db), None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, ReviewHelp)
        await pilot.press("escape")
        assert not isinstance(app.screen, ReviewHelp)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_on_an_80_by_24_terminal_everything_is_on_screen(db):
    app = ReviewApp(load(str(db), None))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen.region
        for widget in (app.athletes, app.reps, app.detail, app.times_plot, app.speed_plot):
            region = widget.region
            assert region.height >= 1 and region.width >= 30, widget
            assert screen.contains_region(region), widget
        assert app.athletes.region.bottom <= app.reps.region.y  # stacked, not beside each other
        assert app.times_plot.region.height >= 6


async def test_a_session_named_by_id_is_the_one_shown(tmp_path):
    db = stored_session(tmp_path, void=None)
    second = stored_session(tmp_path, seed=3, void=None)  # the same file: a second session
    assert second == db
    latest = load(str(db), None)
    first = load(str(db), "1")
    assert (latest.info.id, first.info.id) == (2, 1)
    app = ReviewApp(first)
    async with app.run_test(size=SIZE):
        assert "session 1 ·" in app.sub_title
        assert app.athletes.row_count == 4


async def test_a_session_with_no_reps_yet_opens_and_says_so(tmp_path):
    with st.SessionStore(tmp_path / "g.sqlite3") as store:
        store.start_session(course="0,10,20,30", athletes=["Eve"])
    app = ReviewApp(load(str(tmp_path / "g.sqlite3"), None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "right_square_bracket", "enter")
        assert app.athletes.row_count == 0 and app.reps.row_count == 0
        assert str(app.detail.render()) == "no reps in this session"
        assert app.speed_plot.series is None


async def test_it_reads_a_session_a_live_monitor_is_still_writing(tmp_path):
    capture = tmp_path / "s.cap"
    gates("simulate", "--out", str(capture), "--athletes", "4", "--plan", "rsa", "--seed", "7")
    db = tmp_path / "live.sqlite3"
    with st.SessionStore(db) as writer:
        pipeline = Pipeline(writer, [create(f"replay:{capture}?speed=20")], course=Course.parse("0,10,20,30"),
                            athletes=NAMES)
        async with pipeline:
            await wait_for(lambda: len(pipeline.model.results) >= 3)
            session = load(str(db), None)  # read-only, beside the writer
            assert not session.info.ended and 3 <= session.reps <= len(pipeline.model.results)
            app = ReviewApp(session)
            async with app.run_test(size=SIZE):
                assert "· open ·" in app.sub_title and app.reps.row_count >= 1


async def test_a_session_whose_gates_moved_lists_each_athlete_per_course(tmp_path):
    """The coach moved the last gate from 30 m to 40 m mid-session (a COURSE annotation): each athlete
    has a row per course, and the reps table follows the course of the row chosen."""
    short, long = Course.parse("0,10,20,30"), Course.parse("0,10,20,40")
    db = tmp_path / "g.sqlite3"
    with st.SessionStore(db) as store:
        sid = store.start_session(course=short.label(), athletes=NAMES[:2], sources=["replay:a", "replay:b"])
        for source, course in (("replay:a", short), ("replay:b", long)):
            if course is long:
                store.annotate(sid, facts.COURSE, course=course.label())
            capture = simulate(SessionConfig(course=course, athletes=tuple(presets(2)),
                                             plan=get_plan("rsa").with_reps(3), seed=5)).capture()
            store.append(sid, source, GatelineDecoder().feed(capture))
        store.end_session(sid)
    model = derived(db)
    app = ReviewApp(load(str(db), None))
    async with app.run_test(size=SIZE) as pilot:
        labels = [plain(app.athletes.get_row_at(i)[0]) for i in range(app.athletes.row_count)]
        assert labels == [f"{n} ({c.label()} m)" for c in (short, long) for n in NAMES[:2]]
        await pilot.press("down", "down", "enter")  # Ada on the long course
        await pilot.pause()
        assert app.athlete.course == long and [str(c.label) for c in app.reps.columns.values()][:4] == \
            ["Rep", "@10m", "@20m", "Time"]
        ada_long = [r for r in model.ordered_results() if r.rep.athlete == NAMES[0] and r.rep.course == long]
        assert app.reps.row_count == len(ada_long) == 3
        rep = ada_long[0].rep
        a, b, c = (s / 1e6 for s in rep.splits_us)
        assert row(app.reps, str(rep.number))["speeds"] == f"{10 / a:.1f} {10 / (b - a):.1f} {20 / (c - b):.1f}"
        assert row(app.reps, str(rep.number))["mss"] == f"{rep_profile(rep).mss:.2f}"
        assert app.speed_plot.series.gates[-1][1] == "40m"
