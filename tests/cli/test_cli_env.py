"""What the `gates` command sets in its own environment before anything loads numpy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

READ = "import os, monitor.cli.main; print(os.environ['OPENBLAS_NUM_THREADS'])"


@pytest.mark.parametrize(("given", "used"), [(None, "1"), ("4", "4")], ids=["unset: one thread", "the user's setting"])
def test_numpys_blas_runs_on_one_thread_unless_the_user_says_otherwise(given, used):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run([sys.executable, "-c", READ], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == used
