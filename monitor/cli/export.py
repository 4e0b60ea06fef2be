"""`gates export`: a stored session as CSV (one row per split) or JSON (everything, for `gates import`);
with --athlete, one athlete's rows, across every session (from --since on) when no SESSION is named."""

from __future__ import annotations

import argparse
import datetime as dt

from monitor.cli.options import UsageError, check_names, database_path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", nargs="?", metavar="SESSION",
                        help="session id (see `gates sessions`); leave it out with --athlete for all their sessions")
    parser.add_argument("--format", required=True, choices=("csv", "json"),
                        help="csv: one row per split, for spreadsheets, pandas and R's shorts; "
                             "json: raw events, annotations and reps, which `gates import` reads back "
                             "(with --athlete: their reps and logs per session, for reading)")
    parser.add_argument("--athlete", metavar="NAME", help="this athlete's rows only")
    parser.add_argument("--since", metavar="YYYY-MM-DD",
                        help="with --athlete and no SESSION: sessions from this day on (default: all)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def since_ns(text: str) -> int:
    """Local midnight of the day `text` names (the coach's calendar, as the CSV's date column), or UsageError."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--since {text!r}: give a day as YYYY-MM-DD, e.g. 2026-11-30") from None
    return int(dt.datetime.combine(day, dt.time()).timestamp()) * 10**9


def run(args: argparse.Namespace) -> int:
    from monitor import exchange
    from monitor.cli import output
    from monitor.cli.options import load_saved

    athlete = check_names("--athlete", [args.athlete.strip()])[0] if args.athlete is not None else None
    if athlete == "":
        raise UsageError("--athlete: give the athlete's name")
    if args.since is not None and (athlete is None or args.session is not None):
        raise UsageError("--since is for an athlete across sessions: gates export --athlete NAME --since YYYY-MM-DD")
    if args.session is not None:
        saved = load_saved(args.db, args.session)
        if athlete is None:
            text = exchange.csv_text(saved) if args.format == "csv" else exchange.json_text(saved)
        else:
            if not _has(saved, athlete):
                raise UsageError(f"--athlete {athlete!r}: no rep or log of this athlete in session {saved.info.id}")
            text = (exchange.athlete_csv_text([saved], athlete) if args.format == "csv" else
                    exchange.athlete_json_text([saved], athlete))
        output.write(args.output, text, database=saved.path)
        return 0
    if athlete is None:
        raise UsageError("name a SESSION, or --athlete NAME for that athlete across sessions")
    start = None if args.since is None else since_ns(args.since)
    path = database_path(args.db)
    sessions = _sessions(path, athlete, start)
    if not sessions:
        where = "" if args.since is None else f" from {args.since} on"
        raise UsageError(f"--athlete {athlete!r}: no session in {path}{where} has this athlete")
    text = (exchange.athlete_csv_text(sessions, athlete) if args.format == "csv" else
            exchange.athlete_json_text(sessions, athlete, args.since))
    output.write(args.output, text, database=path)
    return 0


def _has(saved, athlete: str) -> bool:
    from monitor.session import log as athlete_log

    return (any(r.rep.athlete == athlete for r in saved.model.results.values())
            or athlete in athlete_log.entries(saved.annotations))


def _names(athlete: str, roster: tuple[str, ...], notes) -> bool:
    """Whether a session names the athlete at all: a rep is only ever theirs through a roster (the one
    now or an earlier one) or an annotation that names them (next up, added, reassigned to, logged), so
    no other session needs deriving."""
    return athlete in roster or any(n.data.get("athlete") == athlete or athlete in n.data.get("athletes", ())
                                    for n in notes)


def _sessions(path, athlete: str, start: int | None) -> list:
    """Every stored session from `start` on (oldest first) with a rep or a log of `athlete`."""
    from monitor.store import db as st
    from monitor.store import saved as saved_session

    try:
        with st.SessionStore(path, readonly=True) as store:
            notes = store.all_annotations()
            ids = [s.id for s in store.sessions() if (start is None or s.created_ns >= start)
                   and _names(athlete, s.athletes, notes.get(s.id, ()))]
        loaded = (saved_session.load(path, sid) for sid in ids)  # derived only where the athlete is named
        return sorted((s for s in loaded if _has(s, athlete)), key=lambda s: (s.info.created_ns, s.info.id))
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None
