"""One stored session read back whole, for the commands that work after the session (export, report).

Reads the database read-only, so it is safe beside a live monitor still writing, and turns every
mistake a user can type (a session id that is not a number or not there, a database that is missing
or not ours) into one UsageError line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor import store as st
from monitor.cli import UsageError
from monitor.derive import SessionModel


@dataclass(frozen=True, slots=True)
class SavedSession:
    path: Path  # the database it was read from
    info: st.SessionInfo
    events: list[st.StoredEvent]
    annotations: list[st.Annotation]  # all of them, UNDOs included, in the order taken
    baselines: list[tuple[str, int, int]]  # (source, gate, seq)
    model: SessionModel  # the reps and verdicts derived from the rows above


def session_id(text: str) -> int:
    """The SESSION argument: a positive whole number, as `gates sessions` lists them."""
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise UsageError(f"session {text!r} is not a session id (a whole number from `gates sessions`)")
    return int(text)


def database_path(db: str | None) -> Path:
    """The database `--db` names (or the default one), which must exist: reading never creates one
    (whether it is a gates database is the store's to say)."""
    path = Path(db) if db else st.default_path()
    if not path.exists() and db:
        raise UsageError(f"--db {path}: no such session database")
    if not path.exists():
        raise UsageError(f"no sessions yet: {path} does not exist (--db names another database)")
    return path


def load(db: str | None, session: str) -> SavedSession:
    sid = session_id(session)
    path = database_path(db)
    try:
        store = st.SessionStore(path, readonly=True)
    except st.StoreError as err:
        raise UsageError(f"--db {path}: {err}" if str(path) not in str(err) else f"--db {err}") from None
    with store:
        try:
            info = store.session(sid)
        except st.StoreError as err:
            raise UsageError(str(err)) from None
        events = list(store.events(sid))
        annotations = store.annotations(sid)
        baselines = store.all_baselines(sid)
    return SavedSession(path, info, events, annotations, baselines, SessionModel.derive(events, annotations))
