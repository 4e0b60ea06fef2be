"""The report's heart-rate section: per strapped athlete, a small inline-SVG HR trace for each rep
(15 s before the finish to 90 s after, the finish and the minute after marked) with HR at the finish
and HRR60 under it. The figures are monitor.session.heart's, as the dashboard and review show them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gates.heartrate import HrSample
from gates.hr_recovery import TRACE_AFTER_NS, TRACE_BEFORE_NS, trace
from monitor.present.heart import fmt_bpm, hearts_of
from monitor.report.svg import Plot, esc, nice_ticks, polyline
from monitor.session.heart import RepHeart
from monitor.store.saved import SavedSession

CSS = """
section.heart .traces { display: flex; flex-wrap: wrap; gap: 10px; }
section.heart figure { width: 250px; }
svg .hr { fill: none; stroke: #c62828; stroke-width: 1.6; }
svg .finish { stroke: var(--ink); stroke-width: 1; stroke-dasharray: 3 3; }
svg .minute { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 1 3; }
"""


def rep_trace(heart: RepHeart, samples: Sequence[HrSample]) -> str:
    points = trace(samples, heart.finish_ns)
    if not points:
        return '<p class="none">no reading around this rep</p>'
    bpms = [b for _, b in points]
    ticks = nice_ticks(min(bpms) - 5, max(bpms) + 5, 3)
    plot = Plot(-TRACE_BEFORE_NS / 1e9, TRACE_AFTER_NS / 1e9, ticks[0], ticks[-1], width=250, height=130,
                left=38, right=8, top=10, bottom=30)
    body = plot.axes([(t, f"{t:g}") for t in (0, 30, 60, 90)], ticks, "s from the finish", "bpm")
    for x, css in ((0.0, "finish"), (60.0, "minute")):
        body.append(f'<line class="{css}" x1="{plot.x(x):.1f}" x2="{plot.x(x):.1f}" y1="{plot.top}" '
                    f'y2="{plot.height - plot.bottom}"/>')
    body.append(polyline([(plot.x(t), plot.y(b)) for t, b in points], "hr"))
    return plot.svg("hr-trace", f"heart rate around rep {heart.number}", body)


def _caption(heart: RepHeart) -> str:
    hr = heart.hr
    text = f"#{heart.number}: HR {fmt_bpm(hr.finish_bpm)} at the finish · HRR60 {fmt_bpm(hr.hrr60)}"
    return text + (f" (peak {hr.peak_bpm})" if hr.peak_bpm is not None else "")


def section(hearts: Mapping[int, RepHeart], samples: Mapping[str, Sequence[HrSample]]) -> str:
    by_athlete: dict[str, list[RepHeart]] = {}
    for number in sorted(hearts):
        by_athlete.setdefault(hearts[number].athlete, []).append(hearts[number])
    parts = []
    for athlete, reps in by_athlete.items():
        figures = "".join(f"<figure>{rep_trace(h, samples[athlete])}<figcaption>{esc(_caption(h))}</figcaption>"
                          "</figure>" for h in reps)
        parts.append(f'<h3>{esc(athlete)}</h3><div class="traces">{figures}</div>')
    return ('\n<section class="athlete heart" id="heart-rate"><h2>Heart rate</h2>'
            '<p class="hint">Each rep from 15 s before its finish (dashed) to 90 s after; dotted: the minute '
            'HRR60 is read at (HR at the finish minus HR 60 s later).</p>' + "".join(parts) + "</section>\n")


def with_heart(page: str, saved: SavedSession, athlete: str | None = None) -> str:
    """The report page with its heart-rate section (nothing changes for a session without straps);
    with `athlete`, theirs alone, as the page is."""
    hearts = {number: h for number, h in hearts_of(saved.model.ordered_results(), saved.events, saved.hr).items()
              if athlete is None or h.athlete == athlete}
    if not hearts:
        return page
    page = page.replace("</style>", CSS + "</style>", 1)
    return page.replace("\n</main>", section(hearts, saved.hr) + "</main>", 1)
