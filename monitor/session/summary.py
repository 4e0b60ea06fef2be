"""What later work needs from one session, as a small value: each athlete's reps, bests and verdict per
course and start, and the session's counts. A pure function of the engine's results, so the store can
keep it as a derived row (monitor/store/summaries.py) and `gates sessions`, personal bests and the
weekly view (monitor/session/week.py) read it instead of deriving every earlier session again. The
athletes' logs (monitor/session/log.py) are facts of the session too, so they are part of it.

High-intensity work is counted against the athlete's own best of the session on that course: a valid
rep at or above HIGH_INTENSITY_PCT of it (its time at most best / 0.95). That needs nothing from other
sessions, so a session's summary changes only when its own facts (or the engine) change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from gates.course import Course
from monitor.session.analyzer import Verdict
from monitor.session.log import LogEntry

if TYPE_CHECKING:  # a summary is read without the engine; only `summarize` is handed one
    from monitor.session.model import SessionModel

HIGH_INTENSITY_PCT = 95.0
SEVERITY = (Verdict.END, Verdict.CAUTION, Verdict.GO)  # the order a verdict line names them in
_SEVERITY_VALUES = tuple(v.value for v in SEVERITY)


@dataclass(frozen=True, slots=True)
class AthleteSummary:
    """One athlete in one block (course and start type) of one session."""

    athlete: str
    course: str  # Course.label()
    start: str | None  # the block's start type; None without a plan
    block: int  # 1-based
    reps: int  # valid reps
    best_us: int | None
    verdict: str | None  # a Verdict's value
    reason: str
    high_reps: int  # valid reps at >= HIGH_INTENSITY_PCT of the best
    high_m: float  # the metres of those reps
    times_us: tuple[int, ...] = ()  # the valid reps' times, in the order run (the week judges them against PBs)
    planned: int | None = None  # the block's rep cap; None: as many as the stop rule allows
    caution: bool = False  # a CAUTION came on some rep


@dataclass(frozen=True, slots=True)
class SessionSummary:
    reps: int  # reps that count (voided, cancelled and impossible ones do not)
    abandoned: int  # starts nobody finished
    athletes: tuple[AthleteSummary, ...]  # by block, in the order each first ran
    plan: str | None = None  # the plan's name
    plan_blocks: int = 1
    logs: tuple[LogEntry, ...] = ()  # each athlete's log of the session, in the order taken

    def blocks_done(self) -> dict[str, int]:
        """Each athlete's blocks with at least one valid rep."""
        done: dict[str, set[int]] = {}
        for a in self.athletes:
            if a.reps:
                done.setdefault(a.athlete, set()).add(a.block)
        return {name: len(blocks) for name, blocks in done.items()}

    def verdicts(self) -> dict[str, str | None]:
        """Each athlete's verdict reached: on the course they ran last, if they ran several."""
        return {a.athlete: a.verdict for a in self.athletes}

    def verdict_line(self) -> str:
        return verdict_line(self.verdicts())

    def bests(self) -> dict[tuple[str, str, str | None], int]:
        """(athlete, course label, start) -> best valid rep time, µs."""
        found: dict[tuple[str, str, str | None], int] = {}
        for a in self.athletes:
            key = (a.athlete, a.course, a.start)
            if a.best_us is not None and (key not in found or a.best_us < found[key]):
                found[key] = a.best_us
        return found

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SessionSummary:
        athletes = tuple(AthleteSummary(**{**a, "times_us": tuple(a.get("times_us", ()))}) for a in data["athletes"])
        return cls(data["reps"], data["abandoned"], athletes, data.get("plan"), data.get("plan_blocks", 1),
                   tuple(LogEntry.from_data(entry) for entry in data.get("logs", ())))


def verdict_line(reached: Mapping[str, str | None]) -> str:
    """`END: Ada, Ben · CAUTION: Cleo · GO: Dev` of each athlete's verdict reached; athletes with no
    verdict yet are left out."""
    names: dict[str | None, list[str]] = {}
    for name, got in reached.items():
        names.setdefault(got, []).append(name)
    return " · ".join(f"{v}: {', '.join(names[v])}" for v in _SEVERITY_VALUES if v in names) or "-"


def course_text(course: Course) -> str:
    """The course as its label, unless the label rounds a distance: then exactly, so it parses back."""
    label = course.label()
    return label if Course.parse(label) == course else ",".join(repr(x) for x in course.distances_m)


def summarize(model: SessionModel, logs: Mapping[str, LogEntry] | None = None) -> SessionSummary:
    """The summary of a derived session (PBs and profiles play no part in it), with the athletes'
    logs (`monitor.session.log.entries` of its annotations)."""
    athletes = []
    for (block, name, course), results in model.results_by_block().items():
        best, verdict, reason = model.standing(name, course, block)
        valid = tuple(r.rep.time_us for r in results if r.rep.valid and r.rep.time_us is not None)
        high = 0 if best is None else sum(t * HIGH_INTENSITY_PCT <= best * 100.0 for t in valid)
        athletes.append(AthleteSummary(name, course_text(course), results[0].block.start, block, len(valid), best,
                                       verdict and verdict.value, reason, high, high * course.length_m, valid,
                                       model.blocks.analyzer(block - 1).rule.max_reps,
                                       any(r.verdict == Verdict.CAUTION for r in results)))
    plan = model.blocks.plan
    return SessionSummary(sum(a.reps for a in athletes), len(model.abandoned), tuple(athletes),
                          None if plan is None else plan.name, 1 if plan is None else len(plan.blocks),
                          tuple((logs or {}).values()))
