"""What a coach must read from three metres is on screen at every size, and the look is remembered.

The real dashboard under Textual's Pilot, fed the deterministic sample session (monitor/tui/sample.py).
"On screen" is checked on the widgets' regions in the compositor's map: displayed, inside the
screen, not clipped. The theme is kept with platformdirs (tox-dev/platformdirs, src/platformdirs/unix.py:
`user_config_dir` follows XDG_CONFIG_HOME), so each test points XDG_CONFIG_HOME at its own directory.
"""

from __future__ import annotations

import pytest
from support.dashboard import strap_reading
from textual.geometry import Region

from monitor.session.analyzer import Verdict
from monitor.tui import config
from monitor.tui.app import DashboardApp
from monitor.tui.messages import message_for
from monitor.tui.sample import FrozenClock, post, sample
from monitor.tui.widgets.athletes import AthleteTable, minimum_rest_s, rest_cell
from monitor.tui.widgets.gates import GateChip
from monitor.tui.widgets.drawn import TextLine
from monitor.tui.widgets.last_rep import BigName, BigTime


@pytest.fixture(scope="module")
def data():
    return sample()


def fully_visible(app, widget) -> bool:
    screen = app.screen.region
    region = widget.region
    return widget.display and region.area > 0 and screen.contains_region(region) and widget in app.screen._compositor


async def shown(data, size, verdict=Verdict.END, **options):
    clock = FrozenClock()
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=clock, **options)
    return app, clock


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_verdict_name_time_percent_and_next_up_are_on_screen(data, size):
    app, clock = await shown(data, size)
    async with app.run_test(size=size) as pilot:
        count = data.upto(Verdict.END)
        post(app.post_message, clock, data, count)
        await pilot.pause()
        last = data.results[count - 1]
        card = app.last_rep
        assert card.rep_number == last.rep.number
        assert fully_visible(app, app.verdict) and app.verdict.banner.word == "END SESSION"
        time = card.query_one(BigTime)
        assert fully_visible(app, time) and time.text == f"{last.rep.time_us / 1e6:.2f}"
        pct = card.query_one("#rep-pct", TextLine)
        assert fully_visible(app, pct) and f"{last.intensity_pct:.1f} % of best" in pct.text
        up = card.query_one("#rep-next", TextLine)
        assert fully_visible(app, up) and up.text == f"next up: {app.board.next_up}"
        name = card.query_one(BigName) if size[0] >= 120 else card.query_one("#rep-who", TextLine)
        assert fully_visible(app, name)
        assert last.rep.athlete in name.text
        chips = app.gates.query(GateChip)
        assert len(chips) == 1 + data.course.gates and all(fully_visible(app, chip) for chip in chips)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_with_a_strap_on_every_athlete_each_heart_rate_is_on_screen_beside_the_whole_table(data, size):
    """The athlete table's ♥ column shows every bpm at any size; the heart table goes above the plots
    and, under 32 rows, goes with them, so the table the coach acts on is never squeezed."""
    app, clock = await shown(data, size)
    async with app.run_test(size=size) as pilot:
        post(app.post_message, clock, data, 6)
        for bpm, name in enumerate(data.roster, 130):
            app.post_message(message_for(strap_reading(name, bpm)))
        await pilot.pause()
        assert fully_visible(app, app.table) and app.table.max_scroll_y == 0
        assert [str(app.table.get_cell(name, "heart")) for name in data.roster] == ["130", "131", "132", "133"]
        assert list(app.table.labels()).index("heart") == list(app.table.labels()).index("rest") + 1
        assert app.heart.row_count == len(data.roster)
        if size[1] < 32:
            assert not app.heart.display
        else:
            assert fully_visible(app, app.heart) and app.heart.size.height >= 1 + len(data.roster)


async def test_from_120_by_35_the_name_is_in_block_letters(data):
    app, clock = await shown(data, (120, 35))
    async with app.run_test(size=(120, 35)) as pilot:
        post(app.post_message, clock, data, 3)
        await pilot.pause()
        big = app.last_rep.query_one(BigName)
        assert fully_visible(app, big) and big.size.height == 5
        lines = [strip.text for strip in big.render_lines(Region(0, 0, *big.size))]
        assert len(lines) == 5 and all("█" in line for line in lines)  # the 5-row font, not plain text
        await pilot.resize_terminal(110, 34)
        await pilot.pause()
        assert not app.last_rep.query_one(BigName).display


def test_rest_counts_down_the_minimum_rest_then_says_ready(data):
    minimum = minimum_rest_s(data.course)
    assert minimum == 180.0  # a minute per 10 m of a 30 m course
    assert rest_cell(None, minimum).plain == "—"
    assert rest_cell(0.0, minimum).plain == "3:00"
    assert rest_cell(100.2, minimum).plain == "1:20"
    assert rest_cell(179.5, minimum).plain == "0:01"
    assert rest_cell(180.0, minimum).plain.strip() == "READY"


async def test_the_rest_column_shows_its_target_and_ticks(data):
    app, clock = await shown(data, (120, 40))
    async with app.run_test(size=(120, 40)) as pilot:
        post(app.post_message, clock, data, 2)
        await pilot.pause()
        table = app.query_one(AthleteTable)
        assert table.labels()["rest"] == "Rest 3:00"
        first = data.results[0].rep.athlete
        clock.now += 200.0
        app._tick()
        await pilot.pause()
        assert table.get_cell(first, "rest").plain.strip() == "READY"


def test_the_theme_is_remembered_in_the_config_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config.config_path() == tmp_path / "gates" / "config.toml"
    assert config.chosen_theme(None) == "dark"  # nothing remembered yet
    assert config.chosen_theme("light") == "light"
    assert config.chosen_theme(None) == "light"
    config.config_path().write_text("theme = [not toml", encoding="utf-8")
    assert config.chosen_theme(None) == "dark"  # a file that cannot be read never stops a session


def test_a_config_directory_that_cannot_be_written_still_opens_the_theme_asked_for(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocked))
    assert config.chosen_theme("light") == "light"
    assert config.remember_theme("light") is False


async def test_a_theme_picked_in_the_palette_is_remembered(data, tmp_path):
    path = tmp_path / "config.toml"
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=FrozenClock(), theme="dark",
                       remember_theme=lambda name: config.remember_theme(name, path))
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.theme == "gates-dark"
        app.theme = "gates-light"
        await pilot.pause()
    assert config.remembered_theme(path) == "light"


async def test_the_light_theme_is_black_on_white(data):
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=FrozenClock(), theme="light")
    async with app.run_test(size=(80, 24)):
        variables = app.get_css_variables()
        assert (variables["background"], variables["foreground"]) == ("#FFFFFF", "#000000")


async def test_the_gate_strip_stands_in_course_order_whatever_was_heard_first(data):
    from drivers.source import SourceStatus, State

    app, clock = await shown(data, (80, 24))
    async with app.run_test(size=(80, 24)) as pilot:
        for gate in (2, 4, None, 1, 3):  # as the demo's gates happen to be heard
            app.gates.update_status(SourceStatus("serial:/dev/ttyUSB0", State.CONNECTED, gate=gate), clock())
        await pilot.pause()
        where = {id(chip): key for key, chip in app.gates._chips.items()}
        assert [where[id(chip)][1] for chip in app.gates.children] == [None, 1, 2, 3, 4]


@pytest.mark.parametrize("rotation", ["after END", "not in the block"])
async def test_an_athlete_out_of_the_rotation_has_a_dash_for_rest(data, rotation):
    from monitor.live.pipeline import RotationChanged
    from monitor.tui.messages import message_for

    app, clock = await shown(data, (120, 40))
    async with app.run_test(size=(120, 40)) as pilot:
        post(app.post_message, clock, data, 6)
        out, running = data.roster[0], data.roster[1:]
        order, passed_over = (data.roster, [out]) if rotation == "after END" else (running, [])
        app.post_message(message_for(RotationChanged(order, running[0], passed_over)))
        await pilot.pause()
        app._tick()  # the second's tick, at once
        assert app.table.get_cell(out, "rest").plain == "—"
        assert app.table.get_cell(running[0], "rest").plain != "—"


async def test_the_status_line_says_history_is_loading_then_that_it_is_read(data):
    from monitor.live.pipeline import HistoryLoading
    from monitor.tui.messages import message_for

    app, _ = await shown(data, (80, 24))
    async with app.run_test(size=(80, 24)) as pilot:
        said = []
        for done in (1, 2):
            app.post_message(message_for(HistoryLoading(done, 2)))
            await pilot.pause()
            said.append(str(app.status_line.render()))
        assert "loading history: 1/2 earlier sessions" in said[0] and said[1] == "history read: 2 earlier sessions"
