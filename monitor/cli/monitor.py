"""`gates monitor`: live sources into a stored session, judged rep by rep.

`--headless` prints a line per rep and verdict (JSON lines with `--json`); the work is done by
monitor/pipeline.py so the dashboard runs the very same service.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import replace
from pathlib import Path

from monitor.cli.options import (
    UsageError,
    add_against_option,
    add_hi_range_option,
    add_hr_options,
    add_session_options,
    add_theme_option,
    database_path,
    hi_ranges,
    open_store,
    plan_against,
    plan_notes,
    require_terminal,
    run_dashboard,
    heart_options,
    session_options,
    stored_session,
)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", action="append", required=True, metavar="SPEC",
                        help="serial:/dev/ttyUSB0[?protocol=NAME&baud=N], line:/dev/ttyUSB0[?cts=1&dsr=2], "
                             "ble:ADDRESS, ble:name=PATTERN or replay:FILE[?speed=X|max]; repeatable")
    add_session_options(parser)
    add_against_option(parser)
    add_theme_option(parser)
    add_hi_range_option(parser)
    add_hr_options(parser)
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.add_argument("--headless", action="store_true", help="no dashboard: print a line per rep and verdict")
    parser.add_argument("--json", action="store_true", help="with --headless: JSON lines, one per rep, then a summary")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--session", type=int, metavar="ID", help="resume this unfinished session")
    which.add_argument("--new", action="store_true",
                       help="start a new session even if the last one never ended (default: resume it)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from drivers import registry
    from monitor.live.pipeline import Pipeline, PipelineError, run_headless

    options = session_options(args)
    options = replace(options, plan=plan_against(options.plan, args.against))
    if args.json and not args.headless:
        raise UsageError("--json goes with --headless")
    default_range, ranges = hi_ranges(args.hi_range)  # the dashboard's spacing line
    pairings, heart_settings = heart_options(args, options.roster)
    sources = []
    for spec in args.source:
        context = {}
        if spec.startswith("ble:") and os.environ.get("GATES_BLE_HCI"):  # the radio `gates simulate --ble` serves
            from simulators.ble_backend import radio_from_env

            context["radio"] = radio_from_env()
        try:
            source = registry.create(spec, **context)
        except registry.SpecError as err:
            raise UsageError(f"--source {err}") from None
        path = getattr(source, "path", None)
        if spec.startswith("replay:") and path is not None and not Path(path).is_file():
            raise UsageError(f"--source {spec!r}: no such file {path}")
        sources.append(source)
    if not args.headless:  # before the store: no database is made for a dashboard that cannot open
        require_terminal()
    elif options.plan is not None:
        import sys

        print("\n".join(f"gates monitor: {line}" for line in plan_notes(options.plan)), file=sys.stderr)
    if args.session is not None:  # a resume: no database is made for a session that cannot be in it
        database_path(args.db)
    store = open_store(args.db)
    with store:
        if args.session is not None:
            stored_session(store, args.session)
        try:
            pipeline = Pipeline(store, sources, course=options.course, athletes=options.roster,
                                rule=replace(options.rule, against=args.against), debounce_us=options.debounce_us,
                                session=args.session, resume=not args.new, plan=options.plan,
                                heart=_heart(pairings, heart_settings))
        except PipelineError as err:  # sources that cannot run together
            raise UsageError(f"--source: {err}") from None
        if not args.headless:  # the dashboard (default): quitting leaves the session open to resume
            code = asyncio.run(run_dashboard(pipeline, where=" ".join(args.source), end_on_exit=False,
                                             theme=args.theme, hi_range_m=ranges, default_range_m=default_range))
            if pipeline.session is not None:
                print(f"gates monitor: {_kept(store, pipeline.session)}")
            return code
        return asyncio.run(run_headless(pipeline, as_json=args.json, db=str(store.path)))


def _kept(store, session: int) -> str:
    """Where the coach's session is, once the dashboard has closed, and what comes next for it."""
    if store.session(session).ended:
        return f"session {session} ended, stored in {store.path} (gates review {session} shows it)"
    return (f"session {session} stored in {store.path}, still open: gates monitor with the same sources, "
            f"course and athletes resumes it")


def _heart(pairings, settings):
    """The straps beside the gates; with none paired yet, a strap can still be paired from the dashboard."""
    from monitor.live.heart import HeartMonitor

    radio = None
    if os.environ.get("GATES_BLE_HCI"):  # the radio `gates simulate --ble --hr` serves
        from simulators.ble_backend import radio_from_env

        radio = radio_from_env()
    return HeartMonitor(pairings, settings=settings, radio=radio)
