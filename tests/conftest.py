"""Hypothesis profiles: how hard the property tests try.

- `default`: quick, for every run on a laptop (hypothesis' own 100 examples a test).
- `ci`: half as many again; loaded when the CI environment variable is set (.ci/run sets CI=true).
  Each property test stays within a few seconds, so the whole suite stays within 5 minutes on two cores.
- `thorough`: twenty times as many, for a nightly run: `python3 -m pytest --hypothesis-profile=thorough`.

Tests that set their own example count scale it by the profile through `profiles.examples`.
No profile has a deadline: a slow example on a busy machine is not a failure.
"""

from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, settings

# Every xdist worker and every `gates` subprocess imports the project: with PYTHONDONTWRITEBYTECODE set
# (some shells and sandboxes set it) each of them compiled it from source again, about 6 s of CPU a
# worker and 0.15 s a subprocess. The bytecode goes to __pycache__, which git ignores.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# numpy's BLAS on one thread in every xdist worker too, as `gates` itself sets it (monitor/cli/main.py):
# its spinning start-up threads cost 0.12-0.19 s of CPU a process. A user's setting stands.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

settings.register_profile("default", deadline=None)
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")


SLOW_FOLDERS = ("integration", "tui", "cli")  # real ptys, BLE stacks, terminals, browsers, subprocesses


def pytest_collection_modifyitems(config, items):
    """Everything in the integration, terminal and command folders is `slow`; elsewhere a test says so itself.
    The quick loop is `python3 -m pytest -m "not slow"`."""
    import pytest

    for item in items:
        if any(f"/tests/{folder}/" in str(item.path) for folder in SLOW_FOLDERS):
            item.add_marker(pytest.mark.slow)
    longest_first(items)


def longest_first(items) -> None:
    """Modules with slow tests run first (their order kept): pytest-xdist hands tests out in collection
    order, so the long ones start early on both workers and the quick ones fill in at the end, instead of
    one worker finishing a long test alone while the other idles."""
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)
