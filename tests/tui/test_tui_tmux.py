"""`gates demo` and `gates monitor` in a real terminal: started in tmux as a person would, read back
with capture-pane.

The demo runs with its defaults (at 3 times their speed) and its default database
(XDG_DATA_HOME points at a temporary directory, so the user's own sessions are never touched). The test reads the screen until it shows a
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
# 3 times the default speed: after the first round of six (about 12 s a run) Ada has over a minute of her
# 180 s rest to go, over 3 s of the test's time for `s` to reach the demo (it looks twice a second)
FAST = " --speed 18"

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the terminal test needs it")


def gates_command(arguments: str) -> str:
    """`gates ARGUMENTS` as installed, else the same entry point through this interpreter."""
    script = shutil.which("gates")
    return f"{script} {arguments}" if script else f"{sys.executable} -m monitor {arguments}"


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
        tmux("new-session", "-d", "-s", "demo", "-x", "120", "-y", "40", f"{env_prefix} {gates_command('demo' + FAST)}")
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


def test_after_s_in_gates_demo_the_next_rep_is_run_and_credited_by_the_athlete_after_the_skipped_one(tmp_path):
    """At 80×24, the default plan and athletes: after the first round Ada is up but resting; `s` makes her sit out, so the
    simulated Ben runs next and the dashboard credits rep 7 to him (the simulator asks who is up), at
    his own % of best."""
    tmux = Tmux(tmp_path / "tmux.sock")
    env_prefix = f"cd {ROOT} && XDG_DATA_HOME={tmp_path} TERM=xterm-256color"
    try:
        tmux("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", f"{env_prefix} {gates_command('demo' + FAST)}")
        tmux("set-option", "-t", "demo", "remain-on-exit", "on")
        tmux.wait_for("the first round", lambda s: "Finn · rep 6" in s and "next up: Ada" in s)
        tmux("send-keys", "-t", "demo", "s")
        tmux.wait_for("Ben up after the skip", lambda s: "next up: Ben" in s and "sits this turn out" in s)
        screen = tmux.wait_for("rep 7", lambda s: re.search(r"\w+ · rep 7\b", s) is not None)
        assert "Ben · rep 7" in screen and "Ada · rep 7" not in screen
        # Ben's own run: not the rested Ada's, 3 % faster, credited to him as his new best; his row
        # follows the card by a frame (the card is drawn the moment the rep finishes)
        row = re.compile(r"│\W*Ben\s+\S+\s+\S+\s+(\d+)\s+(\d\.\d\d)\s")
        screen = tmux.wait_for("Ben's second rep in his row", lambda s: (m := row.search(s)) is not None and m[1] == "2")
        assert float(row.search(screen)[2]) >= 3.70
        assert re.search(r"\b\d+\.\d % of best", screen)
        assert re.search(r"\b\d\.\d\d\b", screen)  # the rep's time is on screen
        tmux("send-keys", "-t", "demo", "q")
        tmux.wait_for("the demo to quit", lambda s: "gates demo: session" in s, history=True)
    finally:
        subprocess.run([TMUX, "-S", tmux.socket, "kill-server"], capture_output=True)


def test_gates_monitor_in_tmux_says_where_the_open_session_is_kept_when_the_coach_quits(tmp_path):
    capture = tmp_path / "s.cap"
    subprocess.run([sys.executable, "-m", "monitor", "simulate", "--out", str(capture), "--athletes", "2",
                    "--reps", "2"], check=True, capture_output=True)
    db = tmp_path / "gates.sqlite3"
    tmux = Tmux(tmp_path / "tmux.sock")
    command = gates_command(f"monitor --source replay:{capture}?speed=20 --athletes Ada,Ben --course 0,10,20,30 "
                            f"--db {db}")
    try:
        tmux("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", f"cd {ROOT} && TERM=xterm-256color {command}")
        tmux("set-option", "-t", "demo", "remain-on-exit", "on")
        tmux.wait_for("a rep", lambda s: re.search(r"Ada · rep 1\b", s) is not None)
        tmux("send-keys", "-t", "demo", "q")
        screen = tmux.wait_for("the monitor to quit", lambda s: "gates monitor: session" in s, history=True)
    finally:
        subprocess.run([TMUX, "-S", tmux.socket, "kill-server"], capture_output=True)
    said = " ".join(screen.replace("\n", "").split())
    assert f"gates monitor: session 1 stored in {db}, still open: gates monitor with the same" in said
