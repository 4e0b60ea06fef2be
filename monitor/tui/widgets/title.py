"""The dashboard's top line: the app's title and sub-title (session, block, course, floor, where the
reps come from), centred. Textual's Header is four widgets (an icon, the title, a clock's place) for
this one line: three more to compose and style before the first frame, and 18 cells less for the line."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from monitor.tui.widgets.drawn import DrawnLines, background

DIM = Style(dim=True)


class TitleBar(DrawnLines):
    DEFAULT_CSS = """
    TitleBar { dock: top; width: 100%; height: 1; padding: 0 1; background: $panel; color: $foreground; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "title", self._retitled, init=False)
        self.watch(self.app, "sub_title", self._retitled, init=False)

    def _retitled(self, _: str) -> None:
        self.redraw()

    def drawn_from(self) -> tuple[str, str]:
        return self.app.title, self.app.sub_title

    def draw(self, base: Style) -> list[Strip]:
        """The title, then " — " and the sub-title dimmed; cut with an ellipsis when it is wider."""
        title, sub_title = self.drawn_from()
        width = self.size.width
        line = f"{title} — {sub_title}" if sub_title else title
        if cell_len(line) > width:
            line = set_cell_size(line, max(width - 1, 0)) + "…"
        strip = Strip([Segment(line[:len(title)], base), Segment(line[len(title):], base + DIM)])
        return list(Strip.align([strip], background(base), width, 1, "center", "top"))
