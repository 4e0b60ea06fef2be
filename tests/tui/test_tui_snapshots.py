"""Snapshots of the dashboard in its three verdict states (pytest-textual-snapshot).

The reps come from a simulated session with a fixed seed, analysed offline, posted to the real app;
the clock is frozen on the session's own time, so nothing in the picture depends on when the test
runs. After a deliberate change to the look, regenerate with `python3 -m pytest
tests/test_tui_snapshots.py --snapshot-update` and inspect the SVGs in tests/__snapshots__/.
"""

from __future__ import annotations

import pytest

from monitor.session.analyzer import Verdict
from monitor.tui.app import DashboardApp
from monitor.tui.sample import FrozenClock, post, sample

SIZE = (120, 40)


@pytest.fixture(scope="module")
def data():
    return sample()


@pytest.mark.parametrize("verdict", [Verdict.GO, Verdict.CAUTION, Verdict.END], ids=lambda v: v.value)
def test_dashboard(snap_compare, data, verdict):
    clock = FrozenClock()
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=clock, where="snapshot")

    async def show(pilot):
        post(app.post_message, clock, data, data.upto(verdict))
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=show)


def test_help_screen(snap_compare, data):
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=FrozenClock(), where="snapshot")
    assert snap_compare(app, terminal_size=SIZE, press=["question_mark"])
