"""The verdict banner: what the coach must do about the athlete who just finished, in block letters.

GO (green), CAUTION (amber), END SESSION (red) with the analyzer's reason under it. The word itself
carries the meaning, so the banner reads the same on a monochrome terminal or in glare.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.strip import Strip

from monitor.present.records import fmt_time
from monitor.present.words import why_not_counted
from monitor.session.analyzer import RepResult, Verdict
from monitor.tui import bigtext
from monitor.tui.widgets.drawn import BOLD, DrawnLines, background, placed, wrapped


@dataclass(frozen=True, slots=True)
class Banner:
    word: str
    tone: str  # CSS class: -go, -caution, -end, -idle, -void, -over
    detail: str
    next_up: str | None = None  # who the coach calls to the line now


def _intensity(result: RepResult, against: str) -> str:
    """How fast the rep was against what the rule judged it by (the session best without a PB)."""
    if against == "pb" and result.intensity_pb_pct is not None and result.pb_us is not None:
        ever = min(result.pb_us, result.best_us or result.pb_us)
        return f"{result.intensity_pb_pct:.1f} % of PB {fmt_time(ever)} s"
    return f"{result.intensity_pct:.1f} % of session best {fmt_time(result.best_us)} s"


def banner_for(result: RepResult | None, *, next_up: str | None, min_reps: int, ended: str = "",
               against: str = "session") -> Banner:
    """`ended`: why the whole session ended, once it has; `against`: what the stop rule judges against."""
    if ended:
        return Banner("SESSION ENDED", "-over", ended)
    if result is None:
        return Banner("READY", "-idle", "waiting for the first rep", next_up)
    rep = result.rep
    who = f"{rep.athlete} · rep {rep.number}"
    if not rep.valid:
        return Banner("NOT COUNTED", "-void", f"{who} · {why_not_counted(result.rep)}", next_up)
    if result.verdict is Verdict.END:
        return Banner("END SESSION", "-end", f"{rep.athlete} · {result.reason}", next_up)
    if result.verdict is Verdict.CAUTION:
        return Banner("CAUTION", "-caution", f"{rep.athlete} · {result.reason}", next_up)
    if result.verdict is Verdict.GO:
        return Banner("GO", "-go", f"{who} · {_intensity(result, against)}", next_up)
    if against == "pb" and result.pb_us is None:  # e.g. a plan's single 150 m, the first one ever run
        return Banner("BASELINE", "-idle", f"{who} · no PB on this course yet: nothing to judge it against", next_up)
    return Banner("BASELINE", "-idle", f"{who} · no verdict before {min_reps} valid reps", next_up)


class VerdictBanner(DrawnLines):
    """Block letters when the terminal is wide enough, else the word in bold; the detail line below.
    It changes with every rep: its lines are drawn here (see `monitor.tui.widgets.drawn`)."""

    def __init__(self, banner: Banner, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.banner = banner
        self.add_class(banner.tone)

    def show(self, banner: Banner) -> None:
        if banner == self.banner:
            return
        tone, self.banner = self.banner.tone, banner
        if banner.tone == tone:
            self.redraw()  # often only the detail and next-up lines change
        else:  # a class change restyles the banner (~1 ms): only when the tone changes, and once
            self.remove_class(tone, update=False)
            self.add_class(banner.tone)
            self.refresh()

    def drawn_from(self) -> Banner:
        return self.banner

    def draw(self, base: Style) -> list[Strip]:
        """The word, the detail (who, why) and who is up next, each on its own line, all bold and
        centred, the whole block in the middle of the banner."""
        width, height = self.size
        word, detail, next_up = self.banner.word, self.banner.detail, self.banner.next_up
        small = [detail, f"next up: {next_up}"] if next_up else [detail]
        if width >= bigtext.width(word) and height >= bigtext.ROWS + len(small):
            rows = bigtext.render(word) + ([""] if height > bigtext.ROWS + len(small) else [])
        else:
            rows = [" ".join(word)]  # spaced out: still reads as a banner
        bold, pad = base + BOLD, background(base)
        lines = [placed(row, width, bold, pad) for row in rows]
        for text in small:  # a long reason takes two lines
            lines.extend(placed(line, width, bold, pad) for line in wrapped(text, width))
        return list(Strip.align(lines, base + Style(reverse=False), width, height, "center", "middle"))
