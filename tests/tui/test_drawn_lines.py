"""Widgets that draw their own lines (monitor/tui/widgets/drawn.py): what they show after a change,
how few lines a change draws again, and the word wrap the verdict banner's detail goes through."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.app import App, ComposeResult

from monitor.tui.widgets.drawn import wrapped
from monitor.tui.widgets.title import TitleBar
from monitor.tui.widgets.verdict import Banner, VerdictBanner

GO = Banner("GO", "-go", "Ada · rep 3 · 98.1 % of session best 4.21 s", "Ben")


class Titled(App):
    TITLE = "gates"

    def compose(self) -> ComposeResult:
        yield TitleBar()


class OneBanner(App):
    CSS = "VerdictBanner { height: 9; padding: 1 1; }"

    def compose(self) -> ComposeResult:
        yield VerdictBanner(GO)


def screen_text(app: App) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_new_detail_under_the_same_word_draws_only_the_lines_that_changed(monkeypatch):
    app = OneBanner()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        banner = app.query_one(VerdictBanner)
        drawn: list[int] = []
        render_line = VerdictBanner.render_line
        monkeypatch.setattr(VerdictBanner, "render_line", lambda self, y: drawn.append(y) or render_line(self, y))
        banner.show(Banner("GO", "-go", "Ben · rep 4 · 99.0 % of session best 4.40 s", "Cleo"))
        await pilot.pause()
        text = screen_text(app)
        assert "Ben · rep 4" in text and "next up: Cleo" in text and "Ada · rep 3" not in text
        assert text.count("█") > 10  # the block letters stay on screen
        assert len(drawn) == 2  # the detail and the next-up line, not the banner's nine
        drawn.clear()
        banner.show(Banner("END SESSION", "-end", "Ben · 4.71 s is below the floor", "Cleo"))
        await pilot.pause()
        assert "Ben · 4.71 s is below the floor" in screen_text(app) and len(drawn) >= 7  # a new word: all of it


words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Mn", "Me", "Cf")),
                min_size=1, max_size=12)


@given(st.lists(words, max_size=12), st.integers(2, 60))  # 2: the widest character
def test_wrapped_lines_fit_and_keep_every_word_in_order(text_words, width):
    lines = wrapped(" ".join(text_words), width)
    assert lines and all(cell_len(line) <= width for line in lines)
    if all(cell_len(word) <= width for word in text_words):
        assert " ".join(lines).split() == text_words
    else:  # a word wider than a line is cut across lines, nothing lost
        assert "".join(lines).replace(" ", "") == "".join(text_words)


def test_a_long_reason_takes_two_centred_lines():
    reason = "Ada · drop-off 6.2 % below the 95 % floor of the session best 4.21 s"
    assert wrapped(reason, 40) == ["Ada · drop-off 6.2 % below the 95 %", "floor of the session best 4.21 s"]


async def test_the_title_line_follows_the_sub_title_and_is_cut_with_an_ellipsis():
    app = Titled()
    async with app.run_test(size=(44, 5)) as pilot:
        app.sub_title = "session 2 · course 0,10,20,30 m"
        await pilot.pause()
        top = screen_text(app).splitlines()[0]
        assert top.strip() == "gates — session 2 · course 0,10,20,30 m" and top.startswith(" ")  # centred
        app.sub_title = "session 2 (resumed) · block 1/2: 30 m block starts · floor 98 %"
        await pilot.pause()
        top = screen_text(app).splitlines()[0]
        assert top.startswith(" gates — session 2 (resumed)") and top.endswith("… ") and cell_len(top) == 44
