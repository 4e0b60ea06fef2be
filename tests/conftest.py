"""Hypothesis profiles: how hard the property tests try.

- `default`: quick, for every run on a laptop (hypothesis' own 100 examples a test).
- `ci`: three times as many; loaded when the CI environment variable is set (.ci/run sets CI=true).
  The whole suite stays within 10 minutes on two cores.
- `thorough`: twenty times as many, for a nightly run: `python3 -m pytest --hypothesis-profile=thorough`.

Tests that set their own example count scale it by the profile through `profiles.examples`.
No profile has a deadline: a slow example on a busy machine is not a failure.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
