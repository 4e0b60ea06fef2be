"""`gates review [SESSION]`: a stored session in a Textual app, for the athlete looking back.

The database is opened read-only (a live monitor may be writing it: WAL lets both work), and the
session is derived from its events and annotations exactly as the live session judged it. Every
mistake (a session id that is not a number or not stored, a missing, empty or foreign database) is
reported before a screen opens.
"""

from __future__ import annotations

import argparse
import sys

from monitor.cli.options import UsageError, add_theme_option, chosen_look, database_path, session_id, stored_session


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", nargs="?", metavar="SESSION",
                        help="the session id, as `gates sessions` lists them (default: the latest)")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    add_theme_option(parser)
    parser.set_defaults(run=run)


def load(db: str | None, session: str | None):
    """The SessionDigest the arguments name, or UsageError saying which argument is wrong."""
    from monitor.review.digest import digest
    from monitor.store import db as st

    wanted = None if session is None else session_id(session)
    path = database_path(db)
    try:
        with st.SessionStore(path, readonly=True) as store:
            return digest(store, stored_session(store, wanted))
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None


def logs_of(path, session: int) -> dict:
    """The athletes' logs that stand in the session (what `l` shows to start from)."""
    from monitor.session import log as athlete_log
    from monitor.store import db as st

    with st.SessionStore(path, readonly=True) as store:
        return athlete_log.entries(store.annotations(session))


def store_log(path, session: int, entry) -> None:
    """One athlete's log, stored with the session as `gates log` stores it (StoreError if it cannot be)."""
    from monitor.session import facts
    from monitor.store import db as st

    with st.SessionStore(path) as store:
        store.annotate(session, facts.LOG, **entry.as_data())


def history_loader(path, created_ns: int):
    """An athlete's history for the review's history view: the weeks up to the session's own."""
    from monitor.review.history import WEEKS
    from monitor.session import week as wk
    from monitor.store import athlete_history

    return lambda athlete: athlete_history.load(path, athlete, last=wk.iso_week(created_ns), count=WEEKS)


def require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty() and sys.__stderr__.isatty()):
        raise UsageError("the review needs a terminal; `gates sessions` lists sessions without one")


def run(args: argparse.Namespace) -> int:
    session = load(args.db, args.session)
    require_terminal()
    from monitor.review.app import ReviewApp
    from monitor.tui import config

    path, sid = database_path(args.db), session.info.id
    app = ReviewApp(session, save_log=lambda entry: store_log(path, sid, entry), logs=logs_of(path, sid),
                    history=history_loader(path, session.info.created_ns))
    config.apply(app, chosen_look(args.theme)["theme"])
    app.run()
    return 0
