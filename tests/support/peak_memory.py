"""A command's own peak memory, for tests that bound it.

Linux keeps a process's memory high-water mark across exec, and a child starts as a copy of the
process it was forked from: a command started from a pytest worker reports at least the worker's
size (100 MB or more), whatever it used itself. So the command is started from a bare interpreter
(no site, no imports), which waits for it and writes down the command's figure alone."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

_LAUNCHER = """import os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(args: list, **kwargs) -> tuple[subprocess.CompletedProcess, int]:
    """`subprocess.run(args, **kwargs)`, and the command's peak resident memory in KB (the launcher's
    few MB included: it is the process the command is forked from)."""
    with tempfile.TemporaryDirectory() as d:
        figure = os.path.join(d, "maxrss")
        done = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, figure, *args], **kwargs)
        with open(figure) as f:
            return done, int(f.read())
