"""The `gates` command as a user runs it: `python -m monitor ARGS` in a process of its own, so the tests
exercise the real entry point, argument parsing, exit codes and stderr.

Each command is a fork of one server process per test process that has imported the project already
(support/cli_server.py): a fresh interpreter spent 0.3-0.5 s of CPU on imports before reading its argv,
a third of the suite's CPU over its few hundred commands. A command under another (`prefix`, e.g.
setpriv) is a fresh interpreter, as are the tests that run `gates` on a terminal or signal it.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path

from support.cli_server import read_frame, write_frame

GATES = (sys.executable, "-m", "monitor")
SERVER = Path(__file__).with_name("cli_server.py")
ROOT = Path(__file__).resolve().parents[2]


class _Server:
    """The forking server, started on first use and stopped when the test process exits."""

    def __init__(self) -> None:
        requests_read, self.requests = os.pipe()
        self.replies, replies_write = os.pipe()
        self.process = subprocess.Popen([sys.executable, str(SERVER), str(requests_read), str(replies_write)],
                                        pass_fds=(requests_read, replies_write), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, env=self.environment())
        os.close(requests_read)
        os.close(replies_write)
        atexit.register(self.stop)

    @staticmethod
    def environment() -> dict[str, str]:
        """This environment, the project imported from this checkout (as `python -m monitor` in it would)."""
        paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}

    def run(self, args: tuple[str | bytes, ...], env: dict[str, str], cwd, timeout: float) -> dict:
        write_frame(self.requests, {"args": args, "env": env, "cwd": None if cwd is None else os.fspath(cwd),
                                    "timeout": timeout})
        reply = read_frame(self.replies)
        if reply is None:
            raise RuntimeError(f"the gates server stopped (exit {self.process.wait()})")
        return reply

    def stop(self) -> None:
        os.close(self.requests)
        self.process.wait(timeout=30)


_server: _Server | None = None


def gates(*args: str | bytes, env: dict | None = None, prefix: tuple[str, ...] = (), text: bool = True,
          check: bool = False, timeout: float = 300, cwd=None) -> subprocess.CompletedProcess:
    """Run `gates ARGS…` with nothing on stdin and return what it did. `env` is added to this
    environment; `check` asserts exit 0 (naming stderr when it is not); `prefix` runs the command under
    another (e.g. setpriv); `text` decodes stdout and stderr as UTF-8."""
    global _server
    environment = {**os.environ, **(env or {})}
    if prefix:
        done = subprocess.run([*prefix, *GATES, *args], capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=environment, cwd=cwd)
    else:
        if _server is None:
            _server = _Server()
        reply = _server.run(args, environment, cwd, timeout)
        if reply["timed_out"]:
            raise subprocess.TimeoutExpired([*GATES, *args], timeout, reply["stdout"], reply["stderr"])
        done = subprocess.CompletedProcess([*GATES, *args], reply["returncode"], reply["stdout"], reply["stderr"])
    if text:  # as subprocess decodes text: UTF-8, universal newlines
        done.stdout, done.stderr = (out.decode().replace("\r\n", "\n").replace("\r", "\n")
                                    for out in (done.stdout, done.stderr))
    if check:
        assert done.returncode == 0, done.stderr
    return done
