"""The rep that just finished, large: athlete, time in big digits, its % of the athlete's best and who
is up next beside them, then the sprint profile (MSS, MAC), drop-off, the splits, the session best
and personal best, and a highlight when it is a new best or a new PB.

Three sizes, chosen by the app's classes: on a big terminal (`-tall`) the athlete's name is in block
letters above the time, readable from three metres; on a narrow one (`-narrow`) the card is a strip
under the banner with only the time, name, % of best and next up, so they stay on an 80×24 screen.
Every line has a fixed size, so an update repaints the card without a new layout of the screen.
"""

from __future__ import annotations

from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.strip import Strip
from textual.renderables.digits import Digits
from textual.widgets import Label

from monitor.present.records import fmt_pct, fmt_speed, fmt_time
from monitor.session.analyzer import SHORT_REST, RepResult
from monitor.tui import bigtext
from monitor.tui.widgets.athletes import fmt_rest
from monitor.tui.widgets.drawn import BOLD, DrawnText, TextLine, background, placed


def splits_line(result: RepResult) -> str:
    rep = result.rep
    gates = rep.course.distances_m[1:]
    return "   ".join(f"{d:g} m {fmt_time(t)}" for d, t in zip(gates, rep.splits_us))


def best_line(result: RepResult) -> str:
    """The session best, and the PB with the rep's intensity against it (when there is one)."""
    line = f"best {fmt_time(result.best_us)} s"
    if result.pb_us is not None:
        line += f" · PB {fmt_time(result.pb_us)} s"
        if result.intensity_pb_pct is not None:
            line += f" ({result.intensity_pb_pct:.1f} %)"
    return line


def of_best_line(result: RepResult) -> str:
    if not result.rep.valid:
        return "NOT COUNTED"
    return f"{fmt_pct(result.intensity_pct)} % of best"


class BigName(DrawnText):
    """The athlete's name in block letters when it fits, else in bold (it changes with every rep:
    its lines are drawn here, see `monitor.tui.widgets.drawn`)."""

    def draw(self, base: Style) -> list[Strip]:
        name, (width, height) = self.text, self.size
        big = name and bigtext.can_draw(name) and bigtext.width(name) <= width
        rows = bigtext.render(name) if big else [name]
        bold, pad = base + BOLD, background(base)
        lines = [placed(row, width, bold, pad, centre=False) for row in rows]
        return lines + [Strip.blank(width, base)] * (height - len(lines))


class BigTime(DrawnText):
    """The rep's time in Textual's three-row digits. Its width is set by the stylesheet, so a new
    time never lays out the screen again (Textual's `Digits` widget does whenever the time's width
    changes: a 9.99 then a 10.05, a 30 m block then a 150 m one), and its lines are drawn here."""

    def draw(self, base: Style) -> list[Strip]:
        width, pad = self.size.width, background(base)
        rows = [segment.text for segment in Digits(self.text).render(base) if segment.text != "\n"]
        lines = [placed(row, width, base, pad, centre=False) for row in rows]
        return lines + [Strip.blank(width, base)] * (self.size.height - len(lines))


class LastRep(Vertical):
    rep_number: int | None = None  # the rep on show: what benchmarks and tests look at, not the text

    def compose(self) -> ComposeResult:
        yield BigName(id="rep-name")
        with Horizontal(id="rep-big"):
            yield BigTime("-.--", id="rep-time")
            with Vertical(id="rep-side"):
                yield TextLine("no rep yet", id="rep-who")
                yield TextLine(id="rep-pct")
                yield TextLine(id="rep-next")
        yield Label("", id="rep-profile")
        yield Label("", id="rep-metrics")
        yield Label("", id="rep-splits")
        yield Label("", id="rep-best")

    def _set(self, selector: str, text: str) -> None:
        self.query_one(selector, Label).update(text, layout=False)

    def show(self, result: RepResult) -> None:
        self.show_rep(result)
        self.show_detail(result)

    def show_rep(self, result: RepResult) -> None:
        """What the narrow card shows: the name, the time and its % of best (the first frame of a
        rep; `show_detail` follows a frame later)."""
        rep = result.rep
        self.rep_number = rep.number
        self.query_one(BigName).show(rep.athlete)
        self.query_one(BigTime).show(f"{rep.time_us / 1e6:.2f}" if rep.time_us else "-.--")
        self.query_one("#rep-who", TextLine).show(f"{rep.athlete} · rep {rep.number}")
        self.query_one("#rep-pct", TextLine).show(of_best_line(result))

    def show_detail(self, result: RepResult) -> None:
        """The rest of the card: its title, the sprint profile, drop-off, splits and bests."""
        rep = result.rep
        block = f" · {result.block.name}" if result.block.name else ""
        short = f" · SHORT REST {fmt_rest(result.rest_us / 1e6)}" if SHORT_REST in rep.flags and result.rest_us else ""
        self.border_title = f"Rep {rep.number} · {rep.athlete}{block}{short}"
        profile = result.profile
        self._set("#rep-profile", f"MSS {fmt_speed(result.mss)} m/s · MAC {fmt_speed(result.mac)} m/s²"
                                  f" · MSS↓ {fmt_pct(result.mss_dropoff_pct)} %" if profile else "no sprint profile")
        if rep.valid:
            drop = "—" if result.dropoff_pct is None else f"{result.dropoff_pct:+.1f}"
            metrics = f"drop-off {drop} %   intensity {fmt_pct(result.intensity_pct)} %"
        else:
            metrics = "not counted: " + ", ".join(sorted(rep.flags))
        self._set("#rep-metrics", metrics)
        self._set("#rep-splits", splits_line(result))
        best = self.query_one("#rep-best", Label)
        new_pb, new_best = result.new_pb and rep.valid, result.new_best and rep.valid
        best.update("★ NEW PB ★" if new_pb else "★ NEW BEST ★" if new_best else best_line(result), layout=False)
        best.set_class(new_best or new_pb, "-new-best")
        self.set_class(not rep.valid, "-void")

    def show_next(self, next_up: str | None) -> None:
        self.query_one("#rep-next", TextLine).show(f"next up: {next_up}" if next_up else "")
