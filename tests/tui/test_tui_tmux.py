"""`gates demo` in a real terminal: started in tmux as a person would, read back with capture-pane.

The demo runs with its defaults and its default database (XDG_DATA_HOME points at a temporary
directory, so the user's own sessions are never touched). The test reads the screen until it shows a
rep and a verdict, quits with `q`, and checks the session was stored and ended.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.tmux import TMUX, Tmux

from monitor.tui import bigtext

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the terminal test needs it")


def gates_command() -> str:
    """`gates` as installed, else the same entry point through this interpreter."""
    script = shutil.which("gates")
    return f"{script} demo" if script else f"{sys.executable} -m monitor demo"


def has_verdict(screen: str) -> bool:
    """A verdict in the banner's block letters and in the athlete table."""
    words = ("GO", "CAUTION", "END SESSION")
    block_letters = any(all(row in screen for row in bigtext.render(word)) for word in words)
    in_table = re.search(r"│ .*\b(GO|CAUTION|END)\b.*│", screen) is not None
    return block_letters and in_table


def test_gates_demo_in_tmux_shows_a_rep_and_a_verdict(tmp_path):
    tmux = Tmux(tmp_path / "tmux.sock")
    env_prefix = f"cd {ROOT} && XDG_DATA_HOME={tmp_path} TERM=xterm-256color"
    try:
        tmux("new-session", "-d", "-s", "demo", "-x", "120", "-y", "40", f"{env_prefix} {gates_command()}")
        tmux("set-option", "-t", "demo", "remain-on-exit", "on")
        tmux.wait_for("the dashboard", lambda s: "Void" in s and "Athletes" in s)
        screen = tmux.wait_for("a rep", lambda s: re.search(r"Rep \d+ · \w+", s) is not None)
        assert re.search(r"\d\.\d\d", screen)  # a time in the table
        tmux.wait_for("a verdict", has_verdict)
        tmux("send-keys", "-t", "demo", "q")
        screen = tmux.wait_for("the demo to quit", lambda s: "gates demo: session" in s, history=True)
        assert re.search(r"gates demo: session \d+ stored in .*demo\.sqlite3", screen.replace("\n", ""))
    finally:
        subprocess.run([TMUX, "-S", tmux.socket, "kill-server"], capture_output=True)
    databases = list(tmp_path.rglob("demo.sqlite3"))  # the demo's own, never the coach's
    assert not list(tmp_path.rglob("gates.sqlite3"))
    assert len(databases) == 1
    with sqlite3.connect(databases[0]) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] > 0
        assert db.execute("SELECT count(*) FROM annotations WHERE kind = 'end'").fetchone()[0] == 1
