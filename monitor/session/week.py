"""The week: per athlete and ISO week, high-intensity volume, load, spacing and next week's suggestion.

Every weekly figure is computed here and only here; `gates week`, the history page, export and review
read these. Three steps, each a pure function:

1. `athlete_sessions(...)`: one session's summary (monitor/session/summary.py, which the store keeps
   as derived rows under the session's fact mark), per athlete (`SessionSummary`: the valid rep times
   per block, verdicts, the log). It depends on that session's facts alone.
2. `judge(summaries)`: the sessions in date order, each rep against the athlete's reference for that
   block: the faster of the personal best before the session and the session best so far (this rep
   included, as the engine's intensity). A valid rep at >= 95 % of it is high intensity; a session
   with one such rep is a hard session (Haugen et al. 2019, Sports Med - Open 5:44: 48-72 h between them).
3. `weeks(judged, ...)`: per athlete and ISO week, the totals, the change against the week before, the
   spacing and the suggestion, whose one-line reason quotes the athlete's own numbers.

A block is the course and the start type (None without a plan); two blocks of a plan on the same
course and start count as one.
Progression follows the micro-dosing practice: one more rep after two clean weeks at the same reps
(every planned rep run, no CAUTION, no END), or for speed endurance the next distance step
(70 → 90 → 110 → 150 m, 180 m for 200/400 m runners); hold when the week's load rose more than
`max_rise_pct`; step back when END came early in two sessions or the legs were logged heavy or sore
twice in a week ("if fatigue lingers").
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gates.course import Course
from monitor.session import log as athlete_log
from monitor.session import summary as derived
from monitor.session.analyzer import Verdict
from monitor.session.model import SessionModel

HI_PCT = 95.0  # a rep at or above this % of the athlete's reference is high intensity
HARD_GAP_H = 48.0  # Haugen et al. 2019: 48-72 h between high-intensity sessions
HI_RANGE_M = (1000.0, 2000.0)  # weekly acceleration and high-speed running, the NSCA's typical figure
MAX_RISE_PCT = 20.0  # a week's sRPE load rising more than this over the week before: hold
SE_STEPS_M = (70.0, 90.0, 110.0, 150.0)  # speed-endurance distance steps
WEEK_NS = 7 * 86_400 * 10**9
SE_LAST_NOTE = "150 m is the last step (180 m for 200/400 m runners)"
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class WeekError(ValueError):
    """A week that does not parse, or does not exist."""


# -- 1. one session, boiled down -------------------------------------------------------------------

def block_label(course: str, start: str | None) -> str:
    """`0,10,20,30 m flying`: how the week names a block (the course label, the start type if known)."""
    return f"{course} m" + (f" {start}" if start else "")


@dataclass(frozen=True, slots=True)
class BlockRun:
    """One athlete on one block in one session."""

    course: str  # the course label, 0,10,20,30
    start: str | None  # block, standing, flying (None until plans say)
    metres: float  # the timed distance of one rep
    times_us: tuple[int, ...]  # the valid reps' times, in the order run
    planned: int | None  # reps planned (the volume cap), None: as many as the stop rule allows
    caution: bool  # a CAUTION came on some rep
    verdict: str | None  # where the athlete stood at the end: GO, CAUTION, END
    reason: str

    @property
    def block(self) -> str:
        return block_label(self.course, self.start)

    @property
    def reps(self) -> int:
        return len(self.times_us)

    @property
    def ended_early(self) -> bool:
        """END before the planned reps were run (with no plan, any END: the floor stopped them)."""
        return self.verdict == Verdict.END and (self.planned is None or self.reps < self.planned)

    @property
    def clean(self) -> bool:
        """Every planned rep run with no CAUTION and no early END."""
        return not self.caution and not self.ended_early and (self.planned is None or self.reps >= self.planned)

    @property
    def best_us(self) -> int | None:
        return min(self.times_us, default=None)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One athlete in one session: what the week needs of it (a cache stores exactly this)."""

    session: int
    created_ns: int  # when the session began (wall clock): its date and ISO week
    name: str
    athlete: str
    blocks: tuple[BlockRun, ...]
    log: athlete_log.LogEntry | None

    def as_dict(self) -> dict:
        return {"session": self.session, "created_ns": self.created_ns, "name": self.name, "athlete": self.athlete,
                "blocks": [{"course": b.course, "start": b.start, "metres": b.metres, "times_us": list(b.times_us),
                            "planned": b.planned, "caution": b.caution, "verdict": b.verdict, "reason": b.reason}
                           for b in self.blocks],
                "log": None if self.log is None else self.log.as_data()}

    @classmethod
    def from_dict(cls, data: dict) -> SessionSummary:
        blocks = tuple(BlockRun(b["course"], b["start"], b["metres"], tuple(b["times_us"]), b["planned"],
                                b["caution"], b["verdict"], b["reason"]) for b in data["blocks"])
        entry = None if data["log"] is None else athlete_log.LogEntry.from_data(data["log"])
        return cls(data["session"], data["created_ns"], data["name"], data["athlete"], blocks, entry)


def summarize(session: int, created_ns: int, name: str, model: SessionModel,
              logs: Mapping[str, athlete_log.LogEntry]) -> list[SessionSummary]:
    """Each athlete of a derived session (reps or a log) as a SessionSummary, in the order they first ran."""
    summary = derived.summarize(model, logs)
    return athlete_sessions(session, created_ns, name, summary.athletes, summary.logs)


def athlete_sessions(session: int, created_ns: int, name: str, athletes: Iterable[derived.AthleteSummary],
                     logs: Iterable[athlete_log.LogEntry]) -> list[SessionSummary]:
    """A session's summary rows (monitor/session/summary.py) per athlete, in the order they first ran;
    an athlete with a log and no rep too."""
    runs = [(a.athlete, block_run(a.course, a.start, a.times_us, a.planned, a.caution, a.verdict, a.reason))
            for a in athletes]
    return athlete_runs(session, created_ns, name, runs, logs)


def block_run(course: str, start: str | None, times_us: tuple[int, ...], planned: int | None, caution: bool,
              verdict: str | None, reason: str) -> BlockRun:
    """One athlete's block of a session from what its summary row keeps."""
    return BlockRun(course, start, _metres(course), times_us, planned, caution, verdict, reason)


def athlete_runs(session: int, created_ns: int, name: str, runs: Iterable[tuple[str, BlockRun]],
                 logs: Iterable[athlete_log.LogEntry]) -> list[SessionSummary]:
    """(athlete, block) pairs of a session, in the order run, and its logs, as one SessionSummary per athlete."""
    blocks: dict[str, list[BlockRun]] = {}
    for athlete, run in runs:
        blocks.setdefault(athlete, []).append(run)
    entries = {entry.athlete: entry for entry in logs}
    for athlete in entries:
        blocks.setdefault(athlete, [])
    return [SessionSummary(session, created_ns, name, athlete, tuple(runs), entries.get(athlete))
            for athlete, runs in blocks.items()]


@functools.cache
def _metres(course: str) -> float:
    """The timed distance of a course as the summary writes it (parsed once per course)."""
    return Course.parse(course).length_m


# -- 2. each session against what came before ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class Judged:
    """A summary with its reps judged against the athlete's reference at the time."""

    summary: SessionSummary
    hi_reps: int
    hi_m: float
    pb_before: dict[str, int]  # block -> personal best before this session (blocks run before)
    new_pbs: tuple[str, ...]  # blocks where this session set a personal best

    @property
    def hard(self) -> bool:
        return self.hi_reps > 0

    @property
    def athlete(self) -> str:
        return self.summary.athlete

    @property
    def reps(self) -> int:
        return sum(b.reps for b in self.summary.blocks)


def high_intensity(times_us: Sequence[int], pb_before: int | None) -> int:
    """How many of a session's valid rep times (in order) are at >= HI_PCT % of the faster of the PB
    before the session and the session best so far (the rep itself included)."""
    best = pb_before
    count = 0
    for t in times_us:
        best = t if best is None else min(best, t)
        count += best / t * 100.0 >= HI_PCT
    return count


def judge(summaries: Iterable[SessionSummary], pbs: Mapping[tuple[str, str], int] | None = None) -> list[Judged]:
    """Every summary in date order, judged against the bests of the sessions before it: those among
    `summaries`, and `pbs` ((athlete, block) -> µs) for the sessions before the first of them."""
    pbs = dict(pbs or {})
    out = []
    for s in sorted(summaries, key=lambda s: (s.created_ns, s.session)):
        hi_reps, hi_m, before, new = 0, 0.0, {}, []
        for b in s.blocks:
            key = (s.athlete, b.block)
            pb = pbs.get(key)
            if pb is not None:
                before[b.block] = pb
            hi = high_intensity(b.times_us, pb)
            hi_reps += hi
            hi_m += hi * b.metres
            if b.best_us is not None and (pb is None or b.best_us < pb):
                pbs[key] = b.best_us
                new.append(b.block)
        out.append(Judged(s, hi_reps, hi_m, before, tuple(new)))
    return out


# -- 3. the weeks ----------------------------------------------------------------------------------

def iso_week(ns: int) -> str:
    """`2026-W49`: the ISO week of a wall-clock time, in local time (the coach's calendar)."""
    year, week, _ = dt.datetime.fromtimestamp(ns / 1e9).isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> str:
    """A week as typed (2026-W49), checked; WeekError if it does not parse or does not exist."""
    match = _WEEK.fullmatch(text.strip())
    if not match:
        raise WeekError(f"{text!r} is not an ISO week like 2026-W49")
    try:
        dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise WeekError(f"{text!r}: {match[1]} has no week {int(match[2])}") from None
    return f"{match[1]}-W{match[2]}"


def week_monday(week: str) -> dt.date:
    year, number = week.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1)


def week_start_ns(week: str) -> int:
    """Monday 00:00 of `week`, local time, in Unix ns."""
    return int(dt.datetime.combine(week_monday(week), dt.time()).timestamp()) * 10**9


def shift_week(week: str, by: int) -> str:
    year, number, _ = (week_monday(week) + dt.timedelta(weeks=by)).isocalendar()
    return f"{year}-W{number:02d}"


@dataclass(frozen=True, slots=True)
class Suggestion:
    block: str | None  # None: for the whole week (load, legs)
    action: str  # "one more rep", "next distance", "keep", "hold", "step back"
    why: str  # one line from the athlete's own numbers

    def line(self) -> str:
        where = f"{self.block}: " if self.block else ""
        return f"{where}{self.action}: {self.why}"


@dataclass(frozen=True, slots=True)
class Week:
    """One athlete's ISO week."""

    athlete: str
    week: str
    sessions: tuple[Judged, ...]
    srpe_au: float | None  # sum of the logged loads (None: nothing logged)
    change_pct: float | None  # sRPE load against the week before
    hi_m_change_pct: float | None  # high-intensity metres against the week before
    hours_since_hard: float | None  # at the week's last session: hours since the hard session before it
    hi_range_m: tuple[float, float]
    suggestions: tuple[Suggestion, ...] = field(default=())

    @property
    def reps(self) -> int:
        return sum(j.reps for j in self.sessions)

    @property
    def hi_reps(self) -> int:
        return sum(j.hi_reps for j in self.sessions)

    @property
    def hi_m(self) -> float:
        return sum(j.hi_m for j in self.sessions)

    @property
    def hi_status(self) -> str:
        low, high = self.hi_range_m
        return "under" if self.hi_m < low else "over" if self.hi_m > high else "in range"

    @property
    def tired_legs(self) -> int:
        return sum(j.summary.log is not None and j.summary.log.tired for j in self.sessions)

    def bests(self) -> dict[str, int]:
        """Best valid time per block this week, µs."""
        out: dict[str, int] = {}
        for j in self.sessions:
            for b in j.summary.blocks:
                if b.best_us is not None:
                    out[b.block] = min(out.get(b.block, b.best_us), b.best_us)
        return out

    @property
    def suggestion(self) -> str | None:
        return "; ".join(s.line() for s in self.suggestions) or None

    def record(self) -> dict:
        """The `gates week --json` line."""
        return {"athlete": self.athlete, "week": self.week, "sessions": len(self.sessions), "reps": self.reps,
                "hi_reps": self.hi_reps, "hi_m": round(self.hi_m, 1), "hi_range_m": list(self.hi_range_m),
                "hi_status": self.hi_status,
                "bests_s": {k: round(v / 1e6, 3) for k, v in self.bests().items()},
                "srpe_au": _round(self.srpe_au), "change_pct": _round(self.change_pct),
                "hi_m_change_pct": _round(self.hi_m_change_pct),
                "hours_since_hard": _round(self.hours_since_hard), "tired_legs": self.tired_legs,
                "suggestion": self.suggestion,
                "suggestions": [{"block": s.block, "action": s.action, "why": s.why} for s in self.suggestions]}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or not before:
        return None
    return (now - before) / before * 100.0


def weeks(judged: Sequence[Judged], *, last: str, count: int, athlete: str | None = None,
          hi_range_m: Mapping[str, tuple[float, float]] | None = None,
          default_range_m: tuple[float, float] = HI_RANGE_M, max_rise_pct: float = MAX_RISE_PCT) -> list[Week]:
    """Per athlete (alphabetical) and week, the `count` weeks up to `last`, for every athlete with a
    session in them. `judged` is the whole history in date order (`judge`): the weeks before the
    window still give the first week its change and its spacing."""
    window = [shift_week(last, -k) for k in range(count - 1, -1, -1)]
    wanted = set(window)
    by_athlete: dict[str, dict[str, list[Judged]]] = {}
    last_hard: dict[int, int | None] = {}  # id(judged) -> created_ns of the athlete's hard session before it
    hard_so_far: dict[str, int] = {}
    for j in judged:
        if athlete is not None and j.athlete != athlete:
            continue
        last_hard[id(j)] = hard_so_far.get(j.athlete)
        if j.hard:
            hard_so_far[j.athlete] = j.summary.created_ns
        by_athlete.setdefault(j.athlete, {}).setdefault(iso_week(j.summary.created_ns), []).append(j)
    out = []
    for name in sorted(by_athlete):
        per_week = by_athlete[name]
        if not wanted & per_week.keys():
            continue
        limits = (hi_range_m or {}).get(name, default_range_m)
        for week in window:
            sessions = tuple(per_week.get(week, ()))
            hard = last_hard[id(sessions[-1])] if sessions else None
            since = None if hard is None else (sessions[-1].summary.created_ns - hard) / 3.6e12
            out.append(_week(name, week, sessions, per_week.get(shift_week(week, -1), []), since, limits,
                             max_rise_pct))
    return out


def _load(sessions: Sequence[Judged]) -> float | None:
    loads = [j.summary.log.srpe_au for j in sessions if j.summary.log is not None and j.summary.log.srpe_au is not None]
    return sum(loads) if loads else None


def _week(name: str, week: str, sessions: tuple[Judged, ...], before: Sequence[Judged], since: float | None,
          limits: tuple[float, float], max_rise_pct: float) -> Week:
    load = _load(sessions)
    change = _change(load, _load(before))
    hi_change = _change(sum(j.hi_m for j in sessions) if sessions else None, sum(j.hi_m for j in before))
    draft = Week(name, week, sessions, load, change, hi_change, since, limits)
    return Week(name, week, sessions, load, change, hi_change, since, limits, tuple(suggest(draft, before, max_rise_pct)))


def suggest(week: Week, before: Sequence[Judged], max_rise_pct: float = MAX_RISE_PCT) -> list[Suggestion]:
    """Next week's suggestion for one athlete, from this week and the week before."""
    if not week.sessions:
        return []
    if week.tired_legs >= 2:
        return [Suggestion(None, "step back", f"legs logged heavy or sore {week.tired_legs} times this week")]
    runs: dict[str, list[tuple[SessionSummary, BlockRun]]] = {}
    for j in (*before, *week.sessions):
        for b in j.summary.blocks:
            runs.setdefault(b.block, []).append((j.summary, b))
    early = [(s, b) for block in runs.values() for s, b in block if b.ended_early]
    if len(early) >= 2:
        shown = ", ".join(f"{_day(s.created_ns)} after {b.reps} reps" for s, b in early[-2:])
        return [Suggestion(None, "step back", f"END came early in {len(early)} sessions in two weeks ({shown})")]
    if week.change_pct is not None and week.change_pct > max_rise_pct:
        load_before = week.srpe_au / (1 + week.change_pct / 100.0)
        return [Suggestion(None, "hold", f"sRPE load rose {week.change_pct:.0f} % ({load_before:.0f} → "
                                         f"{week.srpe_au:.0f} AU), more than {max_rise_pct:g} %")]
    this_week = {b.block for j in week.sessions for b in j.summary.blocks}
    earlier = {id(j.summary) for j in before}
    return [_progress(block, runs[block], earlier) for block in runs if block in this_week]


def _day(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9).strftime("%a %d %b")


def _progress(block: str, runs: list[tuple[SessionSummary, BlockRun]], earlier: set[int]) -> Suggestion:
    """One block over the two weeks: progress after two clean weeks at the same reps, else keep, saying why."""
    last_week = [b for s, b in runs if id(s) in earlier]
    this_week = [b for s, b in runs if id(s) not in earlier]
    dirty = next(((s, b) for s, b in reversed(runs) if not b.clean), None)
    if dirty is not None:
        s, b = dirty
        what = (f"END after {b.reps} reps" if b.ended_early else
                f"{b.reps} of {b.planned} planned reps" if b.planned and b.reps < b.planned else
                "a CAUTION")
        return Suggestion(block, "keep", f"{what} on {_day(s.created_ns)}: two clean weeks before a step")
    reps = max(b.planned or b.reps for b in this_week)
    if not last_week:
        return Suggestion(block, "keep", f"one clean week at {reps} reps: one more clean week to progress")
    before = max(b.planned or b.reps for b in last_week)
    if reps > before:
        return Suggestion(block, "keep", f"reps went up from {before} to {reps} this week: two clean weeks at {reps}")
    sessions = len(runs)
    metres = this_week[-1].metres
    if metres in SE_STEPS_M:
        step = SE_STEPS_M.index(metres)
        if step + 1 == len(SE_STEPS_M):
            return Suggestion(block, "keep", f"two clean weeks at {reps} × {metres:g} m; {SE_LAST_NOTE}")
        return Suggestion(block, "next distance", f"{SE_STEPS_M[step + 1]:g} m: two clean weeks of {reps} × "
                                                   f"{metres:g} m ({sessions} sessions, no CAUTION or END)")
    return Suggestion(block, "one more rep", f"{reps + 1} reps: two clean weeks at {reps} reps "
                                             f"({sessions} sessions, no CAUTION or END)")


# -- spacing, for a session about to start ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Spacing:
    """Where an athlete stands as a session starts: hours since the last hard session, and this ISO
    week's high-intensity metres against their weekly range."""

    athlete: str
    hours_since_hard: float | None
    hi_m_this_week: float
    hi_range_m: tuple[float, float]

    @property
    def too_soon(self) -> bool:
        return self.hours_since_hard is not None and self.hours_since_hard < HARD_GAP_H

    def line(self) -> str:
        low, high = self.hi_range_m
        spacing = ("no hard session yet" if self.hours_since_hard is None else
                   f"last hard session {self.hours_since_hard:.0f} h ago" + (" (< 48 h)" if self.too_soon else ""))
        return f"{spacing} · {self.hi_m_this_week:.0f} m high-intensity this week (range {low:.0f}–{high:.0f} m)"


def spacing(judged: Sequence[Judged], athlete: str, now_ns: int,
            hi_range_m: tuple[float, float] = HI_RANGE_M) -> Spacing:
    """`athlete` at `now_ns` from the sessions before it."""
    mine = [j for j in judged if j.athlete == athlete and j.summary.created_ns <= now_ns]
    hard = [j for j in mine if j.hard]
    since = (now_ns - hard[-1].summary.created_ns) / 3.6e12 if hard else None
    week = iso_week(now_ns)
    this_week = sum(j.hi_m for j in mine if iso_week(j.summary.created_ns) == week)
    return Spacing(athlete, since, this_week, hi_range_m)


def spacings(judged: Sequence[Judged], athletes: Iterable[str], now_ns: int,
             hi_range_m: Mapping[str, tuple[float, float]] | None = None,
             default_range_m: tuple[float, float] = HI_RANGE_M) -> dict[str, Spacing]:
    """Each of `athletes` as a session starts at `now_ns` (`spacing`), with their own weekly range
    where `hi_range_m` gives one: what the dashboard marks at session start."""
    ranges = hi_range_m or {}
    return {name: spacing(judged, name, now_ns, ranges.get(name, default_range_m)) for name in dict.fromkeys(athletes)}


def pb_progression(judged: Sequence[Judged], athlete: str) -> dict[str, list[tuple[Judged, int]]]:
    """Per block, each session that set a personal best, with the time (the first session's best counts)."""
    out: dict[str, list[tuple[Judged, int]]] = {}
    for j in judged:
        if j.athlete != athlete:
            continue
        for b in j.summary.blocks:
            if b.block in j.new_pbs and b.best_us is not None:
                out.setdefault(b.block, []).append((j, b.best_us))
    return out
