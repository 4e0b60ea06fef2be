"""A finished rep is drawn at once (monitor/tui/frames.py): the frame with its % of best and banner is
handed to the terminal before the rep's handler returns, not at Textual's next update tick. These
fail if Textual changes the privates `draw_now` relies on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from monitor.session.analyzer import Verdict
from monitor.tui.app import DashboardApp
from monitor.tui.sample import FrozenClock, post, sample
from monitor.tui.screens.help import HelpScreen
from monitor.tui.widgets.last_rep import BigTime, of_best_line

SIZE = (120, 40)


@pytest.fixture(scope="module")
def data():
    return sample()


def frame_text(update) -> str:
    """The words of a frame handed to the terminal: a partial update's changed strips, or a whole one."""
    lines = [chop.values() for chop in update.chops] if hasattr(update, "chops") else update.strips
    return "\n".join(strip.text for line in lines for strip in line if strip is not None)


async def started(data, pilot, app: DashboardApp, frames: list[str]):
    """The dashboard showing the sample's reps up to its first END but one; every frame it hands to
    the terminal from then on is kept in `frames`, as words."""
    count = data.upto(Verdict.END) - 1
    post(app.post_message, app.clock, data, count)
    await pilot.pause()
    await pilot.pause()
    keep_frames(app, frames)
    return data.results[count]


def keep_frames(app: DashboardApp, frames: list[str]) -> None:
    """Every frame `app` hands to the terminal from now on, kept in `frames` as words."""
    display = app._display

    def keep(screen, update):
        display(screen, update)
        if update is not None:
            frames.append(frame_text(update))

    app._display = keep


async def test_the_rep_and_its_verdict_are_drawn_before_its_handler_returns_unless_a_screen_is_on_top(data):
    frames: list[str] = []
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        result = await started(data, pilot, app, frames)
        assert result.verdict is Verdict.END
        app._rep_finished(result, app.clock())  # as on_rep_finished: no await, no tick in between
        assert len(frames) == 1, "no frame was drawn at once"
        assert of_best_line(result) in frames[0] and result.rep.athlete in frames[0]
        assert "█" in frames[0]  # the banner's new word (END, in block letters) in the same frame
        await pilot.pause()
        await pilot.pause()
        assert str(app.last_rep.border_title).startswith(f"Rep {result.rep.number} ·")  # the rest follows

        after = data.results[data.upto(Verdict.END)]  # the rep after it
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        frames.clear()
        app._rep_finished(after, app.clock())
        assert frames == []  # nothing drawn over the help screen
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert app.last_rep.rep_number == after.rep.number
        assert any(of_best_line(after) in frame for frame in frames)


async def test_the_first_rep_and_a_time_wider_than_the_last_are_drawn_before_the_handler_returns(data):
    """Neither needs the screen laid out again: the time's width is the stylesheet's."""
    frames: list[str] = []
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        keep_frames(app, frames)
        first = data.results[0]
        app._rep_finished(first, app.clock())
        assert len(frames) == 1 and of_best_line(first) in frames[0]
        await pilot.pause()
        await pilot.pause()
        frames.clear()
        second = data.results[1]
        long = replace(second, rep=replace(second.rep, splits_us=(*second.rep.splits_us[:-1], 12_340_000)))
        app._rep_finished(long, app.clock())
        assert len(frames) == 1 and app.last_rep.query_one(BigTime).text == "12.34"
