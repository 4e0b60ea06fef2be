"""The dashboard driven by Textual's Pilot against the real pipeline, store and in-process simulator.

What is on screen is checked against what is stored (the session derived again from the store), and
every key is checked for the annotation it stores and its effect. No timing asserts: each wait is on
a condition, with a generous limit, so a loaded machine only makes the tests slower.
"""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from support.dashboard import LIMIT_S, Recording, prompting, typed, until
from support.simulated import simulated
from textual.widgets import Input, Label, OptionList

from gates.course import Course
from gates.rep import VOIDED
from monitor.store import db as st
from monitor.session import facts
from monitor.session.analyzer import StopRule, Verdict
from monitor.session.model import SessionModel
from monitor.store.history import bests_of
from monitor.live.pipeline import Pipeline
from monitor.present.records import fmt_pct, fmt_speed, fmt_time
from simulators.sim_source import SimulatorSource
from monitor.tui.app import DashboardApp
from monitor.tui.bridge import open_dashboard
from monitor.present.log_prompt import LogPrompt
from monitor.tui.screens.help import HelpScreen
from monitor.tui.screens.prompts import AskText, Confirm, PickAthlete
from monitor.tui.widgets.last_rep import best_line
from simulators.athletes import presets
from simulators.live import LiveSimulator
from simulators.plans import get_plan
from simulators.session import SessionConfig

SIZE = (120, 40)


def config(reps: int | None = None, seed: int = 3) -> SessionConfig:
    plan = get_plan("rsa") if reps is None else get_plan("rsa").with_reps(reps)
    return SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(3)), plan=plan, seed=seed)


def pipeline_on(store: st.SessionStore, cfg: SessionConfig, speed: float, **kwargs) -> Pipeline:
    source = SimulatorSource(LiveSimulator(simulated(cfg), speed=speed))
    return Pipeline(store, [source], course=cfg.course, athletes=[a.name for a in cfg.athletes], **kwargs)




def stored(pipeline: Pipeline) -> SessionModel:
    return SessionModel.derive(pipeline.store.events(pipeline.session), pipeline.store.annotations(pipeline.session))


def notes(pipeline: Pipeline, kind: str) -> list[facts.Annotation]:
    return [n for n in pipeline.store.annotations(pipeline.session) if n.kind == kind]


@pytest.fixture
def store(tmp_path):
    with st.SessionStore(tmp_path / "gates.sqlite3") as s:
        yield s


async def test_a_whole_session_shows_reps_verdicts_and_end_with_its_reason(store):
    pipeline = pipeline_on(store, config(), speed=math.inf)
    opened = await open_dashboard(pipeline, where="test")
    app = Recording(opened.controls, course=opened.course, rule=opened.rule, roster=pipeline.athletes, where="test")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.board.ended, "the session to end with its source")
        truth = stored(pipeline)
        results = truth.ordered_results()
        assert len(results) == 30 and app.board.last.rep.number == results[-1].rep.number
        verdicts = {name: [r for r in results if r.rep.athlete == name][-1].verdict or "—" for name in pipeline.athletes}
        await until(pilot, lambda: all(app.table.get_cell(n, "verdict").plain == v for n, v in verdicts.items()),
                    "the table to show each athlete's last verdict (it follows the card by a frame or two)")
        for name in pipeline.athletes:
            shown = app.board.athletes[name]
            mine = [r for r in results if r.rep.athlete == name]
            assert shown.reps == len(mine) and shown.latest == mine[-1]
            assert app.table.get_cell(name, "verdict").plain == (mine[-1].verdict or "—")
        words = {b.word for b in app.banners}
        assert {"READY", "BASELINE", "GO", "CAUTION", "END SESSION", "SESSION ENDED"} <= words
        ends = [r for r in results if r.verdict is Verdict.END]
        assert ends, "the simulated group should tire"
        end_banners = {b.detail for b in app.banners if b.word == "END SESSION"}
        assert {f"{r.rep.athlete} · {r.reason}" for r in ends} == end_banners
        assert all(" reps under 95 % of session best " in d for d in end_banners)
        final = app.verdict.banner
        assert final.word == "SESSION ENDED" and "every source has ended" in final.detail
        assert notes(pipeline, facts.END)


@pytest.fixture
async def live(store):
    """A long session at 20× with the dashboard running on it: the coach's keys need a live session."""
    pipeline = pipeline_on(store, config(reps=200), speed=20.0)
    app = await open_dashboard(pipeline, where="test")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.board.last is not None and len(app.board.athletes) == 3
                        and sum(a.reps for a in app.board.athletes.values()) >= 2, "the first reps")
            yield pilot, app, pipeline
    finally:
        await pipeline.stop(end=False)


def shown_result(app, number: int):
    return next((r for a in app.board.athletes.values() for r in a.recent if r.rep.number == number), None)


async def test_void_then_undo(live):
    pilot, app, pipeline = live
    typed(app, "v")
    await until(pilot, lambda: isinstance(app.screen, Confirm), "the void prompt")
    typed(app, "y")
    await until(pilot, lambda: notes(pipeline, facts.VOID), "the void to be stored")
    void = notes(pipeline, facts.VOID)[0]
    number = void.data["rep"]
    await until(pilot, lambda: VOIDED in shown_result(app, number).rep.flags, f"rep {number} shown void")
    typed(app, "u")
    await until(pilot, lambda: notes(pipeline, facts.UNDO), "the undo to be stored")
    assert notes(pipeline, facts.UNDO)[0].data == {"annotation": void.id}
    await until(pilot, lambda: VOIDED not in shown_result(app, number).rep.flags, f"rep {number} counting again")
    await pilot.press("u")  # nothing of the coach's left to undo: nothing more is stored
    await pilot.pause()
    assert len(notes(pipeline, facts.UNDO)) == 1


async def test_void_names_its_rep_and_voids_that_one_even_if_another_finishes_meanwhile(live):
    pilot, app, pipeline = live
    target = app.board.last.rep
    typed(app, "v")
    await until(pilot, lambda: isinstance(app.screen, Confirm), "the void prompt")
    assert f"rep {target.number} ({target.athlete}, {target.time_us / 1e6:.2f} s)" in app.screen.question
    await until(pilot, lambda: app.board.last.rep.number > target.number, "another rep while the prompt is open")
    typed(app, "y")
    await until(pilot, lambda: notes(pipeline, facts.VOID), "the void to be stored")
    assert notes(pipeline, facts.VOID)[0].data == {"rep": target.number}


async def test_next_up_follows_the_track_without_a_key(live):
    """After each finished rep the next athlete in order is up, in the header and the ▶ row."""
    pilot, app, pipeline = live
    seen = set()
    while len(seen) < 3:
        await until(pilot, lambda: app.board.next_up not in seen, "next up to move on")
        seen.add(app.board.next_up)
        assert app.table.border_title == f"Athletes · next up: {app.board.next_up}"
        await until(pilot, lambda: app.board.next_up == pipeline.model.rotation.next_up, "next up as the engine has it")
    assert seen == set(pipeline.athletes)


async def test_reassign_picks_another_athlete(live):
    pilot, app, pipeline = live
    typed(app, "r")
    await until(pilot, lambda: prompting(app, PickAthlete, OptionList), "the athlete picker")
    offered = app.screen.names
    typed(app, "down", "enter")
    await until(pilot, lambda: notes(pipeline, facts.REASSIGN), "the reassignment to be stored")
    data = notes(pipeline, facts.REASSIGN)[0].data
    assert data["athlete"] == offered[1]
    await until(pilot, lambda: (r := shown_result(app, data["rep"])) is not None and r.rep.athlete == offered[1],
                "the rep under its new athlete")


async def test_undo_that_would_move_reps_already_run_is_refused_and_says_which(live):
    """Zed joins and takes a turn; undoing the add now would give Zed's rep to someone who did not run it."""
    pilot, app, pipeline = live
    typed(app, "a")
    await until(pilot, lambda: prompting(app, AskText, Input), "the name prompt")
    typed(app, *"Zed", "enter")
    await until(pilot, lambda: "Zed" in app.board.order, "Zed in the rotation")
    await until(pilot, lambda: any(r.rep.athlete == "Zed" for r in pipeline.model.ordered_results()), "Zed's rep")
    zed = next(r.rep.number for r in pipeline.model.ordered_results() if r.rep.athlete == "Zed")
    typed(app, "u")
    await until(pilot, lambda: any("adding Zed stays" in n.message for n in app._notifications), "the refusal")
    said = next(n.message for n in app._notifications if "adding Zed stays" in n.message)
    assert f"rep {zed} (Zed → " in said and not notes(pipeline, facts.UNDO)
    assert next(r.rep.number for r in pipeline.model.ordered_results() if r.rep.athlete == "Zed") == zed


async def test_undoing_an_add_before_their_first_rep_takes_their_row_away(store):
    """In real time, so that Zed (fourth in the order) cannot have run before the undo on a loaded machine."""
    pipeline = pipeline_on(store, config(reps=200), speed=1.0)
    app = await open_dashboard(pipeline, where="test")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: pipeline.model is not None and app.table.has_row("Cleo"), "the session")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, AskText), "the name prompt")
            await pilot.press(*"Zed", "enter")
            await until(pilot, lambda: app.table.has_row("Zed"), "Zed's row")
            await pilot.press("u")
            await until(pilot, lambda: notes(pipeline, facts.UNDO), "the undo to be stored")
            await until(pilot, lambda: not app.table.has_row("Zed"), "Zed's row gone")
            assert "Zed" not in app.board.athletes and "Zed" not in pipeline.model.rotation.names
    finally:
        await pipeline.stop(end=False)


async def test_rotation_keys_skip_next_add_and_order(live):
    pilot, app, pipeline = live
    typed(app, "s")
    await until(pilot, lambda: notes(pipeline, facts.SKIP), "the skip to be stored")

    typed(app, "n")
    await until(pilot, lambda: prompting(app, PickAthlete, OptionList), "the next-up picker")
    up, chosen = app.board.next_up, app.screen.names[2]
    assert app.screen.question == f"Who runs next? (out of turn: then back to {up})"
    typed(app, "home", "down", "down", "enter")  # the picker opens on whoever is up
    await until(pilot, lambda: notes(pipeline, facts.OUT_OF_TURN), "next-up to be stored")
    assert notes(pipeline, facts.OUT_OF_TURN)[0].data == {"athlete": chosen}

    typed(app, "a")
    await until(pilot, lambda: prompting(app, AskText, Input), "the name prompt")
    typed(app, *"Zoe", "enter")
    await until(pilot, lambda: "Zoe" in app.board.order, "Zoe in the rotation")
    assert notes(pipeline, facts.ADD_ATHLETE)[0].data == {"athlete": "Zoe"}
    await until(pilot, lambda: app.table.has_row("Zoe"), "Zoe's row")

    typed(app, "o")
    await until(pilot, lambda: prompting(app, AskText, Input), "the order prompt")
    typed(app, "ctrl+u")  # clears the line before the cursor (a binding: its action runs after the keys queued behind it)
    await until(pilot, lambda: app.screen.query_one(Input).value == "", "the order's line cleared")
    typed(app, *"Zoe, Cleo, Ada, Ben", "enter")
    await until(pilot, lambda: notes(pipeline, facts.ROSTER)[-1].data == {"athletes": ["Zoe", "Cleo", "Ada", "Ben"]},
                "the new order to be stored")
    await until(pilot, lambda: app.board.order == ["Zoe", "Cleo", "Ada", "Ben"], "the new order shown")
    await until(pilot, lambda: app.board.next_up == pipeline.model.rotation.next_up, "next up as stored")


async def test_end_session_asks_first_then_ends(live):
    pilot, app, pipeline = live
    typed(app, "e")
    await until(pilot, lambda: isinstance(app.screen, Confirm), "the confirmation")
    typed(app, "n")
    await until(pilot, lambda: not isinstance(app.screen, Confirm), "the confirmation to close")
    assert not notes(pipeline, facts.END)
    typed(app, "e")
    await until(pilot, lambda: isinstance(app.screen, Confirm), "the confirmation")
    typed(app, "y")
    await until(pilot, lambda: app.verdict.banner.word == "SESSION ENDED", "the session ended")
    assert "ended by the coach" in app.verdict.banner.detail
    assert len(notes(pipeline, facts.END)) == 1
    await until(pilot, lambda: isinstance(app.screen, LogPrompt), "the first athlete's log prompt")
    while isinstance(app.screen, LogPrompt):  # each athlete's log, skipped (tests/tui/test_week_dashboard.py types them)
        await pilot.press("escape")
        await pilot.pause()
    assert not notes(pipeline, facts.LOG)
    await pilot.press("v")  # after the end nothing more is stored
    await pilot.pause()
    assert not notes(pipeline, facts.VOID)
    rests = {name: cells["rest"] for name, cells in app.table._shown.items()}
    await pilot.pause(1.5)  # a tick or more: the session is over, nobody rests for a next rep
    assert {name: cells["rest"] for name, cells in app.table._shown.items()} == rests


async def test_help_screen_and_command_palette(live):
    pilot, app, pipeline = live
    typed(app, "question_mark")
    await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
    typed(app, "escape")
    await until(pilot, lambda: not isinstance(app.screen, HelpScreen), "help to close")
    typed(app, "ctrl+p")
    await until(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette", "the command palette")
    typed(app, *"Void")
    await pilot.pause(0.3)
    typed(app, "enter")
    await until(pilot, lambda: isinstance(app.screen, Confirm), "the void prompt")
    typed(app, "y")
    await until(pilot, lambda: notes(pipeline, facts.VOID), "the palette's void to be stored")


async def test_an_athlete_out_after_end_rests_for_nothing(store):
    """Out of the rotation there is no next rep to be READY for; `n` still offers them (choosing one
    brings them back, as README's key table says)."""
    pipeline = pipeline_on(store, config(reps=200), speed=20.0, rule=StopRule(max_reps=2))
    app = await open_dashboard(pipeline, where="test")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.out, "an athlete out after END")
            out = app.out[0]
            await until(pilot, lambda: app.table.get_cell(out, "rest").plain == "—", f"{out}'s rest, a dash")
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, PickAthlete), "the next-up picker")
            assert out in app.screen.names
    finally:
        await pipeline.stop(end=False)


async def test_once_every_athlete_is_at_end_the_banner_says_the_workout_is_done(store):
    pipeline = pipeline_on(store, config(reps=200), speed=20.0, rule=StopRule(max_reps=2))
    app = await open_dashboard(pipeline, where="test")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.verdict.banner.word == "WORKOUT DONE", "the workout's end")
            assert app.verdict.banner.detail == "every athlete has reached END · e ends the session"
            assert sorted(app.out) == ["Ada", "Ben", "Cleo"] and not pipeline.store.session(pipeline.session).ended
    finally:
        await pipeline.stop(end=False)


async def test_a_resumed_session_shows_what_it_already_had(store):
    first = pipeline_on(store, config(reps=200), speed=50.0, resume=False)
    await first.start()
    started = time.monotonic()
    while len(first.model.results) < 4:  # a few reps in, the monitor stops without ending the session
        assert time.monotonic() - started < LIMIT_S, "no reps from the simulator"
        await asyncio.sleep(0.05)
    await first.stop(end=False)
    before = stored(first).ordered_results()
    second = pipeline_on(store, config(reps=200), speed=1.0)
    app = await open_dashboard(second, where="test")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.board.last is not None, "the stored reps")
            assert second.session == first.session and "resumed" in app.sub_title
            assert app.board.last == before[-1]
            shown = {r.rep.number for a in app.board.athletes.values() for r in a.recent}
            assert shown == {r.rep.number for r in before}
    finally:
        await second.stop(end=False)


async def test_gate_strip_follows_links_heartbeats_and_clocks():
    from drivers.source import SourceStatus, State
    from gates.clocksync import ClockState
    from monitor.live.pipeline import LinkChanged
    from monitor.tui.messages import GateClock, message_for
    from monitor.tui.sample import FrozenClock
    from monitor.tui.widgets.gates import GateChip

    clock = FrozenClock(100.0)
    app = DashboardApp(None, course=Course.parse("0,10,20,30"), roster=["Ada"], clock=clock)
    link = SourceStatus("ble:name=GATE-*", State.CONNECTED)
    gate = SourceStatus("ble:name=GATE-*", State.CONNECTED, gate=1, last_heartbeat_ns=99_500_000_000, battery_pct=64)
    synced = ClockState("AA:BB", epoch=0, samples=40, span_s=30.0, drift_ppm=12.0, residual_us=800.0,
                        error_us=300.0, outliers=0, synced=True)
    async with app.run_test(size=SIZE) as pilot:
        for item in (LinkChanged(link), LinkChanged(gate), GateClock(gate.source, 1, synced)):
            app.post_message(message_for(item))
        def chip() -> tuple[str, str]:
            return next((c.shown for c in app.gates.query(GateChip) if c.shown[0].startswith("gate 1")), ("", ""))

        await until(pilot, lambda: "clock ±0.3 ms" in chip()[0], "the clock note")
        assert chip() == ("gate 1 OK · hb 0.5 s · bat 64 % · clock ±0.3 ms", "-ok")
        clock.now = 110.0  # ten seconds without a heartbeat: the next tick says so
        await until(pilot, lambda: chip()[0].startswith("gate 1 SILENT"), "the silent gate")
        app.post_message(message_for(LinkChanged(SourceStatus(link.source, State.RECONNECTING, reason="link lost"))))
        await until(pilot, lambda: chip()[1] == "-warn" and "RECONNECTING (link lost)" in chip()[0],
                    "the gate to follow its link")


async def test_a_second_session_shows_mss_and_the_first_sessions_pbs(store):
    first = pipeline_on(store, config(reps=4), speed=math.inf, resume=False)
    await first.start()
    await first.wait()
    pbs = bests_of(first.model.results.values())
    second = pipeline_on(store, config(reps=4, seed=4), speed=math.inf, resume=False, rule=StopRule(against="pb"))
    app = await open_dashboard(second, where="test")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.board.ended, "the second session to end with its source")
        sid = second.session
        results = SessionModel.derive(store.events(sid), store.annotations(sid)).ordered_results()
        final = {name: fmt_speed([r for r in results if r.rep.athlete == name and r.rep.valid][-1].mss)
                 for name in second.athletes}  # the table follows the last rep's card by a frame or two
        await until(pilot, lambda: all(app.table.get_cell(n, "mss") == mss for n, mss in final.items()),
                    "the table to show each athlete's last rep")
        labels = list(app.table.labels().values())
        assert labels[labels.index("Drop %"):labels.index("Drop %") + 3] == ["Drop %", "MSS", "MSS↓ %"]
        assert {"PB", "% PB"} <= set(labels) and "floor 95 % of PB" in app.sub_title
        for name in second.athletes:
            latest = [r for r in results if r.rep.athlete == name and r.rep.valid][-1]
            assert latest.mss is not None and latest.intensity_pb_pct is not None
            assert app.table.get_cell(name, "pb") == fmt_time(pbs[(name, second.course, None)])
            assert app.table.get_cell(name, "mss") == fmt_speed(latest.mss)
            assert app.table.get_cell(name, "mss_drop") == fmt_pct(latest.mss_dropoff_pct)
            assert app.table.get_cell(name, "pb_pct") == fmt_pct(latest.intensity_pb_pct)
            assert latest.reference == "pb"  # so the floor line is the PB's, not today's best's
            floor_s = latest.reference_us / 1e6 / 0.95
            await until(pilot, lambda: getattr(app.plots._plots.get(name), "floor_s", None) == pytest.approx(floor_s),
                        f"{name}'s plot to draw the floor against the PB")
        last = app.board.last
        assert last == results[-1]
        assert str(app.query_one("#rep-profile", Label).content).startswith(f"MSS {fmt_speed(last.mss)} m/s · MAC")
        wanted = "★ NEW PB ★" if last.new_pb else "★ NEW BEST ★" if last.new_best else best_line(last)
        assert str(app.query_one("#rep-best", Label).content) == wanted


async def test_the_pbs_show_before_the_first_rep():
    from monitor.live.pipeline import SessionOpened
    from monitor.tui.messages import message_for

    course = Course.parse("0,10,20,30")
    app = DashboardApp(None, course=course, roster=["Ada", "Ben"])
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(message_for(SessionOpened(7, False, course, [], [], {"Ada": 3_604_000})))
        await until(pilot, lambda: app.table.get_cell("Ada", "pb") == "3.60", "Ada's PB")
        assert app.table.get_cell("Ben", "pb") == "—" and app.table.get_cell("Ada", "mss") == "—"
