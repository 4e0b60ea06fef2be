"""The verdict banner: what the coach must do about the athlete who just finished, in block letters.

GO (green), CAUTION (amber), END SESSION (red) with the analyzer's reason under it. The word itself
carries the meaning, so the banner reads the same on a monochrome terminal or in glare.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from gates.rep import CANCELLED, IMPOSSIBLE, VOIDED
from monitor.analyzer import RepResult, Verdict
from monitor.tui import bigtext


@dataclass(frozen=True, slots=True)
class Banner:
    word: str
    tone: str  # CSS class: -go, -caution, -end, -idle, -void, -over
    detail: str


def _why_not_counted(result: RepResult) -> str:
    flags = result.rep.flags
    if VOIDED in flags:
        return "voided by the coach"
    if CANCELLED in flags:
        return "cancelled by the timer"
    if IMPOSSIBLE in flags:
        return "impossible time: check the gates"
    return "no finish time"


def banner_for(result: RepResult | None, *, next_up: str | None, min_reps: int, ended: str = "") -> Banner:
    """`ended`: why the whole session ended, once it has."""
    if ended:
        return Banner("SESSION ENDED", "-over", ended)
    if result is None:
        up = f" · next up: {next_up}" if next_up else ""
        return Banner("READY", "-idle", f"waiting for the first rep{up}")
    rep = result.rep
    who = f"{rep.athlete} · rep {rep.number}"
    if not rep.valid:
        return Banner("NOT COUNTED", "-void", f"{who} · {_why_not_counted(result)}")
    if result.verdict is Verdict.END:
        return Banner("END SESSION", "-end", f"{rep.athlete} · {result.reason}")
    if result.verdict is Verdict.CAUTION:
        return Banner("CAUTION", "-caution", f"{rep.athlete} · {result.reason}")
    if result.verdict is Verdict.GO:
        best = result.best_us / 1e6 if result.best_us else 0.0
        return Banner("GO", "-go", f"{who} · {result.intensity_pct:.1f} % of best {best:.2f} s")
    return Banner("BASELINE", "-idle", f"{who} · no verdict before {min_reps} valid reps")


class VerdictBanner(Widget):
    """Block letters when the terminal is wide enough, else the word in bold; the detail line below."""

    TONES = ("-go", "-caution", "-end", "-idle", "-void", "-over")

    def __init__(self, banner: Banner, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.banner = banner
        self.add_class(banner.tone)

    def show(self, banner: Banner) -> None:
        if banner == self.banner:
            return
        self.remove_class(*self.TONES)
        self.add_class(banner.tone)
        self.banner = banner
        self.refresh()

    def render(self) -> Text:
        word, detail = self.banner.word, self.banner.detail
        if self.size.width >= bigtext.width(word) and self.size.height >= bigtext.ROWS + 2:
            lines = bigtext.render(word)
            text = Text("\n".join(lines), style="bold", justify="center")
            text.append("\n\n" + detail, style="bold")
            return text
        text = Text(" ".join(word), style="bold", justify="center")  # spaced out: still reads as a banner
        text.append("\n" + detail)
        return text
