"""`gates review` as a person types it: every bad session id or database is one line on stderr and
exit 2 before any screen opens; without a terminal it refuses; in a real pseudo-terminal it draws the
session and `q` leaves it, with the database unchanged."""

from __future__ import annotations

import fcntl
import os
import select
import sqlite3
import struct
import subprocess
import sys
import termios
import time

import pytest
from support.cli import GATES, gates as run
from support.review_store import gates, stored_session

from monitor.store import db as st
from monitor.cli.main import main

WAIT_S = 120.0


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return stored_session(tmp_path_factory.mktemp("review-cli"))


def one_line_error(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("gates review: "), lines
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("session, words", [
    ("abc", ["session 'abc' is not a session id"]),
    ("1.5", ["session '1.5' is not a session id"]),
    ("-1", ["session '-1' is not a session id"]),
    ("٣", ["is not a session id"]),  # a digit, but not one a session id is written in
    ("7", ["no session 7 in", "it holds session 1", "gates sessions"]),
    ("0", ["session '0' is not a session id"]),
])
def test_a_bad_session_id_is_one_line(db, session, words):
    one_line_error(gates("review", session, "--db", str(db), check=False), *words)


def test_databases_that_cannot_be_reviewed_are_one_line(tmp_path):
    missing = tmp_path / "missing.sqlite3"
    one_line_error(gates("review", "--db", str(missing), check=False), str(missing), "no such session database")
    assert not missing.exists()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all " * 200)
    one_line_error(gates("review", "--db", str(junk), check=False), str(junk))
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as other:
        other.execute("CREATE TABLE recipes (name TEXT)")
    one_line_error(gates("review", "1", "--db", str(foreign), check=False), "not a gates session database")
    empty = tmp_path / "empty.sqlite3"
    st.SessionStore(empty).close()
    one_line_error(gates("review", "--db", str(empty), check=False), f"no sessions in {empty}")


def test_the_default_database_missing_says_so(tmp_path):
    done = run("review", env={"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)})
    one_line_error(done, "no sessions yet", "does not exist")
    assert not (tmp_path / "data").exists()  # looking created nothing


def test_without_a_terminal_it_refuses(db, capsys):
    assert main(["review", "--db", str(db)]) == 2  # pytest's stdin is not a terminal
    err = capsys.readouterr().err
    assert err.startswith("gates review: the review needs a terminal") and len(err.strip().splitlines()) == 1


def _read_until(fd: int, done, proc: subprocess.Popen) -> bytes:
    """What the app drew until `done(seen)`, reading all the while: a terminal nobody reads fills up
    and blocks the app's next write."""
    seen = b""
    end = time.monotonic() + WAIT_S
    while not done(seen):
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {seen[-2000:]!r}")
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the child closed its side: it has exited
                break
    return seen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux ptys")
def test_in_a_real_terminal_it_shows_the_session_and_q_quits(db):
    before = db.read_bytes()
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    proc = subprocess.Popen([*GATES, "review", "--db", str(db)], stdin=terminal, stdout=terminal,
                            stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    try:
        shown = _read_until(controller, lambda seen: all(w in seen for w in (b"Athlete", b"Ada", b"MSS")), proc)
        assert b"session 1" in shown
        os.write(controller, b"q")
        _read_until(controller, lambda seen: proc.poll() is not None, proc)
        assert proc.wait(timeout=WAIT_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(controller)
    assert db.read_bytes() == before  # read-only: not a byte changed
