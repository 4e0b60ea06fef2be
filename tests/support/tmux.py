"""A private tmux server for tests that run a terminal program as a person would."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
LIMIT_S = 180.0



class Tmux:
    """One private tmux server (its own socket, in the test's directory), so a user's tmux sessions
    are never touched and nothing is left behind."""

    def __init__(self, socket: Path) -> None:
        self.socket = str(socket)

    def __call__(self, *args: str) -> str:
        # the server inherits this environment: drop sizes a test runner may have set (Textual reads them)
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        return subprocess.run([TMUX, "-S", self.socket, *args], check=True, capture_output=True, text=True,
                              env=env).stdout

    def screen(self, history: bool = False) -> str:
        """The visible screen; with `history`, the lines scrolled off it too (once the demo has quit
        tmux shows "Pane is dead" and what the demo printed last is above it)."""
        return self("capture-pane", "-p", "-t", "demo", *(("-S", "-") if history else ()))

    def wait_for(self, what: str, condition, history: bool = False) -> str:
        started = time.monotonic()
        while True:
            screen = self.screen(history)
            if condition(screen):
                return screen
            if time.monotonic() - started > LIMIT_S:
                size = self("display", "-p", "-t", "demo", "#{pane_width}x#{pane_height}").strip()
                pytest.fail(f"gave up waiting for {what}; the screen ({size}) shows:\n{screen}")
            time.sleep(0.5)
