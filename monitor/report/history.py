"""`gates report --athlete NAME`: one athlete's history as a self-contained page to send them.

Their personal bests per course and start type (the one standing when the window began, each one set
since, and every session's best beside them), their weeks (high-intensity metres against their range,
sRPE load and its change, the spacing and next week's suggestion) and every session's verdict and
reason with what they logged. Every figure is the week engine's (monitor/session/week.py), as
`gates week` prints it; nothing about any other athlete is on the page.
"""

from __future__ import annotations

import datetime as dt

from monitor.present.records import fmt_time
from monitor.report import week_charts
from monitor.report.style import document
from monitor.report.svg import esc
from monitor.session import week as wk
from monitor.store.athlete_history import AthleteHistory


def _day(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9).strftime("%Y-%m-%d")


def _cell(label: str, content: str, css: str = "num") -> str:
    return f'<td class="{css}" data-label="{esc(label)}">{content}</td>'


def _figure(value: float | None, fmt: str = "{:.0f}", signed: bool = False) -> str:
    if value is None:
        return "—"
    return ("{:+.0f}" if signed else fmt).format(value)


def _badge(verdict: str | None) -> str:
    return (f'<span class="badge v-{esc(verdict)}">{esc(verdict)}</span>' if verdict
            else '<span class="badge v-none">no verdict</span>')


def _session_title(j: wk.Judged) -> str:
    s = j.summary
    return f"{_day(s.created_ns)} · session {s.session}" + (f" · {s.name}" if s.name else "")


def _pbs(history: AthleteHistory) -> str:
    blocks = list(dict.fromkeys([*history.pbs_before, *history.progression,
                                 *(b.block for j in history.sessions for b in j.summary.blocks if b.best_us)]))
    if not blocks:
        return '<p class="none">No valid rep in these weeks.</p>'
    out = []
    for block in blocks:
        rows = []
        before = history.pbs_before.get(block)
        if before is not None:
            rows.append(f'<tr>{_cell("when", f"before {esc(history.first_week)}", "when")}'
                        f'{_cell("PB", f"{fmt_time(before)} s")}{_cell("change", "—")}</tr>')
        last = before
        for j, us in history.progression.get(block, []):
            change = "first" if last is None else f"−{(last - us) / 1e6:.2f} s"
            rows.append(f'<tr class="pb-row">{_cell("when", esc(_session_title(j)), "when")}'
                        f'{_cell("PB", f"{fmt_time(us)} s")}{_cell("change", change)}</tr>')
            last = us
        points = [(j.summary.created_ns, b.best_us, block in j.new_pbs) for j in history.sessions
                  for b in j.summary.blocks if b.block == block and b.best_us is not None]
        chart = (f'<figure>{week_charts.bests(points, block, history.athlete)}<figcaption>Best time per session: '
                 f'filled dots set a PB, the line is the PB as it stood</figcaption></figure>' if points else "")
        out.append(f'<div class="block" data-block="{esc(block)}"><h4>{esc(block)}</h4>'
                   f'<div class="row">{chart}<table class="pbs compact"><thead><tr><th>when</th><th>PB</th>'
                   f'<th>change</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></div>')
    return "".join(out)


def _weeks(history: AthleteHistory) -> str:
    rows = []
    for w in history.weeks:
        low, high = w.hi_range_m
        hi = f"{w.hi_m:.0f}<small>{w.hi_status} {low:.0f}–{high:.0f}</small>" if w.sessions else "—"
        rows.append(f'<tr>{_cell("week", esc(w.week), "week")}{_cell("sessions", str(len(w.sessions)))}'
                    f'{_cell("reps", str(w.reps))}{_cell("hi reps", str(w.hi_reps))}{_cell("hi m", hi)}'
                    f'{_cell("sRPE AU", _figure(w.srpe_au))}{_cell("Δ load %", _figure(w.change_pct, signed=True))}'
                    f'{_cell("h since hard", _figure(w.hours_since_hard))}'
                    f'{_cell("next week", esc(w.suggestion or "—"), "notes")}</tr>')
    return ('<table class="weeks cards"><thead><tr><th>week</th><th>sessions</th><th>reps</th><th>hi reps</th>'
            '<th>hi m</th><th>sRPE AU</th><th>Δ load %</th><th>h since hard</th><th>next week</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _log(j: wk.Judged) -> str:
    entry = j.summary.log
    if entry is None:
        return "—"
    parts = [f"RPE {entry.rpe:g}" if entry.rpe is not None else "",
             f"{entry.minutes:g} min" if entry.minutes is not None else "",
             f"load {entry.srpe_au:.0f} AU" if entry.srpe_au is not None else "",
             f"legs {entry.legs}" if entry.legs else "", f"rest HR {entry.hr_rest}" if entry.hr_rest else "",
             entry.note]
    return esc(" · ".join(p for p in parts if p))


def _sessions(history: AthleteHistory) -> str:
    rows = []
    for j in reversed(history.sessions):  # the latest first: what the athlete opens the page for
        blocks = j.summary.blocks or ()
        runs = "".join(
            f'<div class="run"><b>{esc(b.block)}</b> {b.reps} reps · best {fmt_time(b.best_us)} s '
            f'{_badge(b.verdict)}{f" <span class=reason-inline>{esc(b.reason)}</span>" if b.reason else ""}</div>'
            for b in blocks) or "no reps"
        pbs = f" · PB on {esc(', '.join(j.new_pbs))}" if j.new_pbs else ""
        rows.append(f'<tr>{_cell("session", esc(_session_title(j)), "when")}'
                    f'{_cell("verdict and reason", runs, "runs")}'
                    f'{_cell("high intensity", f"{j.hi_reps} reps, {j.hi_m:.0f} m{pbs}", "hi")}'
                    f'{_cell("log", _log(j), "notes")}</tr>')
    if not rows:
        return '<p class="none">No sessions in these weeks.</p>'
    return ('<table class="sessions cards"><thead><tr><th>session</th><th>verdict and reason</th>'
            f'<th>high intensity</th><th>log</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


HISTORY_CSS = """
h4 { margin: 10px 0 2px; font-size: 14px; }
.run { margin: 1px 0; } .reason-inline { color: var(--muted); }
svg .band { fill: #e3f1e4; } svg .band-key { stroke: #b9dcbc; stroke-width: 8; } svg .band-key-label { fill: var(--muted); }
svg .bar.hi { fill: #3f7fbf; } svg .bar.load { fill: #8a6fbf; }
svg .pb-line { fill: none; stroke: var(--go); stroke-width: 1.5; }
svg .dot.pb { fill: var(--go); } svg .dot.not-pb { fill: #fff; stroke: var(--none); stroke-width: 1.5; }
"""


def render(history: AthleteHistory) -> str:
    name = history.athlete
    weeks = list(history.weeks)
    span = history.first_week if len(weeks) == 1 else f"{history.first_week} – {history.last_week}"
    title = f"{name} · {span}"
    sessions = history.sessions
    pb_count = sum(len(p) for p in history.progression.values())
    facts = [f"{len(sessions)} session{'' if len(sessions) == 1 else 's'}", f"{sum(j.reps for j in sessions)} valid reps",
             f"{sum(j.hi_m for j in sessions):.0f} m high intensity", f"{pb_count} PB{'' if pb_count == 1 else 's'} set"]
    charts = (f'<div class="row"><figure>{week_charts.hi_metres(weeks, name)}<figcaption>High-intensity metres per '
              f'week (valid reps at ≥ {wk.HI_PCT:g} % of the PB at the time) against the weekly range</figcaption>'
              f'</figure><figure>{week_charts.srpe(weeks, name)}<figcaption>Session RPE × minutes, summed per week '
              f'(Foster 2001)</figcaption></figure></div>')
    return document(title, facts, f"""
<section class="athlete history" id="athlete-0">
 <h2><span class="name">{esc(name)}</span> <span class="course">{len(weeks)} weeks</span></h2>
 <h3>Personal bests</h3>
 <p class="hint">Per course and start type: the PB when these weeks began, and each one set since.</p>
 {_pbs(history)}
 <h3>Weeks</h3>
 {charts}
 {_weeks(history)}
 <h3>Sessions</h3>
 {_sessions(history)}
</section>""", css=HISTORY_CSS)
