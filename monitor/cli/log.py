"""`gates log`: the athlete's log after a session (RPE, minutes, leg feel, resting HR, a note), stored
as a fact of the session. A later entry for the same athlete replaces the earlier; `--undo` takes the
latest back (the one before it stands again). With no field given it shows the entry that stands."""

from __future__ import annotations

import argparse

from monitor.cli.options import UsageError, check_names


def register(parser: argparse.ArgumentParser) -> None:
    from monitor.session.log import LEGS

    parser.add_argument("session", metavar="SESSION", help="session id (see `gates sessions`)")
    parser.add_argument("--athlete", required=True, metavar="NAME", help="whose log: an athlete of the session")
    parser.add_argument("--rpe", type=float, metavar="0-10", help="session RPE on the CR-10 scale (0 rest, 10 maximal)")
    parser.add_argument("--minutes", type=float, metavar="N", help="the session's duration in minutes")
    parser.add_argument("--legs", choices=LEGS, help="how the legs feel")
    parser.add_argument("--hr-rest", type=int, metavar="BPM", help="resting heart rate, beats per minute")
    parser.add_argument("--note", metavar="TEXT", default="", help="anything else, in a line")
    parser.add_argument("--undo", action="store_true", help="take back the athlete's latest entry for the session")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor.cli.options import load_saved, open_store
    from monitor.session import facts
    from monitor.session import log as athlete_log

    name = check_names("--athlete", [args.athlete.strip()])[0]
    given = any(v not in (None, "") for v in (args.rpe, args.minutes, args.legs, args.hr_rest, args.note))
    if args.undo and given:
        raise UsageError("--undo takes back the latest entry: give no other field with it")
    entry = None
    if given:
        try:
            entry = athlete_log.LogEntry(name, args.rpe, args.minutes, args.legs, args.hr_rest, args.note)
        except athlete_log.LogError as err:
            raise UsageError(f"--{err}") from None
    saved = load_saved(args.db, args.session)  # read-only: a session that is not stored writes nothing
    known = dict.fromkeys([*saved.info.athletes, *(r.rep.athlete for r in saved.model.ordered_results()),
                           *athlete_log.entries(saved.annotations)])
    if name not in known:
        listed = ", ".join(known) or "none"
        raise UsageError(f"--athlete {name!r}: not an athlete of session {saved.info.id} (athletes: {listed})")
    current = athlete_log.latest(saved.annotations, name)
    if not given and not args.undo:
        print(f"{name}, session {saved.info.id}: "
              + (athlete_log.LogEntry.from_data(current.data).describe() if current else "no log"))
        return 0
    if args.undo and current is None:
        raise UsageError(f"--undo: {name} has no log in session {saved.info.id}")
    with open_store(str(saved.path)) as store:
        if args.undo:
            store.annotate(saved.info.id, facts.UNDO, annotation=current.id)
        else:
            store.annotate(saved.info.id, facts.LOG, **entry.as_data())
        now = athlete_log.entries(store.annotations(saved.info.id)).get(name)
    print(f"{name}, session {saved.info.id}: " + (now.describe() if now else "no log"))
    return 0
