"""The athlete table draws its own lines (monitor/tui/widgets/athletes.py): each row once per change,
a header that stays when the rows scroll, columns that never narrow, and a sideways scroll on a
narrow terminal."""

from __future__ import annotations

from collections import Counter

import pytest

from support.dashboard import strap_reading

from gates.hr_recovery import Readiness
from monitor.tui.app import DashboardApp
from monitor.tui.messages import message_for
from monitor.tui.sample import FrozenClock, post, sample
from monitor.tui.widgets.athletes import AthleteTable

SIZE = (120, 40)


@pytest.fixture(scope="module")
def data():
    return sample()


def counting_draws(monkeypatch) -> Counter:
    """How many times each row ("" the header) is drawn from its cells from now on."""
    drawn: Counter = Counter()
    draw, row = AthleteTable._draw, AthleteTable._row

    def counted_row(table, name, cells, style):
        counted_row.name = name
        return row(table, name, cells, style)

    def counted_draw(table, cells, widths, style):
        drawn[counted_row.name] += 1
        return draw(table, cells, widths, style)

    monkeypatch.setattr(AthleteTable, "_row", counted_row)
    monkeypatch.setattr(AthleteTable, "_draw", counted_draw)
    return drawn


def line(table: AthleteTable, y: int) -> str:
    return table.render_line(y).text


def dashboard(data, **options) -> DashboardApp:
    return DashboardApp(None, course=data.course, roster=data.roster, clock=FrozenClock(), **options)


async def test_the_first_frame_draws_the_header_and_each_row_once(data, monkeypatch):
    drawn = counting_draws(monkeypatch)
    app = dashboard(data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.table.row_count == len(data.roster)
    assert drawn == Counter({name: 1 for name in ["", *data.roster]})


async def test_a_rest_tick_draws_again_only_the_row_whose_rest_changed(data, monkeypatch):
    app = dashboard(data)
    async with app.run_test(size=SIZE) as pilot:
        post(app.post_message, app.clock, data, len(data.roster))
        await pilot.pause()
        await pilot.pause()
        drawn = counting_draws(monkeypatch)
        first = data.roster[0]
        app.table.show_rest(first, 1.0)
        await pilot.pause()
        assert drawn == Counter({first: 1})
        assert "READY" not in line(app.table, 1) and "Rest" in line(app.table, 0)


async def test_a_column_keeps_its_width_when_its_widest_cell_narrows(data):
    app = dashboard(data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.table
        start = line(table, 0).index("Reps")
        table.set_rest_target(6000.0)  # "Rest 100:00": two cells wider than "Rest 3:00"
        await pilot.pause()
        wide = line(table, 0).index("Reps")
        table.set_rest_target(180.0)  # the label narrows again; its column does not
        await pilot.pause()
        assert "Rest 3:00" in line(table, 0)
        assert wide == start + 2 and line(table, 0).index("Reps") == wide


async def test_on_a_narrow_terminal_the_rows_scroll_sideways_under_their_labels(data):
    app = dashboard(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.table
        assert table.max_scroll_x > 0
        assert "Verdict" in line(table, 0) and "Rest" in line(table, 0)
        table.focus()
        await pilot.press("right")
        await pilot.pause()
        assert table.scroll_x > 0
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        header, row = line(table, 0), line(table, 1)
        assert "@30m" in header and "Verdict" not in header and data.roster[0] not in row
        await pilot.press("home")  # back to where the coach acts: the verdict and the rest
        await pilot.pause()
        assert table.scroll_x == 0 and "Verdict" in line(table, 0)


async def test_a_large_group_scrolls_under_a_header_that_stays(data):
    names = [f"Athlete{i:02d}" for i in range(30)]
    app = DashboardApp(None, course=data.course, roster=names, clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.table
        assert table.row_count == 30 and table.max_scroll_y > 0
        table.scroll_to(y=table.max_scroll_y, animate=False)
        await pilot.pause()
        assert "Athlete" in line(table, 0) and "Verdict" in line(table, 0)
        last = table.scrollable_content_region.height - 1  # the line above the sideways scrollbar
        assert names[-1] in line(table, last) and names[0] not in line(table, 1)


async def test_rows_that_fit_never_show_a_scrollbar_when_the_table_grows_sideways(data):
    """Textual adds the sideways scrollbar's row to an auto height only from the layout after the one
    that shows it; the table counts it at once, so a coach never sees the rows squeezed for a frame."""
    app = dashboard(data)
    seen: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.table
        assert table.max_scroll_x == 0  # before the first rep, the columns fit
        app.watch(table, "show_vertical_scrollbar", lambda shown: seen.append(shown), init=False)
        post(app.post_message, FrozenClock(), data, 6)  # the times and splits widen it past the screen
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        assert table.max_scroll_x > 0 and table.max_scroll_y == 0
    assert True not in seen


async def test_the_first_strap_brings_a_heart_column_after_the_rest_amber_while_hr_is_high(data):
    app = dashboard(data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.table
        assert "♥" not in line(table, 0)  # no strap, no column
        first, *others = data.roster
        app.post_message(message_for(strap_reading(first, 150, Readiness.HR_HIGH, threshold_bpm=140)))
        await pilot.pause()
        header = line(table, 0)
        assert header.index("Rest") < header.index("♥ bpm") < header.index("Reps")
        assert [str(table.get_cell(name, "heart")) for name in data.roster] == ["150"] + ["—"] * len(others)
        drawn = next(segment for segment in table.render_line(1) if "150" in segment.text)
        assert drawn.style.bgcolor.triplet.hex == "#f0b000"  # HR HIGH: the rest is over, the heart is not
        app.post_message(message_for(strap_reading(first, 120, Readiness.READY, threshold_bpm=140)))
        await pilot.pause()
        drawn = next(segment for segment in table.render_line(1) if "120" in segment.text)
        assert drawn.style.bgcolor is None or drawn.style.bgcolor.triplet.hex != "#f0b000"
