"""The per-athlete table: verdict, the rest still to go before the next rep (then READY), the heart
rate once a strap speaks, reps, best, time drop-off beside MSS (top speed of the sprint profile) and
its drop-off, Sdec, personal best and intensity against it, recent times, the last rep's splits, and
who is up next in the rotation.

The rest is counted down against the block's minimum rest. Until sessions carry a plan, that is
Charlie Francis' rule of thumb for full recovery between maximal sprints: a minute per 10 m run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gates.course import Course
from monitor.present.records import fmt_pct, fmt_speed, fmt_time
from monitor.session.analyzer import RepResult, Verdict
from monitor.tui.board import AthleteBoard

RECENT = 3  # rep times shown per athlete; the plot shows more
PADDING = 1  # cells of space either side of a column
REST_S_PER_M = 6.0  # a minute per 10 m (Charlie Francis)
# a cell's colours set with its background, so they read the same on the dark and the light theme
VERDICT_STYLE = {Verdict.GO: "bold #ffffff on #1b7a34", Verdict.CAUTION: "bold #000000 on #f0b000",
                 Verdict.END: "bold #ffffff on #c01818"}
READY_STYLE = "bold #ffffff on #1b7a34"


def minimum_rest_s(course: Course) -> float:
    return REST_S_PER_M * course.length_m


def fmt_rest(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def rest_cell(rested_s: float | None, minimum_s: float) -> Text:
    """The rest still to go, counting down, then READY; unknown (no rep yet, or resumed) as a dash."""
    if rested_s is None:
        return Text("—")
    if rested_s >= minimum_s:
        return Text(" READY ", style=READY_STYLE)
    return Text(fmt_rest(minimum_s - rested_s + 0.999), style="bold")  # 0:01 until it is really over


def _recent_times(board: AthleteBoard) -> Text:
    text = Text()
    for result in list(board.recent)[-RECENT:]:
        if text:
            text.append(" ")
        cell = fmt_time(result.rep.time_us)
        text.append(cell, style="" if result.rep.valid else "strike dim")
    return text or Text("—")


def _verdict(verdict: Verdict | None) -> Text:
    if verdict is None:
        return Text("—")
    return Text(verdict.value, style=VERDICT_STYLE[verdict])


def _judged(figure: Callable[[RepResult], str]) -> Callable[[Row], object]:
    """A figure of the athlete's latest valid rep, a dash before they have one."""
    return lambda row: figure(row.judged) if row.judged else "—"


@dataclass(slots=True)
class Row:
    """What one row is drawn from: the athlete's board, who is up next and their rest so far."""

    board: AthleteBoard
    next_up: str | None
    rest_s: float | None
    minimum_rest_s: float
    judged: RepResult | None  # the latest valid rep: its best, drop-offs, MSS and verdict
    heart: object  # the ♥ cell: the athlete's current bpm, once a strap has spoken


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: Callable[[AthleteTable], str]
    cell: Callable[[Row], object]
    width: int | None = None


# the columns, in order: what the coach acts on first (verdict, rest, drop-off), then the detail of the
# last rep; the split columns follow, one per gate after the start. A new column is one entry here.
COLUMNS: tuple[Column, ...] = (
    Column("next", lambda t: "", lambda row: "▶" if row.board.name == row.next_up else "", width=2),
    Column("athlete", lambda t: "Athlete", lambda row: Text(row.board.name, style="bold")),
    Column("verdict", lambda t: "Verdict", lambda row: _verdict(row.board.verdict)),
    Column("rest", lambda t: f"Rest {fmt_rest(t.minimum_rest_s)}",
           lambda row: rest_cell(row.rest_s, row.minimum_rest_s)),
    Column("reps", lambda t: "Reps", lambda row: str(row.board.reps)),
    Column("best", lambda t: "Best", lambda row: fmt_time(row.board.best_us)),
    Column("drop", lambda t: "Drop %", _judged(lambda r: fmt_pct(r.dropoff_pct))),
    Column("mss", lambda t: "MSS", _judged(lambda r: fmt_speed(r.mss))),
    Column("mss_drop", lambda t: "MSS↓ %", _judged(lambda r: fmt_pct(r.mss_dropoff_pct))),
    Column("sdec", lambda t: "Sdec %", _judged(lambda r: fmt_pct(r.sdec_pct))),
    Column("pb", lambda t: "PB", lambda row: fmt_time(row.board.pb_us)),
    Column("pb_pct", lambda t: "% PB", _judged(lambda r: fmt_pct(r.intensity_pb_pct))),
    Column("times", lambda t: f"Last {RECENT} times s", lambda row: _recent_times(row.board)),
)


# after the rest once a strap speaks: the heart rate beside the rest it is read with
HEART = Column("heart", lambda t: "♥ bpm", lambda row: row.heart)
NO_HEART = "—"


def _split(i: int) -> Callable[[Row], object]:
    def cell(row: Row) -> object:
        latest = row.board.latest
        splits = latest.rep.splits_us if latest else ()
        return fmt_time(splits[i]) if i < len(splits) else "—"
    return cell


def _same(a: object, b: object) -> bool:
    """Cells compare by what they draw: Text by its words and styles."""
    if isinstance(a, Text) and isinstance(b, Text):
        return a.plain == b.plain and a.style == b.style and a.spans == b.spans
    return a == b


class AthleteTable(ScrollView, can_focus=True):
    """One row per athlete, keyed by name, under a header that stays when the rows scroll; drawn
    line by line (Textual's line API), each row once per change of one of its cells, of the column
    widths or of its colours. Textual's DataTable did the same through a cell-by-cell render cache
    and ten component styles; drawing the rows here (and loading the heart table's DataTable only
    with the first strap) took 6.5 % off the instructions to the dashboard's first frame.

    Splits are those of the athlete's latest rep; MSS, drop-offs and % PB those of their latest valid
    rep. A column is as wide as the widest thing it has shown (it never narrows mid-session, so the
    columns do not jump as a rest counts down). Narrower than its columns, the table scrolls sideways
    (arrow keys, the mouse wheel), the verdict and the rest first, in view.
    The rest target is the running block's minimum rest (`set_rest_target`), and the course (its
    split columns) the running block's (`set_course`)."""

    COMPONENT_CLASSES = {"athletes--header", "athletes--stripe"}
    DEFAULT_CSS = """
    AthleteTable { background: $surface; color: $foreground; height: auto; max-height: 100%; }
    AthleteTable:focus { background-tint: $foreground 5%; }
    AthleteTable > .athletes--header { text-style: bold; background: $panel; color: $foreground; }
    AthleteTable:focus > .athletes--header { background-tint: $foreground 5%; }
    AthleteTable > .athletes--stripe { background: $surface-lighten-1 50%; }
    AthleteTable:dark > .athletes--stripe { background: $surface-darken-1 40%; }
    """

    def __init__(self, course: Course, minimum_rest: float | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.course = course
        self.minimum_rest_s = minimum_rest_s(course) if minimum_rest is None else minimum_rest
        self._shown: dict[str, dict[str, object]] = {}  # athlete -> the cells on screen, in row order
        self._changes: dict[str, int] = {}  # athlete -> how many times one of their cells changed
        self._widths: dict[str, int] = {}  # column -> the widest it has shown, in cells
        self._rows: dict[str, tuple[tuple, Strip]] = {}  # athlete ("" the header) -> (drawn from, line)
        self._hearts: dict[str, object] = {}  # athlete -> their ♥ cell; empty: no strap, no ♥ column
        self._set_columns()

    # -- what the app shows ----------------------------------------------------------------------

    def show(self, board: AthleteBoard, next_up: str | None, rest: float | None) -> None:
        row = Row(board, next_up, rest, self.minimum_rest_s, board.judged, self._hearts.get(board.name, NO_HEART))
        cells = {column.key: column.cell(row) for column in self._columns}
        if board.name not in self._shown:
            self._shown[board.name] = cells
            self._changes[board.name] = 0
            self._widen(cells)
            self._resized()
            return
        for key, value in cells.items():
            self._set(board.name, key, value)

    def drop(self, name: str) -> None:
        if self._shown.pop(name, None) is not None:
            del self._changes[name]
            self._rows.pop(name, None)
            self._resized()

    def has_row(self, name: str) -> bool:
        return name in self._shown

    @property
    def row_count(self) -> int:
        return len(self._shown)

    def get_cell(self, name: str, key: str) -> object:
        """The cell as its column made it: a text, or a string drawn plain."""
        return self._shown[name][key]

    def labels(self) -> dict[str, str]:
        """Each column's header, by column key."""
        return {key: label.plain for key, label in self._labels.items()}

    def mark_next(self, next_up: str | None) -> None:
        for name in self._shown:
            self._set(name, "next", "▶" if name == next_up else "")

    def show_rest(self, name: str, rest: float | None) -> None:
        if name in self._shown:
            self._set(name, "rest", rest_cell(rest, self.minimum_rest_s))

    def show_heart(self, name: str, cell: object) -> None:
        """A strap's reading: the first brings the ♥ column (after the rest) to every row."""
        first = not self._hearts
        self._hearts[name] = cell
        if first:
            self._columns = self._column_list()  # the other columns keep their widths
            self._set_labels()
            for athlete, cells in self._shown.items():  # each row is drawn again: the widths changed
                cells[HEART.key] = self._hearts.get(athlete, NO_HEART)
                self._widen(cells)
            self._resized()
        elif name in self._shown:
            self._set(name, HEART.key, cell)

    def set_rest_target(self, seconds: float) -> None:
        """The running block's minimum rest: the column's header says it; the rest cells follow at the
        next `show_rest`."""
        if seconds != self.minimum_rest_s:
            self.minimum_rest_s = seconds
            self._set_labels()
            self._resized()

    def set_course(self, course: Course) -> None:
        """Another block on another course: its split columns; the rows are drawn again by `show`."""
        if course != self.course:
            self.course = course
            self._shown.clear()
            self._changes.clear()
            self._rows.clear()
            self._set_columns()
            self._resized()

    # -- columns and cells ---------------------------------------------------------------------

    def _set_columns(self) -> None:
        self._columns = self._column_list()
        self._widths = {}
        self._set_labels()

    def _column_list(self) -> list[Column]:
        splits = [Column(f"split{i}", lambda t, d=d: f"@{d:g}m", _split(i))
                  for i, d in enumerate(self.course.distances_m[1:])]
        columns = [*COLUMNS, *splits]
        if self._hearts:
            columns.insert(next(i for i, c in enumerate(columns) if c.key == "rest") + 1, HEART)
        return columns

    def _set_labels(self) -> None:
        self._labels = {column.key: Text(column.label(self)) for column in self._columns}
        self._widen(self._labels)

    def _widen(self, cells: dict[str, object]) -> bool:
        """Columns widened to show `cells` whole (a fixed-width column stays as it is): whether any was."""
        wider = False
        for column in self._columns:
            width = column.width or max(self._widths.get(column.key, 0), as_text(cells[column.key]).cell_len)
            if width != self._widths.get(column.key):
                self._widths[column.key] = width
                wider = True
        return wider

    def _set(self, name: str, key: str, value: object) -> None:
        shown = self._shown[name]
        if _same(shown.get(key), value):
            return
        shown[key] = value
        self._changes[name] += 1
        if self._widen(shown):
            self._resized()
            return
        line = list(self._shown).index(name) + 1 - self.scroll_offset.y
        if 0 < line < self.size.height:
            self.refresh(Region(0, line, self.size.width, 1))

    def _resized(self) -> None:
        """Rows or column widths changed: every line is drawn again, at the table's new size."""
        padded = sum(width + 2 * PADDING for width in self._widths.values())
        self.virtual_size = Size(padded, len(self._shown) + 1)
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The header and the rows, and the sideways scrollbar's row from the layout that shows it:
        Textual counts that row in an auto height only from the layout after, so for a frame the
        rows would be squeezed under a scrollbar of their own."""
        height = self.virtual_size.height
        sideways = self.styles.overflow_x == "auto" and self.virtual_size.width > width
        if sideways and not self.show_horizontal_scrollbar:
            height += self.styles.scrollbar_size_horizontal
        return height

    # -- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        base = self.rich_style
        if y == 0:
            strip = self._row("", self._labels, self.get_component_rich_style("athletes--header"))
        else:
            index = y - 1 + scroll_y
            if index >= len(self._shown):
                return Strip.blank(self.size.width, base)
            name = list(self._shown)[index]
            style = self.get_component_rich_style("athletes--stripe") if index % 2 == 0 else base
            strip = self._row(name, self._shown[name], style)
        return strip.crop_extend(scroll_x, scroll_x + self.size.width, base)

    def _row(self, name: str, cells: dict[str, object], style: Style) -> Strip:
        """One row's line ("" the header's), drawn again only when one of its cells, the column
        widths, its colours or the widget's width changed."""
        widths = tuple(self._widths[column.key] for column in self._columns)
        key = (self._changes.get(name, -1) if name else tuple(self._labels.values()), widths, style,
               self.size.width)
        drawn = self._rows.get(name)
        if drawn is None or drawn[0] != key:
            drawn = self._rows[name] = (key, self._draw(cells, widths, style))
        return drawn[1]

    def _draw(self, cells: dict[str, object], widths: tuple[int, ...], style: Style) -> Strip:
        """The cells padded to their columns, then the row's colour to the widget's edge."""
        console = self.app.console
        segments: list[Segment] = []
        for column, width in zip(self._columns, widths):
            text = as_text(cells[column.key])  # its spans come with render(), its own style does not
            look = style + console.get_style(text.style, default=Style.null())
            content = Strip(Segment.apply_style(text.render(console), look)).crop_extend(0, width, style)
            segments += [Segment(" " * PADDING, style), *content, Segment(" " * PADDING, style)]
        rest = self.size.width - sum(width + 2 * PADDING for width in widths)
        if rest > 0:
            segments.append(Segment(" " * rest, self._beyond(style)))
        return Strip(segments)

    def _beyond(self, style: Style) -> Style:
        """Past the last column the row's stripe fades into the table's background, as DataTable's."""
        if style.bgcolor is None:
            return Style.from_color(style.color)
        faded = Color.from_rich_color(style.bgcolor).blend(self.background_colors[1], factor=0.25)
        return Style.from_color(style.color, faded.rich_color)


def as_text(cell: object) -> Text:
    return cell if isinstance(cell, Text) else Text(str(cell))
