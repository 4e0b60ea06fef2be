"""A stored session for the review and `gates sessions` tests, made the way a coach makes one: a
simulated group session (`gates simulate`, with missed gates) run through `gates monitor --headless`
from a replay into a real SQLite file, and a rep voided afterwards with the same annotation the
dashboard's `v` stores."""

from __future__ import annotations

from pathlib import Path

from monitor.store import db as st

from monitor.session import facts
from monitor.session.model import SessionModel
from support.cli import gates as run

ATHLETES = "Ada,Ben,Cleo,Dev"
VOIDED_REP = 5


def gates(*args: str, check: bool = True):
    """`gates ARGS…`, asserting exit 0 unless told otherwise (the review tests build stores with it)."""
    return run(*args, check=check)


def stored_session(where: Path, *, seed: int = 7, void: int | None = VOIDED_REP) -> Path:
    capture, db = where / "session.cap", where / "gates.sqlite3"
    gates("simulate", "--out", str(capture), "--athletes", "4", "--plan", "rsa", "--seed", str(seed),
          "--faults", "miss=0.03")
    gates("monitor", "--headless", "--source", f"replay:{capture}?speed=max", "--athletes", ATHLETES,
          "--db", str(db))
    if void is not None:
        with st.SessionStore(db) as store:
            store.annotate(store.sessions()[-1].id, facts.VOID, rep=void)
    return db


def derived(db: Path, session: int = 1) -> SessionModel:
    """The session derived straight from the store: what every figure shown must agree with."""
    with st.SessionStore(db, readonly=True) as store:
        return SessionModel.derive(store.events(session), store.annotations(session))
