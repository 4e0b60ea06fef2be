"""`gates demo --ble`: the dashboard on simulated BLE gates over bumble's real stack, received by the
product's BleSource, everything on the simulation's clock.

The Pilot test builds the demo exactly as the command does (monitor.cli.demo.ble_demo and play_out)
and plays a short session at half the demo's own speed: reps reach the screen with split times matching
the simulator's truth (so every gate's own clock was aligned), verdicts show, and the gate strip shows
each gate's clock status. The coach skips and chooses who runs next on the dashboard, and the
simulated athletes follow: each rep goes to whoever the dashboard showed as next up, and that is who
the simulator says ran it. Once the plan is done the session stays open, the gates' heartbeats going
on, until the coach ends it. END and the rest of the coach's keys are the in-process Pilot tests'
business (tests/tui/): the dashboard is the same. No timing asserts on the wall clock: each wait is on
a condition with a generous limit.

Why not faster: the simulation stamps arrivals on session time, so a stall of the host process counts
`speed` times over. At 12x on a loaded machine a 0.15 s stall delivered an event 1.8 s (session)
late, after the next gate's. The assembler now fills such a gate by its time while the rep is on
course, but a split stamped late by the stall is off by the stall, and one arriving after the finish's
comes too late for a rep already judged.
"""

from __future__ import annotations

import asyncio

from support.dashboard import LIMIT_S, Recording, prompting, typed, until
from textual.widgets import OptionList

from drivers.ble_source import BleSource
from gates.assembly import default_timeout_us
from gates.course import Course
from monitor.store import db as st
from monitor.cli.main import main
from monitor.cli.demo import BLE_MAX_SPEED, DEFAULT_SPEED, ble_demo, play_out
from monitor.session.model import SessionModel
from monitor.live.pipeline import Pipeline, StartAbandoned
from monitor.tui.app import DashboardApp
from monitor.tui.bridge import open_dashboard
from monitor.tui.screens.prompts import Confirm, PickAthlete
from monitor.tui.widgets.gates import GateChip
from simulators.athletes import presets
from simulators.ble_backend import BumbleRadio, JitteryLink
from simulators.ble_gate import BleGate, ble_config
from simulators.plans import get_plan
from simulators.session import SessionConfig
from simulators.virtual_time import run

COURSE = Course.parse("0,10,20,30")
# half the demo's own speed (a 100 s session in about 33 s): the suite runs four workers on two cores,
# and a host stall counts `speed` times over (see the module docstring)
SPEED = DEFAULT_SPEED / 2
SIZE = (140, 45)
# loose: at 3x the host's processing time counts three times over (measured: within 5 ms). The gates'
# clocks start seconds to minutes apart, so without alignment the splits would be off by far more.
SPLIT_BOUND_US = 25_000
OPEN_AFTER_S = 6.0  # session seconds the test waits, the plan done, for the session to end by itself


def config() -> SessionConfig:
    return ble_config(SessionConfig(course=COURSE, athletes=tuple(presets(3)), plan=get_plan("rsa").with_reps(2),
                                    seed=3))




def chips(app: DashboardApp) -> dict[str, str]:
    """What each chip of the gate strip says, by its label ("gate 1", or the source's name)."""
    shown = [chip.shown[0] for chip in app.gates.query(GateChip)]
    return {text.split(" OK")[0].split(" CLOSED")[0]: text for text in shown if text}


def shown_next(app: DashboardApp) -> str:
    """Who the athletes table's title says is next up."""
    return app.table.border_title.partition("next up: ")[2]


async def test_the_demo_over_ble_follows_the_coachs_rotation_and_stays_open(tmp_path):
    with st.SessionStore(tmp_path / "gates.sqlite3") as store:
        sim, pipeline = await ble_demo(store, config(), SPEED)
        truth = sim.gates.session.truth
        play = asyncio.create_task(play_out(sim, pipeline))
        opened = await open_dashboard(pipeline, where="test")
        app = Recording(opened.controls, course=opened.course, rule=opened.rule, roster=pipeline.athletes,
                        where="test", clock=opened.clock)
        sent_to: dict[int, str] = {}  # rep number -> who the dashboard showed as next up just before it
        try:
            async with app.run_test(size=SIZE) as pilot:
                gates = [f"gate {d.gate}" for d in sim.gates.session.devices]
                await until(pilot, lambda: all("· clock ±" in chips(app).get(g, "") for g in gates),
                            "every gate's clock to be shown aligned")
                assert all(chips(app)[g].startswith(f"{g} OK · hb ") for g in gates)
                reps = lambda: sum(board.reps for board in app.board.athletes.values())
                # each decision while the athlete before is on course (their start moved the rotation on):
                # the coach has their run and the gap after it to decide, as on a track
                await until(pilot, lambda: shown_next(app) == "Ben", "Ada's start")
                typed(app, "s")  # Ben sits this turn out
                await until(pilot, lambda: shown_next(app) == "Cleo", "Cleo up after the skip")
                sent_to[2] = shown_next(app)
                await until(pilot, lambda: shown_next(app) == "Ada", "Cleo's start")
                typed(app, "n")  # Ben, chosen out of turn
                await until(pilot, lambda: prompting(app, PickAthlete, OptionList), "who runs next?")
                typed(app, "down", "enter")  # from Ada, up, to Ben
                await until(pilot, lambda: any("Ben runs next" in n.message for n in app._notifications),
                            "Ben chosen")
                assert shown_next(app) == "Ben"
                sent_to[3] = shown_next(app)
                await until(pilot, lambda: reps() == 6, "the plan's six reps")
                done_s = app.clock()
                await until(pilot, lambda: app.clock() > done_s + OPEN_AFTER_S, "the session to go on")
                assert not app.board.ended and not play.done()  # open, for the coach's keys
                heard_s = {g: pipeline.sources[0].gate_status[g].last_heartbeat_ns / 1e9 for g in sim.gates.gates}
                assert all(app.clock() - t < 3.0 for t in heard_s.values()), heard_s  # the gates still beat
                assert all(chips(app)[g].startswith(f"{g} OK · hb ") for g in gates)
                rest = {name: app.board.rest_s(name, app.clock()) for name in pipeline.athletes}
                typed(app, "e")
                await until(pilot, lambda: isinstance(app.screen, Confirm), "the end-session question")
                typed(app, "y")
                await until(pilot, lambda: app.board.ended, "the session to end as the coach asked")
                await asyncio.wait_for(play, LIMIT_S)  # the athletes go home with it
        finally:
            play.cancel()
            await pipeline.stop(end=False)
            await sim.stop()
        stored = SessionModel.derive(store.events(pipeline.session), store.annotations(pipeline.session))

    results = stored.ordered_results()
    true_reps = truth["reps"]
    assert [r.rep.athlete for r in results] == [r["athlete"] for r in true_reps] and len(true_reps) == 6
    assert not stored.abandoned
    assert [r["athlete"] for r in true_reps][:3] == ["Ada", "Cleo", "Ben"]  # who really ran, as the coach said
    for number, name in sent_to.items():
        assert results[number - 1].rep.athlete == name == true_reps[number - 1]["athlete"]
    for result, true in zip(results, true_reps):
        rep = result.rep
        assert rep.athlete == true["athlete"] and not rep.flags
        assert all(abs(got - t * 1e6) < SPLIT_BOUND_US for got, t in zip(rep.splits_us, true["splits_s"]))
    for name in pipeline.athletes:  # the screen shows what is stored
        mine = [r for r in results if r.rep.athlete == name]
        assert app.board.athletes[name].reps == len(mine) and app.board.athletes[name].latest == mine[-1]
    words = {b.word for b in app.banners}
    assert {"BASELINE", "GO", "SESSION ENDED"} <= words
    assert app.banners[-1].word == "SESSION ENDED"
    # rest timers run on the session's clock, as the arrivals do: each athlete has rested a while since
    # their last rep, and never longer than the session so far
    assert all(0 < rest[name] < sim.gates.now_us() / 1e6 for name in pipeline.athletes)


def test_a_start_nobody_finished_times_out_on_the_pipelines_clock(tmp_path):
    """The pipeline judges timeouts by the clock its sources stamp arrivals with; here that is a
    virtual-time loop's, far from the host's monotonic clock."""

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        clock = lambda: round(loop.time() * 1e9)
        link = JitteryLink(seed=1)
        gate = BleGate(link, 1, "C0:FF:EE:00:00:01", clock=lambda: round(loop.time() * 1e6) + 123_456_789)
        await gate.start()
        source = BleSource("name=GATE-*", radio=BumbleRadio.on_link(link), clock=clock)
        with st.SessionStore(tmp_path / "gates.sqlite3") as store:
            pipeline = Pipeline(store, [source], course=COURSE, clock=clock)
            messages = pipeline.subscribe()
            await pipeline.start()
            await asyncio.sleep(10)  # connected, the clock sampled
            gate.beam()
            broke = loop.time()
            while not isinstance(await asyncio.wait_for(messages.get(), 300), StartAbandoned):
                pass
            waited = loop.time() - broke
            await pipeline.stop()
        await gate.stop()
        return waited

    waited = run(scenario())
    timeout_s = default_timeout_us(COURSE) / 1e6
    assert timeout_s <= waited <= timeout_s + 2  # the pipeline checks twice a second; delivery is late


def test_ble_demo_speed_is_bounded(capsys, tmp_path):
    db = tmp_path / "g.sqlite3"
    assert main(["demo", "--ble", "--speed", str(BLE_MAX_SPEED * 2), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"--speed with --ble must be at most {BLE_MAX_SPEED:g}" in err and len(err.strip().splitlines()) == 1
    assert not db.exists()
