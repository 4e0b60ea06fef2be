"""The per-athlete table: verdict, the rest still to go before the next rep (then READY), reps, best,
time drop-off beside MSS (top speed of the sprint profile) and its drop-off, Sdec, personal best and
intensity against it, recent times, the last rep's splits, and who is up next in the rotation.

The rest is counted down against the block's minimum rest. Until sessions carry a plan, that is
Charlie Francis' rule of thumb for full recovery between maximal sprints: a minute per 10 m run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from gates.course import Course
from monitor.present.records import fmt_pct, fmt_speed, fmt_time
from monitor.session.analyzer import RepResult, Verdict
from monitor.tui.board import AthleteBoard

RECENT = 3  # rep times shown per athlete; the plot shows more
DRAWN_LOOKS = 1000  # cell looks kept drawn: a rest countdown makes new ones every second
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


class AthleteTable(DataTable):
    """One row per athlete, keyed by name; only the cells whose content changed are updated (any
    update makes the whole table draw again, so unchanged cells are left alone).

    Splits are those of the athlete's latest rep; MSS, drop-offs and % PB those of their latest valid
    rep. The columns fit a 120-column terminal; narrower, the table scrolls sideways, the verdict and
    the rest still in view. The rest target is the running block's minimum rest (`set_rest_target`),
    and the course (its split columns) the running block's (`set_course`)."""

    def __init__(self, course: Course, minimum_rest: float | None = None, **kwargs: object) -> None:
        # a cell's look (`_look`) -> its lines, the latest DRAWN_LOOKS; set first: DataTable's init clears it
        self._drawn: LRUCache[tuple, list] = LRUCache(DRAWN_LOOKS)
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.course = course
        self.minimum_rest_s = minimum_rest_s(course) if minimum_rest is None else minimum_rest
        self._shown: dict[str, dict[str, object]] = {}  # athlete -> the cells on screen
        self._changed: dict[tuple[str, str], int] = {}  # (athlete, column) -> the update that changed it
        self._row_changed: dict[str, int] = {}  # athlete -> the update that last changed one of their cells
        self._updates = 0  # cell updates so far
        self._layout = 0  # changes to the rows, the columns or their labels
        self._updates_now: int | None = None  # the table's count of updates while a cell renders
        self._add_columns()  # now, not on mount: rows may arrive before this widget's mount event

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        """DataTable keys its render caches on its count of updates, so one changed cell draws every
        cell again (about 0.3 ms each: a rest tick or a rep repainted the whole table, tens of ms).
        Here a cell is drawn again only when it, its width, the rows or the columns changed: the
        count is, while this cell renders, the update that last changed it."""
        row = self._header_row_key if row_index == -1 else self._row_locations.get_key(row_index)
        column = self._column_locations.get_key(column_index)
        with self._counted(hash((self._layout, self._changed.get((row.value, column.value), 0), width))):
            key = (row, column, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
                   self._pseudo_class_state)  # DataTable's own key for this cell's lines
            if key in self._cell_render_cache or column_index < 0:
                return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
            look = self._look(row_index, column_index, base_style, width, cursor, hover)
            drawn = None if look is None else self._drawn.get(look)
            if drawn is None:
                lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
                if look is not None:
                    self._drawn[look] = lines
                return lines
            here = Style.from_meta({"row": row_index, "column": column_index})  # where a click lands
            lines = [list(Segment.apply_style(line, post_style=here)) for line in drawn]
            self._cell_render_cache[key] = lines
            return lines

    def _look(self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool,
              hover: bool) -> tuple | None:
        """What a cell's lines depend on but where it is: cells that look alike are drawn once (a
        new table is mostly dashes; a rest tick turns rows to the same READY). None: not a Text."""
        cell = self._get_row_renderables(row_index).cells[column_index]
        if not isinstance(cell, Text):
            return None
        height = self.header_height if row_index == -1 else self.rows[self._row_locations.get_key(row_index)].height
        return (row_index == -1, cell.plain, str(cell.style), tuple(cell.spans), cell.justify, cell.overflow,
                cell.no_wrap, cell.end, width, height, base_style, cursor, hover, self.show_cursor,
                self._show_hover_cursor, self._pseudo_class_state, self.cursor_foreground_priority,
                self.cursor_background_priority)

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._drawn.clear()

    def _get_row_renderables(self, row_index: int):
        """A row's cells as renderables, cached on the table's own count of updates: not on the
        cell's (`_render_cell`), which would format the whole row again for each column width (a
        first frame formatted every row seven times over)."""
        if self._updates_now is None:
            return super()._get_row_renderables(row_index)
        cell = self._update_count
        self._update_count = self._updates_now
        try:
            return super()._get_row_renderables(row_index)
        finally:
            self._update_count = cell

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """The same for a line: a row is assembled again only when one of its cells, the column
        widths, the rows or the columns changed, so a rep or a rest tick redraws the rows it changed,
        not the whole table (every line, every frame it is dirty: the card waited behind it)."""
        try:
            row, _ = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        widths = tuple(column.get_render_width(self) for column in self.ordered_columns)
        with self._counted(hash((self._layout, self._row_changed.get(row.value, 0), widths))):
            return super()._render_line(y, x1, x2, base_style)

    @contextmanager
    def _counted(self, count: int) -> Iterator[None]:
        """DataTable's count of updates reads `count` meanwhile (the key of its render caches); the
        table's own count is kept for the row's cells (`_get_row_renderables`)."""
        updates = self._update_count
        outer = self._updates_now is None
        if outer:
            self._updates_now = updates
        self._update_count = count
        try:
            yield
        finally:
            self._update_count = updates
            if outer:
                self._updates_now = None

    def _columns(self) -> list[Column]:
        splits = [Column(f"split{i}", lambda t, d=d: f"@{d:g}m", _split(i))
                  for i, d in enumerate(self.course.distances_m[1:])]
        return [*COLUMNS, *splits]

    def _add_columns(self) -> None:
        for column in self._columns():
            self.add_column(column.label(self), key=column.key, width=column.width)

    def _cells(self, board: AthleteBoard, next_up: str | None, rest: float | None) -> dict[str, object]:
        row = Row(board, next_up, rest, self.minimum_rest_s, board.judged)
        return {column.key: column.cell(row) for column in self._columns()}

    def show(self, board: AthleteBoard, next_up: str | None, rest: float | None) -> None:
        cells = self._cells(board, next_up, rest)
        shown = self._shown.get(board.name)
        if shown is None:
            self._shown[board.name] = cells
            self._layout += 1
            self.add_row(*(cells[str(c.key.value)] for c in self.columns.values()), key=board.name)
            return
        for key, value in cells.items():
            self._set(board.name, key, value, width=True)

    def _set(self, name: str, key: str, value: object, width: bool = False) -> None:
        shown = self._shown[name]
        if not _same(shown.get(key), value):
            shown[key] = value
            self._updates += 1
            self._changed[(name, key)] = self._row_changed[name] = self._updates
            self.update_cell(name, key, value, update_width=width)

    def drop(self, name: str) -> None:
        if self._shown.pop(name, None) is not None:
            self._layout += 1
            self.remove_row(name)

    def has_row(self, name: str) -> bool:
        return name in self._shown

    def mark_next(self, next_up: str | None) -> None:
        for name in self._shown:
            self._set(name, "next", "▶" if name == next_up else "")

    def show_rest(self, name: str, rest: float | None) -> None:
        if name in self._shown:
            self._set(name, "rest", rest_cell(rest, self.minimum_rest_s))

    def set_rest_target(self, seconds: float) -> None:
        """The running block's minimum rest: the column's header says it; the rest cells follow at the
        next `show_rest`."""
        if seconds != self.minimum_rest_s:
            self.minimum_rest_s = seconds
            rest = next(c for c in COLUMNS if c.key == "rest")
            self.columns[ColumnKey(rest.key)].label = Text(rest.label(self))
            self._layout += 1
            self._require_update_dimensions = True
            self.refresh()

    def set_course(self, course: Course) -> None:
        """Another block on another course: its split columns; the rows are drawn again by `show`."""
        if course != self.course:
            self.course = course
            self.clear(columns=True)
            self._shown.clear()
            self._changed.clear()
            self._row_changed.clear()
            self._layout += 1
            self._add_columns()
