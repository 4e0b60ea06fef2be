"""The report's three charts for one athlete on one course, as inline SVG.

Rep times against the reference the verdicts used (the session best, the PB or the target, as the
engine's results name it) and the floor (reference ÷ floor %: slower than that is under the floor),
drop-off per rep against the session best, and the fitted velocity curves v(t) = MSS·(1 − e^(−t/τ))
with each segment's measured mean speed, so a coach sees where in the sprint the speed went.
"""

from __future__ import annotations

from collections.abc import Sequence

from gates.sprint_fit import SprintProfile
from gates.sprint_model import velocity_at_time
from monitor.present.words import not_counted_flag
from monitor.report.svg import Plot, esc, nice_ticks, polyline
from monitor.session.analyzer import RepResult, floor_time_s

CURVE_POINTS = 48
REFERENCE_WORDS = {"session": "session best", "pb": "PB", "target": "target"}


def reference_words(result: RepResult) -> str:
    """What a verdict compared the rep with, with its time: "PB 3.60 s" (or just the word without one)."""
    word = REFERENCE_WORDS.get(result.reference, result.reference)
    return word if result.reference_us is None else f"{word} {result.reference_us / 1e6:.2f} s"


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


def rep_times(results: Sequence[RepResult], judged: RepResult | None, name: str) -> str:
    """`judged`: the result whose verdict stands (the athlete's last valid rep): its reference and floor."""
    timed = [(i, r) for i, r in enumerate(results) if r.rep.time_us is not None]
    ref_us = None if judged is None else judged.reference_us
    floor_s = floor_time_s(judged)
    lines = [x for x in (None if ref_us is None else ref_us / 1e6, floor_s) if x is not None]
    values = [r.rep.time_us / 1e6 for _, r in timed] + lines
    lo, hi = min(values, default=0.0), max(values, default=1.0)
    pad = max((hi - lo) * 0.15, 0.05)
    plot = Plot(-0.5, len(results) - 0.5, lo - pad, hi + pad, width=_per_rep_width(len(results)))
    body = plot.axes(_rep_ticks(results), nice_ticks(lo - pad, hi + pad), "rep (session number)", "time (s)",
                     "{:.2f}")
    if ref_us is not None:
        assert judged is not None
        body.append(plot.hline(ref_us / 1e6, "best"))
        legend = [("best", reference_words(judged))]
        if floor_s is not None:
            body.append(plot.hline(floor_s, "floor"))
            word = REFERENCE_WORDS.get(judged.reference, judged.reference)
            legend.append(("floor", f"floor: {judged.floor_pct:g} % of {word} = {floor_s:.2f} s"))
        body += plot.legend(legend)
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


def dropoff(results: Sequence[RepResult], judged: RepResult | None, name: str) -> str:
    """Drop-off is against the session best; its floor line only where the verdicts were too."""
    floor_pct = None if judged is None or judged.reference != "session" else judged.floor_pct
    threshold = None if not floor_pct else (100 / floor_pct - 1) * 100  # this much slower than the best: the floor
    top = max([threshold or 0.0, *(r.dropoff_pct for r in results if r.dropoff_pct is not None)]) * 1.2
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
    if threshold is not None:
        body += [plot.hline(threshold, "floor"),
                 *plot.legend([("floor", f"floor: {threshold:.1f} % slower than session best")])]
    elif judged is not None:
        body += plot.legend([("best", f"verdicts against the {reference_words(judged)}: see the rep times")])
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
