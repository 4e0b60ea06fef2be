"""`gates report`: a stored session as one self-contained HTML page (inline charts, no network), athlete by
athlete; with --athlete, one athlete's page of that session, or without a session their history over weeks."""

from __future__ import annotations

import argparse
import time

from monitor.cli.options import UsageError, check_names, database_path

MAX_WEEKS = 520  # ten years


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", nargs="?", metavar="SESSION",
                        help="session id (see `gates sessions`); leave it out with --athlete for their history")
    parser.add_argument("--athlete", metavar="NAME",
                        help="this athlete only: their page of SESSION (no one else's name or figure on it), "
                             "or without SESSION their history (PBs, weekly volume and load, every verdict)")
    parser.add_argument("--weeks", type=int, metavar="N", help="the history's weeks, up to this one (default 8)")
    parser.add_argument("--week", metavar="YYYY-Www", help="the history's last week, e.g. 2026-W49 (default: this week)")
    parser.add_argument("-o", "--output", metavar="FILE", required=True,
                        help="the HTML file to write, e.g. report.html")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor.cli import output

    athlete = check_names("--athlete", [args.athlete.strip()])[0] if args.athlete is not None else None
    if athlete == "":
        raise UsageError("--athlete: give the athlete's name")
    if args.session is not None and (args.weeks is not None or args.week is not None):
        raise UsageError("--weeks and --week are for an athlete's history: leave SESSION out "
                         "(gates report --athlete NAME --weeks N)")
    if args.session is None:
        if athlete is None:
            raise UsageError("name a SESSION, or --athlete NAME for that athlete's history")
        path, page = _history(args.db, athlete, 8 if args.weeks is None else args.weeks, args.week)
    else:
        path, page = _session(args.db, args.session, athlete)
    output.write(args.output, page, database=path)
    return 0


def _session(db: str | None, session: str, athlete: str | None):
    from monitor.cli.options import load_saved

    saved = load_saved(db, session)  # a wrong SESSION or --db is said before the report's code is loaded
    from monitor.report.heart import with_heart
    from monitor.report.page import athletes_of, render

    if athlete is not None and athlete not in athletes_of(saved):
        raise UsageError(f"--athlete {athlete!r}: no rep of this athlete in session {saved.info.id}")
    return saved.path, with_heart(render(saved, athlete), saved, athlete)


def _history(db: str | None, athlete: str, weeks: int, week: str | None):
    from monitor.report.history import render
    from monitor.session import week as wk
    from monitor.store import athlete_history
    from monitor.store import db as st

    if not 1 <= weeks <= MAX_WEEKS:
        raise UsageError(f"--weeks must be 1 to {MAX_WEEKS}, got {weeks}")
    try:
        last = wk.parse_week(week) if week else wk.iso_week(time.time_ns())
    except wk.WeekError as err:
        raise UsageError(f"--week {err}") from None
    path = database_path(db)
    try:
        history = athlete_history.load(path, athlete, last=last, count=weeks)
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None
    except athlete_history.UnknownAthlete:
        raise UsageError(f"--athlete {athlete!r}: no session in {path} has this athlete") from None
    return path, render(history)
