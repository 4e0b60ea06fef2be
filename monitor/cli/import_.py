"""`gates import`: a session exported as JSON (`gates export --format json`) into a database, as a new session.

All or nothing: the file is checked whole before the database is touched, and the session goes in in
one transaction, so a file that is not an export, is of another version or was cut short leaves the
database as it was (and creates none).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.cli.options import UsageError, open_store


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a JSON file written by `gates export --format json`")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a gates session export (not UTF-8 text)") from None
    except OSError as err:
        raise UsageError(f"{path}: {err.strerror or err}") from None


def run(args: argparse.Namespace) -> int:
    from monitor import exchange
    from monitor.session.model import SessionModel
    from monitor.store import db as st

    path = Path(args.file)
    try:
        rows = exchange.parse(_read(path))
    except exchange.ExchangeError as err:
        raise UsageError(f"{path}: {err}") from None
    db = Path(args.db) if args.db else st.default_path()
    created = not db.exists()
    try:
        with open_store(str(db)) as store:
            sid = store.import_session(created_ns=rows.created_ns, name=rows.name, events=rows.events,
                                       annotations=rows.annotations, baselines=rows.baselines, hr_rows=rows.hr_rows)
            reps = len(SessionModel.derive(store.events(sid), store.annotations(sid)).results)
    except st.StoreError as err:  # rolled back; a database made for this import goes too
        if created:
            for leftover in st.files(db):
                leftover.unlink(missing_ok=True)
        raise UsageError(f"{path}: {err}") from None
    print(f"imported session {rows.session} from {path} as session {sid} in {db}: "
          f"{len(rows.events)} events, {len(rows.annotations)} annotations, {reps} reps")
    return 0
