"""`gates demo`: the live dashboard on the bundled simulator, no hardware needed.

A simulated group session (simulators/) streams in real time × `--speed` through the in-process
simulator (the real gateline decoder, no pty) into the same pipeline and store as `gates monitor`.
The defaults, six athletes on the micro-dosed speed-endurance template (30 m block starts, then the
simulated gate 2 moved to 150 m) at six times real time, are judged block by block; the first
athlete reaches END well inside the first 90 s. The session is stored in the demo's own database
(demo.sqlite3 in the data directory, or `--db`), never among the coach's sessions; it stays open after
the simulator is done, for the coach's keys, and ends when the dashboard closes. `--plan` picks another template, or a plan file.

The simulated athletes take turns as the session's rotation says (simulators/turns.py asks `next_up`
before each run): the athlete the coach skips, chooses, reorders or adds is the one who runs, an
athlete the simulator never heard of runs as a generic one, and an athlete at END runs no more, so
every rep on the dashboard was run by the athlete it names. Over `--ble` too: the BLE gates' athletes
ask `next_up` the same way, once the pipeline has taken in everything the gates sent (`play_out`).

`--ble` runs the same session over the Bluetooth LE stack: each gate a bumble peripheral serving the
gate profile on its own drifting clock (simulators/ble_gate.py), a radio link that delivers late and
retries, and the product's BleSource (bleak) connecting, resending and aligning each gate's clock.
The simulation runs on session time (× `--speed`), so the host clock BleSource stamps arrivals with
is the simulation's, and the pipeline (its rep timeouts) and the dashboard (rest, heartbeat ages)
read that same clock. The host's own processing delays count `speed` times over on that clock, so
faster than BLE_MAX_SPEED is refused. The gates warm up for 30 s of session time before the first
rep (as the BLE clock tests do), and the dashboard shows their clocks being pinned meanwhile. With
`--hr` each athlete's strap follows the runs they have made so far.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace

from simulators.athletes import Fatigue

from monitor.cli.options import (
    UsageError,
    add_against_option,
    add_plan_option,
    add_theme_option,
    group_athletes,
    load_plan,
    open_store,
    plan_against,
    require_terminal,
    run_dashboard,
    run_dashboard_first,
)

DEMO_DB = "demo.sqlite3"  # beside the coach's gates.sqlite3, never in it
DEFAULT_ATHLETES = "6"
DEFAULT_PLAN = "micro-dosed"
DEFAULT_SPEED = 6.0
# measured against the simulator's truth, dashboard running: splits within 5 ms at 6x, 20 ms at 20x;
# at 50x within 36 ms and the first reps missed gates
BLE_MAX_SPEED = 20.0
# the group's last athlete comes in tired: no fresh reps, 3 % of top speed lost per rep, so at the
# default speed the dashboard shows a CAUTION and then an END inside the first 90 s
TIRED = Fatigue(fresh_load=0.0, loss_pct=3.0)
BLE_GATES = "name=GATE-*"  # the allow-list: the names the simulated gates advertise
BLE_WARMUP_S = 30.0  # session seconds of heartbeats before the first rep: every gate's clock pinned


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athletes", default=DEFAULT_ATHLETES, metavar="N|A,B,C",
                        help=f"a count of preset athletes or their names (default {DEFAULT_ATHLETES})")
    parser.add_argument("--speed", type=float, default=DEFAULT_SPEED,
                        help=f"run X times faster than real time (default {DEFAULT_SPEED:g})")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same session (default 0)")
    add_plan_option(parser, DEFAULT_PLAN)
    parser.add_argument("--course", help="run every block over these gate distances in metres instead of its own")
    parser.add_argument("--db", metavar="PATH", help="session database (default: demo.sqlite3 in your data directory, never the coach's own)")
    add_against_option(parser)
    add_theme_option(parser)
    parser.add_argument("--ble", action="store_true",
                        help="over Bluetooth LE: simulated BLE gates, each on its own clock, on a simulated radio "
                             f"(bumble), received by the BLE driver as real gates are (--speed at most {BLE_MAX_SPEED:g})")
    parser.add_argument("--hr", action="store_true",
                        help="the athletes wear simulated heart-rate straps (bumble), paired with the HR driver as "
                             "real straps are; runs over Bluetooth LE, as --ble")
    parser.set_defaults(run=run)


def _checked(args: argparse.Namespace):
    """The simulated athletes and the plan the options ask for, or UsageError naming the option that
    is wrong; no simulator is loaded yet (numpy, under it, would hold up the first frame)."""
    from gates.course import Course, CourseError

    plan = plan_against(load_plan(args.plan), args.against)
    if args.course is not None:
        try:
            course = Course.parse(args.course)
        except CourseError as err:
            raise UsageError(f"--course {err}") from None
        plan = replace(plan, blocks=tuple(replace(b, course=course, gates=None) for b in plan.blocks))
    athletes = group_athletes(args)
    athletes[-1] = replace(athletes[-1], fatigue=TIRED)
    if not (math.isfinite(args.speed) and 0 < args.speed <= 1000):
        raise UsageError(f"--speed must be a number above 0 and at most 1000, got {args.speed:g}")
    return athletes, plan


def _session(athletes, plan, seed: int):
    """The simulated session of checked options."""
    from monitor.cli.options import simulated_plan
    from simulators.session import SessionConfig

    return SessionConfig(course=plan.blocks[0].course, athletes=tuple(athletes), plan=simulated_plan(plan), seed=seed)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from monitor.session.analyzer import StopRule
    from monitor.store.db import DEMO, DEMO_DB_NAME

    athletes, plan = _checked(args)  # the simulator itself is set up after the dashboard's first frame
    rule = StopRule(against=args.against)
    args.ble = args.ble or args.hr  # the straps are on the simulated radio: so are the gates
    if args.ble:
        if args.speed > BLE_MAX_SPEED:
            raise UsageError(f"--speed with --ble must be at most {BLE_MAX_SPEED:g} (faster, this computer's own "
                             f"delays, multiplied by the speed, spoil the split times), got {args.speed:g}")
        try:
            from simulators.ble_gate import ble_config
        except ImportError as err:  # bumble comes with the [dev] extra
            raise UsageError(f"--ble needs bumble ({err}): pip install 'gates[dev]'") from None
        config = ble_config(_session(athletes, plan, args.seed))
    require_terminal()

    store = open_store(args.db, DEMO_DB_NAME)
    with store:
        if args.ble:
            pipeline, code = asyncio.run(_over_ble(store, config, args.speed, rule, plan, args.theme, args.hr))
        else:  # the dashboard is on screen first; the session starts after its first frame
            names = [a.name for a in athletes]
            course = plan.blocks[0].course

            async def build():
                from monitor.live.pipeline import Pipeline
                from simulators.live import LiveSimulator
                from simulators.sim_source import SimulatorSource

                config = _session(athletes, plan, args.seed)
                built = None  # the simulated athletes ask this pipeline's rotation who is up
                source = SimulatorSource(LiveSimulator.taking_turns(config, lambda: next_up(built), speed=args.speed,
                                                                    name="simulator"))
                built = Pipeline(store, [source], course=config.course, athletes=names, rule=rule, resume=False,
                                 name=DEMO, plan=plan, end_when_exhausted=False)
                return built

            code, pipeline = asyncio.run(run_dashboard_first(
                build, course=course, rule=rule, roster=names, where=f"demo ×{args.speed:g}",
                end_on_exit=True, speed=args.speed, plan=plan, theme=args.theme))
        if pipeline is not None:
            print(f"gates demo: session {pipeline.session} stored in {store.path}")
        return code


def next_up(pipeline):
    """Who is up in the pipeline's session, as the demo's simulated athletes ask before each run
    (None until the session is open): they run in the order the dashboard shows, whatever the
    coach did to it."""
    from simulators.turns import Up

    model = None if pipeline is None else pipeline.model
    if model is None:
        return None
    rotation = model.rotation
    return Up(rotation.next_up, model.blocks.index + 1, tuple(rotation.running))


async def _over_ble(store, config, speed: float, rule, plan=None, theme: str | None = None, hr: bool = False):
    """The demo's session on simulated BLE gates: (the pipeline, the dashboard's exit code)."""
    import asyncio

    sim, pipeline = await ble_demo(store, config, speed, rule, plan, hr=hr)
    play = asyncio.create_task(play_out(sim, pipeline), name="BLE gates")
    try:  # speed 1 for the dashboard: its clock, the pipeline's, already runs on session time
        code = await run_dashboard(pipeline, where=f"demo ×{speed:g} over BLE", end_on_exit=True, theme=theme)
    finally:
        play.cancel()
        await asyncio.gather(play, return_exceptions=True)
        await sim.stop()
        if getattr(sim, "straps", None) is not None:
            await sim.straps.stop()
    return pipeline, code


async def ble_demo(store, config, speed: float, rule=None, plan=None, hr: bool = False):
    """The session's gates on the air, taking turns as the pipeline's rotation says (`play_out`
    drives them), and a pipeline (not yet started) listening to them with the BLE driver, both on the
    simulation's clock: (the BleSimulation, the Pipeline). With `hr`, every athlete wears a strap on
    the same radio (`sim.straps`), paired with the HR driver by address."""
    from dataclasses import replace

    from drivers.ble_source import BleSource
    from monitor.live.pipeline import Pipeline
    from monitor.store.db import DEMO
    from simulators.ble_backend import quiet_bumble
    from simulators.ble_gate import BleSimulation
    from simulators.turns import TurnSession

    quiet_bumble()  # its warnings about packets in flight would draw over the dashboard
    sim = BleSimulation(TurnSession(replace(config, warmup_s=max(config.warmup_s, BLE_WARMUP_S))), speed)
    await sim.start()
    source = BleSource(BLE_GATES, radio=sim.radio, clock=sim.clock_ns, samples_per_s=min(50.0, 10.0 * speed))
    heart = None
    if hr:
        from drivers.hr_source import parse_pairings
        from monitor.live.heart import HeartMonitor
        from simulators.hr_strap import HrStraps

        sim.straps = HrStraps(sim.gates.session, sim.link, speed=speed, clock_us=sim.gates.now_us)
        await sim.straps.start()
        pairings = parse_pairings(f"{name}={spec}" for name, spec in sim.straps.pairings().items())
        heart = HeartMonitor(pairings, radio=sim.radio)
    pipeline = Pipeline(store, [source], course=config.course, athletes=[a.name for a in config.athletes],
                        rule=rule, resume=False, name=DEMO, clock=sim.clock_ns, plan=plan, heart=heart)
    return sim, pipeline


async def play_out(sim, pipeline) -> None:
    """The gates' athletes take turns as the pipeline's rotation says (`next_up`, as in the in-process
    demo), until the session ends: when nobody is up or the plan is done they run no more, and the
    session stays open, the gates' heartbeats going on, until the coach ends it or quits.

    The simulator asks who is up only once the pipeline has taken in every event the gates sent, so
    the answer counts the rep just finished; its first run waits until the driver has connected to
    every gate and pinned its clock, as a coach waits for the gates to be set up: a gate's events
    from before its host connected are not the session's (its first status is the baseline), and an
    event on a clock not yet pinned could be placed outside its rep."""
    import asyncio

    from drivers.source import State

    source = pipeline.sources[0]  # the BleSource of ble_demo

    def ready(gate: int) -> bool:
        status, clock = source.gate_status.get(gate), source.clock_state(gate)
        return status is not None and status.state is State.CONNECTED and clock is not None and clock.synced

    def settled() -> bool:
        return pipeline.events >= sim.gates.sent and all(ready(gate) for gate in sim.gates.gates)

    turns = asyncio.create_task(sim.take_turns(lambda: next_up(pipeline), settled), name="BLE athletes")
    ended = asyncio.create_task(pipeline.wait(), name="BLE demo session")
    try:
        await asyncio.wait({turns, ended}, return_when=asyncio.FIRST_COMPLETED)
        if turns.done():
            turns.result()  # a failure is raised; nobody up or the plan done, the session stays open
        await ended  # the coach ended the session: nobody listens to the gates any more
    finally:
        for task in (turns, ended):
            task.cancel()
        await asyncio.gather(turns, ended, return_exceptions=True)
