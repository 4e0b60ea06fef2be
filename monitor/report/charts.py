"""The report's three charts for one athlete on one course, as inline SVG.

Rep times against the best and the floor (best ÷ floor %: slower than that is under the floor),
drop-off per rep against the floor's drop-off, and the fitted velocity curves v(t) = MSS·(1 − e^(−t/τ))
with each segment's measured mean speed, so a coach sees where in the sprint the speed went.
"""

from __future__ import annotations

from collections.abc import Sequence

from gates.sprint_fit import SprintProfile
from gates.sprint_model import velocity_at_time
from monitor.present.words import not_counted_flag
from monitor.report.svg import Plot, esc, nice_ticks, polyline
from monitor.session.analyzer import RepResult

CURVE_POINTS = 48


def verdict_class(result: RepResult) -> str:
    if not result.rep.valid:
        return "v-invalid"
    return f"v-{result.verdict.value}" if result.verdict is not None else "v-none"


def curve_colour(index: int, count: int) -> str:
    """Early reps light, late reps dark: fatigue reads as the curves darkening downwards."""
    share = index / max(count - 1, 1)
    return f"hsl(212, 70%, {68 - 40 * share:.0f}%)"


def _per_rep_width(reps: int) -> int:
    """Wide enough that each rep's label and value keep about 44 px, however many reps an athlete ran."""
    return max(520, 66 + 44 * reps)


def _rep_ticks(results: Sequence[RepResult]) -> list[tuple[float, str]]:
    return [(i, f"#{r.rep.number}") for i, r in enumerate(results)]


def rep_times(results: Sequence[RepResult], floor_pct: float, name: str) -> str:
    timed = [(i, r) for i, r in enumerate(results) if r.rep.time_us is not None]
    best_us = results[-1].best_us if results else None  # the engine's best after the athlete's last rep
    floor_s = None if best_us is None else best_us / 1e6 / (floor_pct / 100)
    values = [r.rep.time_us / 1e6 for _, r in timed] + ([best_us / 1e6, floor_s] if best_us is not None else [])
    lo, hi = min(values, default=0.0), max(values, default=1.0)
    pad = max((hi - lo) * 0.15, 0.05)
    plot = Plot(-0.5, len(results) - 0.5, lo - pad, hi + pad, width=_per_rep_width(len(results)))
    body = plot.axes(_rep_ticks(results), nice_ticks(lo - pad, hi + pad), "rep (session number)", "time (s)",
                     "{:.2f}")
    if best_us is not None:
        body += [plot.hline(floor_s, "floor"), plot.hline(best_us / 1e6, "best")]
        body += plot.legend([("best", f"best {best_us / 1e6:.2f} s"),
                             ("floor", f"floor: {floor_pct:g} % of best = {floor_s:.2f} s")])
    valid = [(plot.x(i), plot.y(r.rep.time_us / 1e6)) for i, r in timed if r.rep.valid]
    if len(valid) > 1:
        body.append(polyline(valid, "trend"))
    for i, r in timed:
        x, y = plot.x(i), plot.y(r.rep.time_us / 1e6)
        body.append(f'<circle class="dot {verdict_class(r)}" cx="{x:.1f}" cy="{y:.1f}" r="5">'
                    f'<title>rep {r.rep.number}: {r.rep.time_us / 1e6:.2f} s</title></circle>')
        body.append(f'<text class="value" x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle">'
                    f'{r.rep.time_us / 1e6:.2f}</text>')
    return plot.svg("rep-times", f"Rep times of {name}", body)


def dropoff(results: Sequence[RepResult], floor_pct: float, name: str) -> str:
    threshold = (100 / floor_pct - 1) * 100  # a rep this much slower than the best is at the floor
    top = max([threshold, *(r.dropoff_pct for r in results if r.dropoff_pct is not None)]) * 1.2
    plot = Plot(-0.5, len(results) - 0.5, 0.0, max(top, 1.0), width=_per_rep_width(len(results)))
    body = plot.axes(_rep_ticks(results), nice_ticks(0.0, max(top, 1.0)), "rep (session number)", "drop-off (%)")
    half = (plot.x(1) - plot.x(0)) * 0.3
    for i, r in enumerate(results):
        x = plot.x(i)
        if r.dropoff_pct is None:
            body.append(f'<text class="note" x="{x:.1f}" y="{plot.y(0) - 6:.1f}" text-anchor="middle">'
                        f'{esc(not_counted_flag(r.rep))}</text>')
            continue
        y = plot.y(r.dropoff_pct)
        body.append(f'<rect class="bar {verdict_class(r)}" x="{x - half:.1f}" y="{y:.1f}" width="{2 * half:.1f}" '
                    f'height="{max(plot.y(0) - y, 1.0):.1f}"><title>rep {r.rep.number}: {r.dropoff_pct:.1f} % '
                    f'slower than the best</title></rect>')
        body.append(f'<text class="value" x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle">{r.dropoff_pct:.1f}</text>')
    body += [plot.hline(threshold, "floor"), *plot.legend([("floor", f"floor: {threshold:.1f} % slower than best")])]
    return plot.svg("dropoff", f"Drop-off per rep of {name}", body)


def velocity(fitted: Sequence[tuple[RepResult, SprintProfile]], name: str) -> str:
    """One fitted curve per rep (light to dark in rep order), dots at each segment's measured mean speed."""
    end_s = max(r.rep.time_us / 1e6 for r, _ in fitted)
    top = max([p.mss for _, p in fitted] + [v for r, _ in fitted for v in r.rep.segment_speeds() if v]) * 1.1
    plot = Plot(0.0, end_s, 0.0, top)
    body = plot.axes([(t, f"{t:g}") for t in nice_ticks(0.0, end_s)], nice_ticks(0.0, top), "time from the start (s)",
                     "speed (m/s)")
    for index, (result, profile) in enumerate(fitted):
        colour = curve_colour(index, len(fitted))
        rep_s = result.rep.time_us / 1e6
        times = [rep_s * k / (CURVE_POINTS - 1) for k in range(CURVE_POINTS)]
        body.append(polyline([(plot.x(t), plot.y(velocity_at_time(t, profile.mss, profile.tau))) for t in times],
                             "curve", colour))
        bounds = (0, *result.rep.splits_us)
        for a, b, speed in zip(bounds, bounds[1:], result.rep.segment_speeds()):
            if speed is not None:
                body.append(f'<circle class="measured" fill="{esc(colour)}" cx="{plot.x((a + b) / 2e6):.1f}" '
                            f'cy="{plot.y(speed):.1f}" r="3"><title>rep {result.rep.number}: {speed:.2f} m/s '
                            f'measured</title></circle>')
    return plot.svg("velocity", f"Sprint velocity curves of {name}", body)
