"""`gates report`'s page: one self-contained HTML file a coach can mail, print or open years later.

Everything is inline (CSS and SVG charts) and the page names no URL at all, so it renders the same
offline and leaks nothing. Per athlete and course: a summary card, rep times against the floor,
drop-off per rep, the splits with segment speeds, and the sprint profile of every valid rep
(the engine's own, as live and in review). Every name that came from a
user is escaped.
"""

from __future__ import annotations

import time

from gates.sprint_fit import SprintProfile
from monitor.present.records import fmt_pct, fmt_time
from monitor.present.words import not_counted_flag
from monitor.report import charts
from monitor.report.style import document
from monitor.report.svg import esc
from monitor.session.analyzer import RepResult
from monitor.store.saved import SavedSession


def _when(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ns / 1e9))


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _verdict(result: RepResult | None) -> str:
    if result is None or result.verdict is None:
        return '<span class="badge v-none">no verdict yet</span>'
    return f'<span class="badge v-{result.verdict.value}">{result.verdict.value}</span>'


def _notes(result: RepResult) -> str:
    rep = result.rep
    words = [not_counted_flag(rep)] if not rep.valid else []
    words += sorted(flag for flag in rep.flags if flag not in words)
    words = [word.replace("_", " ") for word in words]
    if result.new_best and rep.valid:
        words.append("new best")
    if result.reason:
        words.append(result.reason)
    return esc(" · ".join(words))


def _cell(label: str, content: str, css: str = "num") -> str:
    """A table cell that names its column: on a phone each row is a card of labelled cells (style.py)."""
    return f'<td class="{css}" data-label="{esc(label)}">{content}</td>'


def _splits_table(results: list[RepResult]) -> str:
    course = results[0].rep.course
    start = course.distances_m[0]
    gates = [f"{d - start:g} m" for d in course.distances_m[1:]]
    head = "".join(f"<th>{g}</th>" for g in gates)
    rows = []
    for r in results:
        cells = "".join(
            _cell(gate, f'{fmt_time(split)}<small>{"—" if speed is None else f"{speed:.2f} m/s"}</small>')
            for gate, split, speed in zip(gates, r.rep.splits_us, r.rep.segment_speeds()))
        struck = "" if r.rep.valid else ' class="invalid"'
        rows.append(f'<tr{struck}>{_cell("rep", f"#{r.rep.number}", "rep")}{cells}'
                    f'{_cell("drop-off %", fmt_pct(r.dropoff_pct))}{_cell("intensity %", fmt_pct(r.intensity_pct))}'
                    f'{_cell("% PB", fmt_pct(r.intensity_pb_pct))}'
                    f'{_cell("verdict", _verdict(r) if r.verdict is not None else "", "verdict")}'
                    f'{_cell("notes", _notes(r), "notes")}</tr>')
    return (f'<table class="splits cards"><thead><tr><th>rep</th>{head}<th>drop-off %</th><th>intensity %</th>'
            f'<th>% PB</th><th>verdict</th><th>notes</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _pb_facts(results: list[RepResult]) -> list[str]:
    """The PB this block was judged against (stored with the session's start, as the engine used it),
    and how today's best stands against it."""
    pb_us = results[0].pb_us
    valid = [r for r in results if r.rep.valid and r.rep.time_us is not None]
    if pb_us is None:
        return ["no PB before this session: its best is the first"] if valid else []
    facts = [f"PB before {fmt_time(pb_us)} s"]
    if valid:  # the engine's % PB of the fastest rep: against the better of the PB and today's best so far
        best = min(valid, key=lambda r: r.rep.time_us)
        facts.append(f"best {fmt_pct(best.intensity_pb_pct)} % PB")
    if any(r.new_pb for r in valid):
        facts.append(f"new PB {fmt_time(min(r.rep.time_us for r in valid if r.new_pb))} s")
    return facts


def _profile_table(fitted: list[tuple[RepResult, SprintProfile]]) -> str:
    rows = "".join(
        f'<tr><td class="rep"><span class="swatch" style="background:{charts.curve_colour(i, len(fitted))}"></span>'
        f'#{r.rep.number}</td><td class="num">{p.mss:.2f}</td><td class="num">{p.mac:.2f}</td>'
        f'<td class="num">{p.tau:.3f}</td><td class="num">{p.pmax:.1f}</td>'
        f'<td class="num">{p.rmse_s * 1000:.1f}</td></tr>'
        for i, (r, p) in enumerate(fitted))
    return ('<table class="profile compact"><thead><tr><th>rep</th><th>MSS m/s</th><th>MAC m/s²</th><th>τ s</th>'
            f'<th>PMAX W/kg</th><th>fit RMSE ms</th></tr></thead><tbody>{rows}</tbody></table>')


def _floor_words(result: RepResult) -> str:
    """The rule the verdict applied, naming its reference: "floor 95 % of PB 3.60 s"."""
    if result.reference == "target":  # the band is in the verdict's reason, as the engine words it
        return f"against the {charts.reference_words(result)}"
    return f"floor {result.floor_pct:g} % of {charts.reference_words(result)}" if result.floor_pct else ""


def _athlete(index: int, results: list[RepResult], show_course: bool) -> str:
    rep = results[0].rep
    name = rep.athlete
    valid = [r for r in results if r.rep.valid]
    last = valid[-1] if valid else None
    fitted = [(r, r.profile) for r in valid if r.profile is not None]
    block = results[0].block
    where = f"{rep.course.label()} m" + (f" · block {block.index}: {block.name}" if block.name else "")
    course = f' <span class="course">{esc(where)}</span>' if show_course or block.name else ""
    facts = [f"{len(valid)} of {len(results)} reps valid",
             f"best {fmt_time(last.best_us)} s" if last else "no valid rep",
             f"Sdec {fmt_pct(last.sdec_pct)} %" if last else "", _floor_words(last) if last else ""]
    facts += _pb_facts(results)
    if fitted:
        facts.append(f"MSS up to {max(p.mss for _, p in fitted):.2f} m/s")
    reason = f'<p class="reason">{esc(last.reason)}</p>' if last and last.reason else ""
    profile = (f'<div class="row"><figure>{charts.velocity(fitted, name)}<figcaption>Fitted velocity (lines) and '
               f'measured segment speed (dots), early reps light, late reps dark</figcaption></figure>'
               f'{_profile_table(fitted)}</div>' if fitted else '<p class="none">No rep to fit a profile to.</p>')
    return f"""
<section class="athlete" id="athlete-{index}">
 <h2><span class="name">{esc(name)}</span>{course} {_verdict(last)}</h2>
 <p class="facts">{esc(" · ".join(f for f in facts if f))}</p>{reason}
 <div class="row">
  <figure>{charts.rep_times(results, last, name)}<figcaption>Rep time (s): {esc(_above_floor(last))}hollow: a rep
  that does not count</figcaption></figure>
  <figure>{charts.dropoff(results, last, name)}
  <figcaption>Drop-off against the session best so far</figcaption></figure>
 </div>
 <h3>Splits</h3>
 <p class="hint">Cumulative time from the start gate (s), segment speed below.</p>
 {_splits_table(results)}
 <h3>Sprint profile</h3>
 {profile}
</section>"""


def _nav(groups: list[list[RepResult]]) -> str:
    """A link to each athlete's section; with several blocks, under each block's name (an athlete who
    ran two blocks has a section in each)."""
    links, block = [], None
    several = len({g[0].block.index for g in groups}) > 1
    for i, group in enumerate(groups):
        label = group[0].block
        if several and label.index != block:
            block = label.index
            links.append(f'<span class="block">block {label.index}: {esc(label.name)}</span>')
        links.append(f'<a href="#athlete-{i}">{esc(group[0].rep.athlete)}</a>')
    return "".join(links)


def athletes_of(saved: SavedSession) -> list[str]:
    """The athletes with a rep in the session, in the order they first ran."""
    return list(dict.fromkeys(r.rep.athlete for r in saved.model.ordered_results()))


def _above_floor(result: RepResult | None) -> str:
    if result is None or result.reference_us is None or not result.floor_pct or result.reference == "target":
        return ""
    return (f"a rep above the dashed floor is under {result.floor_pct:g} % of the "
            f"{charts.REFERENCE_WORDS.get(result.reference, result.reference)}; ")


def render(saved: SavedSession, athlete: str | None = None) -> str:
    """The session's page; with `athlete`, theirs alone: no other athlete's name or figure is on it
    (the unfinished starts, which belong to nobody, are left out too)."""
    info, model = saved.info, saved.model
    rule = model.settings.rule
    athletes = [g for g in model.results_by_block().values()  # per block, athlete and course
                if athlete is None or g[0].rep.athlete == athlete]
    several_courses = len({g[0].rep.course for g in athletes}) > 1
    title = (f"{athlete} · " if athlete else "") + f"Session {info.id}" + (f" · {info.name}" if info.name else "") \
        + f" · {_when(info.created_ns)}"
    state = f"ended {_when(info.ended_ns)}" if info.ended_ns else "not ended"
    plan = model.blocks.plan
    reps = sum(len(g) for g in athletes)
    facts = [f"plan {plan.name}" if plan else f"course {info.course or '—'} m", _count(reps, "rep"),
             *([] if athlete else [_count(len(model.abandoned), "unfinished start")]),
             _count(len(plan.blocks), "block") if plan else
             f"floor {rule.floor_pct:g} % of {charts.REFERENCE_WORDS.get(rule.against, rule.against)}, "
             f"END after {rule.consecutive} in a row", state]
    nav = "" if athlete else _nav(athletes)
    sections = "".join(_athlete(i, g, several_courses) for i, g in enumerate(athletes))
    body = sections or '<p class="none">No reps in this session.</p>'
    return document(title, facts, body, nav=nav)
