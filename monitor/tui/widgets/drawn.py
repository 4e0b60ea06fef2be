"""Widgets that draw their own lines (Textual's line API): the few that change with every rep.

A widget's `render()` goes through Textual's general text layout (wrapping, alignment, a style per
line) on every change: for the verdict banner's block letters that was ~5 ms of the frame showing
the rep. Rows of known characters need none of it; they are laid out here, once per change of what
is shown, its size or its colours.
"""

from __future__ import annotations

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

BOLD = Style(bold=True)


class DrawnLines(Widget):
    """Subclasses say what their lines are drawn from (`drawn_from`) and draw them (`draw`)."""

    _drawn: tuple[object, list[Strip]] | None = None  # (what they were drawn from, the lines)

    def drawn_from(self) -> object:
        raise NotImplementedError

    def draw(self, base: Style) -> list[Strip]:
        """The lines, `base` being the widget's own colours."""
        raise NotImplementedError

    def redraw(self) -> None:
        """Refresh the lines that differ from those on screen, not the whole widget: the banner's
        block letters stay while its detail line changes, and Textual then lays out only the new
        lines (each line a widget repaints costs ~0.2 ms in its styles' rendering)."""
        shown = self._drawn
        if shown is None or not self.is_mounted:
            self.refresh()
            return
        base = self.rich_style
        if shown[0][1:] != (self.size, base):
            self.refresh()
            return
        lines, width = self._lines(base), self.size.width
        changed = [Region(0, y, width, 1) for y, line in enumerate(lines) if y >= len(shown[1]) or line != shown[1][y]]
        if changed:
            self.refresh(*changed)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._lines()  # once a frame, not for every line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        lines = self._drawn[1] if self._drawn is not None else self._lines()
        return lines[y] if y < len(lines) else Strip.blank(self.size.width, self.rich_style)

    def _lines(self, base: Style | None = None) -> list[Strip]:
        base = self.rich_style if base is None else base  # it walks the ancestors for their backgrounds
        key = (self.drawn_from(), self.size, base)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, self.draw(base))
        return self._drawn[1]


class DrawnText(DrawnLines):
    """Lines drawn from one text (no markup: an athlete's name is shown as typed)."""

    def __init__(self, text: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.text = text

    def show(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.redraw()

    def drawn_from(self) -> str:
        return self.text


class TextLine(DrawnText):
    """One line of plain text on the left, cut at the widget's width: a label that changes with every rep."""

    def draw(self, base: Style) -> list[Strip]:
        width, height = self.size
        return [placed(self.text, width, base, background(base), centre=False)] + [Strip.blank(width, base)] * (height - 1)


def placed(row: str, width: int, style: Style, pad: Style, centre: bool = True) -> Strip:
    """`row` in `style`, centred (else on the left) in `width` on spaces in `pad`; cut when wider."""
    cells = cell_len(row)
    if cells >= width:
        return Strip([Segment(row, style)], cells).crop(0, width)
    left = (width - cells) // 2 if centre else 0
    around = [Segment(" " * left, pad), Segment(row, style), Segment(" " * (width - cells - left), pad)]
    return Strip([segment for segment in around if segment.text], width)


def background(base: Style) -> Style:
    """The style of the spaces around a line, as Textual's text layout pads it: the background only."""
    return Style(bgcolor=base.bgcolor)


def wrapped(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken between words (a word wider than a line is
    cut), as Rich wraps a plain text: without building a Rich text for it on every frame."""
    lines: list[str] = []
    line, cells = "", 0
    for word in text.split():
        size = cell_len(word)
        if line and cells + 1 + size <= width:
            line, cells = f"{line} {word}", cells + 1 + size
            continue
        if line:
            lines.append(line)
        *whole, line = [piece for piece in chop_cells(word, width) if piece] if size > width else [word]
        lines.extend(whole)
        cells = cell_len(line)
    return lines + [line] if line or not lines else lines
