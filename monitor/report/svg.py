"""Just enough SVG for the report's charts: a plot area that maps data to pixels, axes with round ticks.

Hand-written, so the report needs no plotting library and the page carries its charts inline (no
files, no network). Every text that reaches the markup goes through `esc`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round values (1, 2 or 5 × 10^k apart) covering [lo, hi], about `count` of them."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


@dataclass(frozen=True, slots=True)
class Plot:
    """Data ranges x0..x1, y0..y1 drawn inside a `width` × `height` picture, margins for the axes."""

    x0: float
    x1: float
    y0: float
    y1: float
    width: int = 520
    height: int = 250
    left: int = 52
    right: int = 14
    top: int = 26
    bottom: int = 42

    def x(self, value: float) -> float:
        span = self.x1 - self.x0 or 1.0
        return self.left + (value - self.x0) / span * (self.width - self.left - self.right)

    def y(self, value: float) -> float:
        span = self.y1 - self.y0 or 1.0
        return self.height - self.bottom - (value - self.y0) / span * (self.height - self.top - self.bottom)

    def hline(self, value: float, css: str) -> str:
        """A horizontal rule across the plot at `value`."""
        y = self.y(value)
        return f'<line class="{css}" x1="{self.left}" x2="{self.width - self.right}" y1="{y:.1f}" y2="{y:.1f}"/>'

    def legend(self, entries: Sequence[tuple[str, str]]) -> list[str]:
        """(css class, label) pairs in a row above the plot, each after a short sample of its line."""
        out, x, y = [], float(self.left), self.top - 9
        for css, label in entries:
            out.append(f'<line class="{css}" x1="{x:.1f}" x2="{x + 18:.1f}" y1="{y - 4}" y2="{y - 4}"/>')
            out.append(f'<text class="{css}-label" x="{x + 23:.1f}" y="{y}">{esc(label)}</text>')
            x += 23 + 6.5 * len(label) + 18  # about the width of the label at 11 px
        return out

    def axes(self, xticks: Sequence[tuple[float, str]], yticks: Sequence[float], xlabel: str, ylabel: str,
             yfmt: str = "{:g}") -> list[str]:
        bottom, right = self.height - self.bottom, self.width - self.right
        out = [f'<rect class="plot" x="{self.left}" y="{self.top}" width="{right - self.left}" '
               f'height="{bottom - self.top}"/>']
        for value in yticks:
            y = self.y(value)
            out.append(f'<line class="grid" x1="{self.left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>')
            out.append(f'<text class="tick" x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                       f'{esc(yfmt.format(value))}</text>')
        for value, label in xticks:
            out.append(f'<text class="tick" x="{self.x(value):.1f}" y="{bottom + 16}" text-anchor="middle">'
                       f'{esc(label)}</text>')
        out.append(f'<text class="axis" x="{(self.left + right) / 2:.1f}" y="{self.height - 6}" '
                   f'text-anchor="middle">{esc(xlabel)}</text>')
        out.append(f'<text class="axis" transform="translate(13 {(self.top + bottom) / 2:.1f}) rotate(-90)" '
                   f'text-anchor="middle">{esc(ylabel)}</text>')
        return out

    def svg(self, chart: str, title: str, body: list[str]) -> str:
        """The picture, inline: no xmlns needed in HTML, so the page holds no URL at all."""
        return (f'<svg class="chart" data-chart="{esc(chart)}" role="img" viewBox="0 0 {self.width} {self.height}" '
                f'width="{self.width}" height="{self.height}"><title>{esc(title)}</title>'
                + "".join(body) + "</svg>")


def polyline(points: Sequence[tuple[float, float]], css: str, stroke: str | None = None) -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    colour = f' stroke="{esc(stroke)}"' if stroke else ""
    return f'<polyline class="{css}"{colour} points="{coords}"/>'
