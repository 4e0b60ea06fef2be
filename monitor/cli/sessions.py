"""`gates sessions`: the sessions in the database, newest last, with what each was: its reps that
counted and the verdict each athlete reached, derived from the stored events as the live session
judged them. Each session's summary is kept in the store under the mark of its facts
(monitor/store/summaries.py), so only a session that changed is derived again; a line is printed as
soon as its session is known. A database that takes writes keeps what was derived; one that does not
(or is older than this program and cannot be upgraded) is read as it is."""

from __future__ import annotations

import argparse
import itertools
import json
import time

from monitor.cli.options import UsageError, database_path, open_keeping_derived


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.add_argument("--json", action="store_true", help="JSON lines, one per session")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor.cli.progress import progress_line
    from monitor.store import db as st
    from monitor.store.summaries import listing

    if not args.db and not st.default_path().exists():
        print(f"no sessions yet ({st.default_path()} does not exist)")
        return 0
    path = database_path(args.db)

    try:
        with open_keeping_derived(path) as store:
            lines = listing(store, progress=progress_line("deriving", "sessions"))
            first = next(lines, None)
            if first is None and not args.json:
                print(f"no sessions in {path}")
                return 0
            if not args.json:
                print(f"{'id':>4}  {'started':<19}  {'course':<16} {'events':>7} {'reps':>5}  {'state':<7}  "
                      f"{'athletes':<24}  verdicts")
            if first is not None:
                for item in itertools.chain((first,), lines):
                    print(_json_line(item) if args.json else _line(item))
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None
    return 0


def _json_line(item) -> str:
    s = item.info
    return json.dumps({"session": s.id, "started": _iso(s.created_ns), "name": s.name, "course": s.course,
                       "athletes": list(s.athletes), "sources": list(s.sources), "events": s.events,
                       "ended": _iso(s.ended_ns) if s.ended_ns else None, "reps": item.reps,
                       "verdicts": item.verdicts, "plan": item.plan,
                       "blocks_done": item.blocks_done})


def _line(item) -> str:
    s = item.info
    state = "ended" if s.ended else "open"
    line = (f"{s.id:>4}  {_iso(s.created_ns):<19}  {(s.course or '-'):<16} {s.events:>7} {item.reps:>5}  "
            f"{state:<7}  {', '.join(s.athletes) or '-':<24}  {item.verdict_line}")
    if item.plan:
        done = ", ".join(f"{name} {n}/{item.plan_blocks}" for name, n in item.blocks_done.items())
        line += f"\n{'':>4}  plan {item.plan}: blocks done {done or '-'}"
    return line


def _iso(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ns / 1e9))
