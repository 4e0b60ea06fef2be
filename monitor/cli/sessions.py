"""`gates sessions`: the sessions in the database, newest last, with what each was: its reps that
counted and the verdict each athlete reached, derived from the stored events as the live session
judged them (monitor/review/digest.py)."""

from __future__ import annotations

import argparse
import json
import time

from monitor.cli.options import UsageError, database_path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.add_argument("--json", action="store_true", help="JSON lines, one per session")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor.review.digest import digest
    from monitor.store import db as st

    if not args.db and not st.default_path().exists():
        print(f"no sessions yet ({st.default_path()} does not exist)")
        return 0
    path = database_path(args.db)

    try:
        with st.SessionStore(path, readonly=True) as store:
            digests = [digest(store, s.id) for s in store.sessions()]
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None
    if args.json:
        for d in digests:
            s = d.info
            print(json.dumps({"session": s.id, "started": _iso(s.created_ns), "name": s.name, "course": s.course,
                              "athletes": list(s.athletes), "sources": list(s.sources), "events": s.events,
                              "ended": _iso(s.ended_ns) if s.ended_ns else None, "reps": d.reps,
                              "verdicts": {name: v and v.value for name, v in d.verdicts().items()},
                              "plan": d.plan, "blocks_done": d.blocks_done() if d.plan else None}))
        return 0
    if not digests:
        print(f"no sessions in {path}")
        return 0
    print(f"{'id':>4}  {'started':<19}  {'course':<16} {'events':>7} {'reps':>5}  {'state':<7}  "
          f"{'athletes':<24}  verdicts")
    for d in digests:
        s = d.info
        state = "ended" if s.ended else "open"
        print(f"{s.id:>4}  {_iso(s.created_ns):<19}  {(s.course or '-'):<16} {s.events:>7} {d.reps:>5}  "
              f"{state:<7}  {', '.join(s.athletes) or '-':<24}  {d.verdict_line()}")
        if d.plan:
            done = ", ".join(f"{name} {n}/{d.plan_blocks}" for name, n in d.blocks_done().items())
            print(f"{'':>4}  plan {d.plan}: blocks done {done or '-'}")
    return 0


def _iso(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ns / 1e9))
