"""The `gates` command as a user runs it: a subprocess of this interpreter (`python -m monitor`), so the
tests exercise the real entry point, argument parsing, exit codes and stderr."""

from __future__ import annotations

import os
import subprocess
import sys

GATES = (sys.executable, "-m", "monitor")


def gates(*args: str | bytes, env: dict | None = None, prefix: tuple[str, ...] = (), text: bool = True,
          check: bool = False, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run `gates ARGS…` and return what it did; `env` is added to this environment; `check` asserts
    exit 0 (naming stderr when it is not); `prefix` runs the command under another (e.g. setpriv)."""
    done = subprocess.run([*prefix, *GATES, *args], capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          env=None if env is None else {**os.environ, **env},
                          **({"text": True, "encoding": "utf-8"} if text else {}), **kwargs)
    if check:
        assert done.returncode == 0, done.stderr
    return done
