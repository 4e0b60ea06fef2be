"""The spacing line under the athlete table, as a session starts: each athlete whose last hard session
(a rep at >= 95 % of their reference) was under 48 h ago is marked (Haugen et al. 2019: 48-72 h between
such sessions), beside this ISO week's high-intensity metres against their weekly range (default
1,000-2,000 m, the NSCA's typical figure). The figures come from `monitor.session.week.spacings`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Label

if TYPE_CHECKING:  # the figures come from the store: the dashboard's first frame does not wait for week
    from monitor.session.week import Spacing

SOON_STYLE = "bold #000000 on #f0b000"  # the CAUTION colours: a reason to think before the first rep


def spacing_text(spacing: Mapping[str, Spacing]) -> Text:
    """`⚠ Ada hard 30 h ago · 640/1000–2000 m │ Ben 0/1000–2000 m` (what is known of each)."""
    from monitor.session.week import HARD_GAP_H

    text = Text("Spacing: ", style="bold")
    for k, (name, s) in enumerate(spacing.items()):
        if k:
            text.append(" │ ", style="dim")
        low, high = s.hi_range_m
        if s.too_soon:
            text.append(f" ⚠ {name} hard {s.hours_since_hard:.0f} h ago (< {HARD_GAP_H:.0f} h) ", style=SOON_STYLE)
        else:
            text.append(name)
        over = " over" if s.hi_m_this_week > high else ""
        text.append(f" {s.hi_m_this_week:.0f}/{low:.0f}–{high:.0f} m{over}", style="bold" if over else "")
    text.append("  (high-intensity m this week / range)", style="dim")
    return text


class SpacingLine(Label):
    """Shown only when there is someone to show."""

    DEFAULT_CSS = """
    SpacingLine { width: 1fr; height: auto; padding: 0 1; display: none; }
    SpacingLine.-on { display: block; }
    """

    def __init__(self, spacing: Mapping[str, Spacing] | None = None, **options: object) -> None:
        super().__init__("", **options)  # type: ignore[arg-type]
        self.show(spacing or {})

    def show(self, spacing: Mapping[str, Spacing]) -> None:
        self.update(spacing_text(spacing) if spacing else "")
        self.set_class(bool(spacing), "-on")
