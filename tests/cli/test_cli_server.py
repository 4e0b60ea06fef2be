"""The tests' `gates` (a fork of an interpreter that has imported the project) does what a fresh
`python -m monitor` does: the same exit code, stdout and stderr, in the caller's cwd and environment."""

from __future__ import annotations

import subprocess

import pytest
from support.cli import gates

FRESH = ("env",)  # a command under another is a fresh interpreter


@pytest.mark.parametrize("args", [("analyse", "x.cap"), ("sessions", "--db", "none.sqlite3"), ("--help",),
                                  ("simulate", "--athletes", "2", "--reps", "1", "--seed", "5", "--out", "-")],
                         ids=["unknown command", "missing database", "help", "a capture on stdout"])
def test_a_forked_command_does_what_a_fresh_interpreter_does(args, tmp_path):
    forked = gates(*args, cwd=tmp_path, env={"TZ": "Pacific/Auckland"})
    fresh = gates(*args, cwd=tmp_path, env={"TZ": "Pacific/Auckland"}, prefix=FRESH)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)
    assert forked.stdout or forked.stderr


def test_a_command_past_its_time_is_stopped_and_says_so():
    with pytest.raises(subprocess.TimeoutExpired):
        gates("simulate", "--serial", "--speed", "1", timeout=1)
    assert gates("--help").returncode == 0  # and the next command runs
