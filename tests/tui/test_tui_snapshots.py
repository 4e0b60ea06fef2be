"""Snapshots of the dashboard (pytest-textual-snapshot): its three verdict states, and the END state
at the three sizes a coach uses (a laptop's 80x24 terminal, 120x40, a big screen's 160x50) in both
themes.

The reps come from a simulated session with a fixed seed, analysed offline, posted to the real app;
the clock is frozen on the session's own time, so nothing in the picture depends on when the test
runs. After a deliberate change to the look, regenerate with `python3 -m pytest
tests/tui/test_tui_snapshots.py --snapshot-update` and inspect the SVGs in tests/tui/__snapshots__/.
"""

from __future__ import annotations

import pytest

from monitor.session.analyzer import Verdict
from monitor.tui.app import DashboardApp
from monitor.tui.sample import FrozenClock, post, sample

SIZE = (120, 40)
SIZES = [(80, 24), (120, 40), (160, 50)]


@pytest.fixture(scope="module")
def data():
    return sample()


def dashboard(data, verdict, snap_compare, size, theme="dark"):
    clock = FrozenClock()
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=clock, where="snapshot", theme=theme)

    async def show(pilot):
        post(app.post_message, clock, data, data.upto(verdict))
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=show)


@pytest.mark.parametrize("verdict", [Verdict.GO, Verdict.CAUTION, Verdict.END], ids=lambda v: v.value)
def test_dashboard(snap_compare, data, verdict):
    assert dashboard(data, verdict, snap_compare, SIZE)


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_at_each_size_in_each_theme(snap_compare, data, size, theme):
    assert dashboard(data, Verdict.END, snap_compare, size, theme)


def test_help_screen(snap_compare, data):
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=FrozenClock(), where="snapshot")
    assert snap_compare(app, terminal_size=SIZE, press=["question_mark"])
