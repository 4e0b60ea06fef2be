"""`gates demo`: the live dashboard on the bundled simulator, no hardware needed.

A simulated group session (simulators/) streams in real time × `--speed` through the in-process
simulator (the real gateline decoder, no pty) into the same pipeline and store as `gates monitor`.
The defaults, six athletes on the repeated-sprint plan at six times real time, reach END for the
first athlete after about 75 s and finish the whole session in about two minutes. The session is
stored in the default database (or `--db`) and ended when the dashboard closes.
"""

from __future__ import annotations

import argparse
import math

from monitor.cli import UsageError

DEFAULT_ATHLETES = "6"
DEFAULT_PLAN = "rsa"
DEFAULT_SPEED = 6.0


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athletes", default=DEFAULT_ATHLETES, metavar="N|A,B,C",
                        help=f"a count of preset athletes or their names (default {DEFAULT_ATHLETES})")
    parser.add_argument("--speed", type=float, default=DEFAULT_SPEED,
                        help=f"run X times faster than real time (default {DEFAULT_SPEED:g})")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same session (default 0)")
    from simulators.plans import PLANS

    parser.add_argument("--plan", default=DEFAULT_PLAN,
                        help="; ".join(f"{p.name}: {p.description}" for p in PLANS.values())
                        + f" (default {DEFAULT_PLAN})")
    parser.add_argument("--course", default="0,10,20,30", help="gate distances in metres (default 0,10,20,30)")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def _config(args: argparse.Namespace):
    """The simulated session the options ask for, or UsageError naming the option that is wrong."""
    from gates.course import Course, CourseError
    from simulators.athletes import group
    from simulators.plans import get_plan
    from simulators.session import SessionConfig

    try:
        course = Course.parse(args.course)
    except CourseError as err:
        raise UsageError(f"--course {err}") from None
    try:
        athletes = group(args.athletes)
    except ValueError as err:
        raise UsageError(f"--athletes {err}") from None
    try:
        plan = get_plan(args.plan)
    except ValueError as err:
        raise UsageError(f"--plan: {err}") from None
    if not (math.isfinite(args.speed) and 0 < args.speed <= 1000):
        raise UsageError(f"--speed must be a number above 0 and at most 1000, got {args.speed:g}")
    if args.seed < 0:
        raise UsageError(f"--seed must not be negative, got {args.seed}")
    return SessionConfig(course=course, athletes=tuple(athletes), plan=plan, seed=args.seed)


def run(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from monitor import store as st
    from monitor.sim_source import SimulatorSource
    from monitor.pipeline import Pipeline
    from monitor.tui.bridge import require_terminal, run_dashboard
    from simulators.live import LiveSimulator
    from simulators.session import simulate

    config = _config(args)
    require_terminal()
    db_path = Path(args.db) if args.db else st.default_path()
    try:
        store = st.SessionStore(db_path)
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None
    with store:
        source = SimulatorSource(LiveSimulator(simulate(config), speed=args.speed, name="simulator"))
        pipeline = Pipeline(store, [source], course=config.course, athletes=[a.name for a in config.athletes],
                            resume=False)
        code = asyncio.run(run_dashboard(pipeline, where=f"demo ×{args.speed:g}", end_on_exit=True,
                                         speed=args.speed))
        print(f"gates demo: session {pipeline.session} stored in {db_path}")
        return code
