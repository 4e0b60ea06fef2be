"""A stored session as the athlete looks back on it: per athlete and course, every rep with its result,
the best and the verdict reached, derived from the store exactly as the live session judged it.

Shared by `gates review` and `gates sessions`, so both say the same thing about a session. Every
figure (best, verdict, reason, sprint profile) is the engine's, read from its results, never redone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gates.course import Course
from monitor.present.heart import hearts_of
from monitor.session.analyzer import RepResult, StopRule, Verdict, floor_time_s
from monitor.session.heart import RepHeart
from monitor.session.model import SessionModel
from monitor.store import db as st

SEVERITY = (Verdict.END, Verdict.CAUTION, Verdict.GO)  # the order a summary names them in


@dataclass(frozen=True, slots=True)
class AthleteDigest:
    """One athlete on one course: their reps in the order run, and where they stood at the end."""

    name: str
    course: Course
    results: tuple[RepResult, ...]
    best_us: int | None
    verdict: Verdict | None
    reason: str
    block: int = 1  # the plan's block (1-based) these reps were judged in
    block_name: str = ""

    @property
    def valid(self) -> int:
        return sum(r.rep.valid for r in self.results)

    @property
    def judged(self) -> RepResult | None:
        """The last rep that counted: its verdict, reference and floor are where the athlete stood."""
        return next((r for r in reversed(self.results) if r.rep.valid), None)


@dataclass(frozen=True, slots=True)
class SessionDigest:
    info: st.SessionInfo
    rule: StopRule
    athletes: tuple[AthleteDigest, ...]  # in the order each first ran (per block, with a plan)
    abandoned: int  # starts nobody finished
    plan: str | None = None  # the plan's name
    plan_blocks: int = 1
    hearts: dict[int, RepHeart] = field(default_factory=dict)  # rep number -> its HR (strapped athletes)

    def blocks_done(self) -> dict[str, int]:
        """Each athlete's blocks with at least one valid rep."""
        done: dict[str, set[int]] = {}
        for a in self.athletes:
            if a.valid:
                done.setdefault(a.name, set()).add(a.block)
        return {name: len(blocks) for name, blocks in done.items()}

    def floors_pct(self) -> list[float]:
        """The floors the verdicts applied, highest first (each block of a plan has its own, whatever
        the command line said); none against a target, whose band is not one floor."""
        judged = (a.judged for a in self.athletes)
        return sorted({r.floor_pct for r in judged if floor_time_s(r) is not None}, reverse=True)  # type: ignore[misc]

    @property
    def reps(self) -> int:
        """Reps that count (voided, cancelled and impossible ones do not)."""
        return sum(a.valid for a in self.athletes)

    @property
    def courses(self) -> tuple[Course, ...]:
        return tuple(dict.fromkeys(a.course for a in self.athletes))

    def verdicts(self) -> dict[str, Verdict | None]:
        """Each athlete's verdict reached: on the course they ran last, if they ran several."""
        return {a.name: a.verdict for a in self.athletes}

    def verdict_line(self) -> str:
        """`END: Ada, Ben · CAUTION: Cleo · GO: Dev`; athletes with no verdict yet are left out."""
        reached = self.verdicts()
        parts = [f"{v.value}: {', '.join(n for n, got in reached.items() if got is v)}"
                 for v in SEVERITY if v in reached.values()]
        return " · ".join(parts) or "-"


def digest(store: st.SessionStore, session: int) -> SessionDigest:
    """The session `session` of `store` (StoreError if there is none), derived from its rows."""
    info = store.session(session)
    events = list(store.events(session))
    model = SessionModel.derive(events, store.annotations(session))
    athletes = []
    for (block, name, course), results in model.results_by_block().items():
        best, verdict, reason = model.standing(name, course, block)
        athletes.append(AthleteDigest(name, course, tuple(results), best, verdict, reason, block,
                                      results[0].block.name))
    plan = model.blocks.plan
    return SessionDigest(info, model.settings.rule, tuple(athletes), len(model.abandoned),
                         None if plan is None else plan.name, 1 if plan is None else len(plan.blocks),
                         hearts_of(model.ordered_results(), events, store.hr_samples(session)))

