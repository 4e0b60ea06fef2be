"""`gates week`: per athlete and ISO week, sessions, valid and high-intensity reps and metres, best
times, sRPE load and its change, hours since the last hard session, and next week's suggestion, all
from `monitor.session.week` over the store's derived rows (monitor/store/summaries.py: a session
whose facts changed is derived again, once, and kept where the database takes writes). Every option
and the athlete are checked before anything is derived, so bad input leaves the database as it was."""

from __future__ import annotations

import argparse
import json
import time

from monitor.cli.options import (
    UsageError,
    add_hi_range_option,
    check_names,
    database_path,
    hi_ranges,
    open_keeping_derived,
)

MAX_WEEKS = 520  # ten years


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athlete", metavar="NAME", help="this athlete only (default: everyone)")
    parser.add_argument("--weeks", type=int, default=8, metavar="N", help="how many weeks, up to --week (default 8)")
    parser.add_argument("--week", metavar="YYYY-Www", help="the last week shown, e.g. 2026-W49 (default: this week)")
    add_hi_range_option(parser)
    parser.add_argument("--max-rise", type=float, default=None, metavar="PCT",
                        help="suggest holding when a week's sRPE load rose more than this (default 20)")
    parser.add_argument("--json", action="store_true", help="JSON lines, one per athlete and week")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor.session import week as wk
    from monitor.store import db as st
    from monitor.store.week_rows import WeekRows, judged_since

    if not 1 <= args.weeks <= MAX_WEEKS:
        raise UsageError(f"--weeks must be 1 to {MAX_WEEKS}, got {args.weeks}")
    try:
        last = wk.parse_week(args.week) if args.week else wk.iso_week(time.time_ns())
    except wk.WeekError as err:
        raise UsageError(f"--week {err}") from None
    if args.max_rise is not None and not 0 <= args.max_rise <= 1000:  # NaN fails this too
        raise UsageError(f"--max-rise must be 0 to 1000 %, got {args.max_rise:g}")
    default, per = hi_ranges(args.hi_range)
    athlete = None if args.athlete is None else check_names("--athlete", [args.athlete.strip()])[0]
    if athlete == "":
        raise UsageError("--athlete: give a name")
    path = database_path(args.db)
    first = wk.week_start_ns(wk.shift_week(last, 1 - args.weeks))
    try:
        with open_keeping_derived(path) as store:
            known = store.named_athletes()
            for option, name in [("--athlete", athlete), *(("--hi-range", n) for n in per)]:
                if name is not None and name not in known:
                    raise UsageError(f"{option} {name!r}: no session in {path} has this athlete")
            judged = judged_since(WeekRows(store), first - wk.WEEK_NS)  # the week before the first: its change
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None
    rows = wk.weeks(judged, last=last, count=args.weeks, athlete=athlete, hi_range_m=per,
                    default_range_m=default or wk.HI_RANGE_M,
                    max_rise_pct=wk.MAX_RISE_PCT if args.max_rise is None else args.max_rise)
    if args.json:
        for row in rows:
            print(json.dumps(row.record(), ensure_ascii=False))
        return 0
    if not rows:
        print(f"no sessions in the {args.weeks} weeks up to {last}")
        return 0
    print(f"{'athlete':<16} {'week':<8} {'sess':>4} {'reps':>4} {'hi':>3} {'hi m':>6} {'range':<8} "
          f"{'sRPE':>6} {'Δ %':>5} {'h hard':>6}  suggestion")
    for row in rows:
        load = "-" if row.srpe_au is None else f"{row.srpe_au:.0f}"
        change = "-" if row.change_pct is None else f"{row.change_pct:+.0f}"
        since = "-" if row.hours_since_hard is None else f"{row.hours_since_hard:.0f}"
        print(f"{row.athlete[:16]:<16} {row.week:<8} {len(row.sessions):>4} {row.reps:>4} {row.hi_reps:>3} "
              f"{row.hi_m:>6.0f} {row.hi_status:<8} {load:>6} {change:>5} {since:>6}  {row.suggestion or '-'}")
    return 0
