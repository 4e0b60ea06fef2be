"""The history page's charts, as inline SVG: weekly high-intensity metres against the athlete's weekly
range, weekly sRPE load, and each block's best time per session with the PB line stepping down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from monitor.report.svg import Plot, esc, nice_ticks, polyline
from monitor.session import week as wk

WIDTH = 520  # the charts scale down to the screen (max-width: 100%), keeping their proportions


def _day(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9).strftime("%d %b")


def _week_ticks(weeks: Sequence[wk.Week]) -> list[tuple[float, str]]:
    """W49 under each bar; with many weeks every few, so the labels never run into each other."""
    every = max(1, len(weeks) // 10 + (len(weeks) % 10 > 0))
    return [(i, w.week.split("-")[1]) for i, w in enumerate(weeks) if i % every == 0 or i == len(weeks) - 1]


def _bars(plot: Plot, values: Sequence[float | None], css: str, unit: str, weeks: Sequence[wk.Week]) -> list[str]:
    half = (plot.x(1) - plot.x(0)) * 0.32
    out = []
    for i, (value, week) in enumerate(zip(values, weeks)):
        if value is None:
            continue
        x, y = plot.x(i), plot.y(value)
        out.append(f'<rect class="bar {css}" x="{x - half:.1f}" y="{y:.1f}" width="{2 * half:.1f}" '
                   f'height="{max(plot.y(0) - y, 0.5):.1f}"><title>{esc(week.week)}: {value:.0f} {unit}</title></rect>')
        if len(weeks) <= 12:
            out.append(f'<text class="value" x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value:.0f}</text>')
    return out


def hi_metres(weeks: Sequence[wk.Week], name: str) -> str:
    low, high = weeks[-1].hi_range_m
    top = max([high, *(w.hi_m for w in weeks)]) * 1.15
    plot = Plot(-0.5, len(weeks) - 0.5, 0.0, top, width=WIDTH)
    body = plot.axes(_week_ticks(weeks), nice_ticks(0.0, top), "ISO week", "high-intensity m")
    band_top, band_bottom = plot.y(high), plot.y(low)
    body.append(f'<rect class="band" x="{plot.left}" y="{band_top:.1f}" width="{plot.width - plot.left - plot.right}" '
                f'height="{band_bottom - band_top:.1f}"><title>weekly range {low:.0f}–{high:.0f} m</title></rect>')
    body += _bars(plot, [w.hi_m if w.sessions else None for w in weeks], "hi", "m", weeks)
    body += plot.legend([("band-key", f"weekly range {low:.0f}–{high:.0f} m")])
    return plot.svg("hi-metres", f"Weekly high-intensity metres of {name}", body)


def srpe(weeks: Sequence[wk.Week], name: str) -> str:
    values = [w.srpe_au for w in weeks]
    top = max([1.0, *(v for v in values if v is not None)]) * 1.15
    plot = Plot(-0.5, len(weeks) - 0.5, 0.0, top, width=WIDTH)
    body = plot.axes(_week_ticks(weeks), nice_ticks(0.0, top), "ISO week", "sRPE load (AU)")
    return plot.svg("srpe", f"Weekly sRPE load of {name}", body + _bars(plot, values, "load", "AU", weeks))


def bests(points: Sequence[tuple[int, int, bool]], block: str, name: str) -> str:
    """Each session's best on `block`: (created_ns, best µs, set a PB), oldest first; PBs as filled dots
    joined by the PB line, other sessions hollow."""
    times = [us / 1e6 for _, us, _ in points]
    lo, hi = min(times), max(times)
    pad = max((hi - lo) * 0.15, 0.05)
    plot = Plot(-0.5, len(points) - 0.5, lo - pad, hi + pad, width=WIDTH)
    every = max(1, len(points) // 8 + (len(points) % 8 > 0))
    ticks = [(i, _day(ns)) for i, (ns, _, _) in enumerate(points) if i % every == 0]
    body = plot.axes(ticks, nice_ticks(lo - pad, hi + pad), "session", "best time (s)", "{:.2f}")
    steps: list[tuple[float, float]] = []  # the PB line: level until the next PB, then down to it
    for i, (_, us, pb) in enumerate(points):
        if pb:
            if steps:
                steps.append((plot.x(i), steps[-1][1]))
            steps.append((plot.x(i), plot.y(us / 1e6)))
    if steps:
        steps.append((plot.x(len(points) - 1), steps[-1][1]))
        body.append(polyline(steps, "pb-line"))
    for i, (ns, us, pb) in enumerate(points):
        body.append(f'<circle class="dot {"pb" if pb else "not-pb"}" cx="{plot.x(i):.1f}" cy="{plot.y(us / 1e6):.1f}" '
                    f'r="4.5"><title>{esc(_day(ns))}: {us / 1e6:.2f} s{" (PB)" if pb else ""}</title></circle>')
    return plot.svg("bests", f"Best time per session of {name} on {block}", body)
