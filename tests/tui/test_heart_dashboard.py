"""The dashboard with heart-rate straps: `gates demo --hr` built as the command builds it (simulated BLE
gates and straps on one bumble radio, the product's BleSource and HrSource, the Pipeline and its
HeartMonitor, a real SQLite file) and driven by Textual's Pilot. What the heart table shows is checked
against what is stored, and the `h` key's pairing against the roster and the straps on the air."""

from __future__ import annotations

import asyncio

import pytest
from rich.cells import cell_len
from support.dashboard import Recording, prompting, strap_reading, until
from textual.app import App, ComposeResult
from textual.widgets import Input

from gates.course import Course
from monitor.cli.demo import ble_demo, play_out
from monitor.session.heart import clock_points, rep_hearts
from monitor.session.model import SessionModel
from monitor.store import db as st
from monitor.tui.bridge import open_dashboard
from monitor.tui.screens.prompts import AskText
from monitor.tui.widgets.heart import HeartTable
from simulators.athletes import NAMES, presets
from simulators.ble_gate import ble_config
from simulators.plans import get_plan
from simulators.session import SessionConfig

# half the demo's own speed, as tests/integration/test_demo_ble.py and for its reason: arrivals are
# stamped on session time, so a stall of this process counts `speed` times over. At 6x the test kept a
# core 75 % busy on its own (26 s of CPU in 35 s), and once, in a full suite at load 4, it waited out its
# 120 s for the sixth rep (the likely cause that file names; the failure now says which reps were shown).
# At 3x: 64 s, 32 s of CPU, mostly waiting, which the suite's other workers fill.
SPEED = 3.0
SIZE = (140, 50)


def config() -> SessionConfig:
    return ble_config(SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(2)),
                                    plan=get_plan("rsa").with_reps(3), seed=5))




def row(app, name: str) -> list[str]:
    return [str(cell) for cell in app.heart.get_row(name)]


def cut(app) -> list[str]:
    """The heart table's cells wider than their column: shown cut."""
    return [str(cell) for key, column in app.heart.columns.items() for cell in app.heart.get_column(key)
            if cell_len(str(cell)) > column.content_width]


@pytest.mark.slow
async def test_the_demo_with_straps_shows_each_athletes_heart_beside_their_reps(tmp_path):
    with st.SessionStore(tmp_path / "demo.sqlite3") as store:
        sim, pipeline = await ble_demo(store, config(), SPEED, hr=True)
        del pipeline.heart.pairings["Ben"]  # Ben comes without his strap paired: the coach pairs it on the track
        play = asyncio.create_task(play_out(sim, pipeline))
        opened = await open_dashboard(pipeline, where="test")
        app = Recording(opened.controls, course=opened.course, rule=opened.rule, roster=pipeline.athletes,
                        where="test", clock=opened.clock)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await until(pilot, lambda: app.heart is not None and app.heart.row_count == 1,
                            "Ada's strap on the heart table")
                await until(pilot, lambda: row(app, "Ada")[1].isdigit(), "Ada's current heart rate")
                assert row(app, "Ada")[2] == "on skin" and row(app, "Ada")[3] == "connected"
                await until(pilot, lambda: "#" in row(app, "Ada")[4], "Ada's HR at her first finish")
                assert row(app, "Ada")[6].startswith("resting")  # a rest never shortened by HR
                # the `h` key: a bad pairing is one line and changes nothing; a good one pairs Ben's strap
                ada, ben = (sim.straps.straps[name].address for name in ("Ada", "Ben"))
                for text, said in [("Zed=hr:name=Polar*", "no athlete 'Zed'"), (f"Ben=hr:{ada}", "already Ada's"),
                                   (f"Ben=hr:{ben}", f"Ben wears hr:{ben}")]:
                    await pilot.press("h")
                    await until(pilot, lambda: prompting(app, AskText, Input), "the pairing prompt")
                    app.focused.value = text  # typed at once: a loaded machine types slowly
                    await pilot.press("enter")
                    await until(pilot, lambda said=said: any(said in n.message for n in app._notifications), said)
                await until(pilot, lambda: app.heart.row_count == 2 and row(app, "Ben")[1].isdigit(),
                            "Ben's heart rate once his strap is paired")
                truth = sim.gates.session.truth["reps"]
                await until(pilot, lambda: len(truth) == 6 and sum(b.reps for b in app.board.athletes.values()) == 6,
                            "the plan's six reps")
                finish_s = sim.gates.session.runs[-1].finish_us / 1e6
                await until(pilot, lambda: sim.gates.now_us() / 1e6 > finish_s + 70, "a minute after the last finish")
                assert not cut(app)
                await pipeline.stop(end=True)  # the coach ends the session: the athletes go home with it
                await play
                shown = {name: row(app, name) for name in pipeline.athletes}
        finally:
            play.cancel()
            await pipeline.stop(end=False)
            await sim.stop()
            await sim.straps.stop()
        sid = pipeline.session
        events = list(store.events(sid))
        model = SessionModel.derive(events, store.annotations(sid))
        samples = store.hr_samples(sid)
    figures = rep_hearts(model.ordered_results(), clock_points(events), samples)
    for name in pipeline.athletes:  # the screen shows what review derives from the store
        last = [r for r in model.ordered_results() if r.rep.athlete == name][-1]
        got = figures[last.rep.number].hr
        if got.finish_bpm is None:  # Ben's strap was paired after his last finish
            assert name == "Ben" and shown[name][4:6] == ["—", "—"]
            continue
        assert shown[name][4] == f"{got.finish_bpm} #{last.rep.number}"
        assert shown[name][5] == f"{got.hrr60} (peak {got.peak_bpm})"
    assert set(samples) == {"Ada", "Ben"} and all(len(s) > 60 for s in samples.values())


class OneHeartTable(App):
    def compose(self) -> ComposeResult:
        yield HeartTable()


async def test_the_heart_table_shows_the_demos_six_straps_without_scrolling():
    app = OneHeartTable()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(HeartTable)
        for name in NAMES[:6]:
            table.show(strap_reading(name))
        await pilot.pause()
        assert table.row_count == 6 and table.max_scroll_y == 0
