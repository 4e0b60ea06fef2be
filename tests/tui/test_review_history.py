"""The review's history view driven by Textual's Pilot over a three-week history built through the real
CLI (support/athlete_history.py), opened the way `gates review` opens it: `h` on an athlete shows their
weeks (the figures `gates week --json` prints), their PBs and each session's verdict and log; Esc goes
back to the session."""

from __future__ import annotations

import pytest
from rich.text import Text
from support.athlete_history import ATHLETE, DAYS, LAST_WEEK, OTHERS, build
from support.dashboard import until
from support.history import week_lines

from monitor.cli.review import history_loader, load
from monitor.review.app import ReviewApp
from monitor.review.history import WEEKS, HistoryScreen

pytestmark = pytest.mark.slow
SIZE = (140, 44)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return build(tmp_path_factory.mktemp("review-history"))


def app_for(history) -> ReviewApp:
    session = load(str(history.db), str(history.last))
    return ReviewApp(session, history=history_loader(history.db, session.info.created_ns))


def column(table, key: str) -> list[str]:
    return [cell.plain if isinstance(cell, Text) else str(cell) for cell in table.get_column(key)]


async def test_h_shows_the_athletes_weeks_pbs_and_log_and_escape_goes_back(history):
    app = app_for(history)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.athlete.name == ATHLETE
        await pilot.press("h")
        await until(pilot, lambda: app.screen.query("#history-weeks"), "the history's weeks")  # mounted a frame after
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        weeks = screen.query_one("#history-weeks")
        expected = week_lines(history.db, "--athlete", ATHLETE, "--weeks", str(WEEKS), "--week", LAST_WEEK)
        assert column(weeks, "week") == [w["week"] for w in expected]
        assert column(weeks, "sessions") == [str(w["sessions"]) for w in expected]
        assert column(weeks, "hi_m") == [f"{w['hi_m']:.0f}" for w in expected]
        assert column(weeks, "srpe") == ["—" if w["srpe_au"] is None else f"{w['srpe_au']:.0f}" for w in expected]
        assert column(weeks, "next") == [w["suggestion"] or "—" for w in expected]
        pbs = screen.query_one("#history-pbs")
        assert column(pbs, "pb") == [f"{min(times):.2f}" for _, times in DAYS]
        log = screen.query_one("#history-log")
        assert column(log, "date") == [day for day, _ in reversed(DAYS)]
        assert column(log, "legs") == ["fresh", "—", "heavy", "normal", "—"]
        assert column(log, "load") == ["210", "—", "360", "280", "240"]
        assert "tight hamstring" in column(log, "note")[2] and "END" in column(log, "verdict")
        shown = " ".join(" ".join(column(t, str(c.key.value))) for t in (weeks, pbs, log) for c in t.columns.values())
        assert not any(name in shown for name in OTHERS)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HistoryScreen) and app.focused is app.athletes


async def test_each_athlete_has_their_own_history(history):
    app = app_for(history)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        name = app.athlete.name
        assert name in OTHERS
        await pilot.press("h")
        await until(pilot, lambda: app.screen.query("#history-log"), "the history's log")
        log = app.screen.query_one("#history-log")
        assert len(column(log, "date")) == len(DAYS)
        assert column(log, "note")[-1].startswith("Ben's own note") == (name == "Ben")
