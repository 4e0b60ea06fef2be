"""The drop-off analyzer: per athlete and course, how each rep compares with the session best, and
whether the coach should end that athlete's session.

Defaults follow the micro-dosing rule of thumb: stop when reps fall below 95 % of the session best
(Charlie Francis' 95 % rule; Haugen et al. 2019, Sports Medicine - Open, place speed-endurance work
above 95 % intensity). END after 2 valid reps in a row under the floor, CAUTION on the first, and no
verdict before 2 valid reps. Incremental: O(1) per rep; a voided or reassigned rep recomputes only the
athletes it touches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from gates.course import Course
from gates.rep import Rep


class Verdict(StrEnum):
    GO = "GO"
    CAUTION = "CAUTION"
    END = "END"


@dataclass(frozen=True, slots=True)
class StopRule:
    floor_pct: float = 95.0  # intensity floor, % of the session best
    consecutive: int = 2  # valid reps in a row under the floor that end the session
    min_reps: int = 2  # no verdict before this many valid reps
    max_reps: int | None = None  # volume cap: END once this many valid reps are done

    def __post_init__(self) -> None:
        if not 0 < self.floor_pct <= 100:
            raise ValueError(f"floor must be a percentage in (0, 100], got {self.floor_pct:g}")
        if self.consecutive < 1:
            raise ValueError(f"consecutive must be at least 1, got {self.consecutive}")
        if self.min_reps < 1:
            raise ValueError(f"min reps must be at least 1, got {self.min_reps}")
        if self.max_reps is not None and self.max_reps < 1:
            raise ValueError(f"max reps must be at least 1, got {self.max_reps}")


@dataclass(frozen=True, slots=True)
class RepResult:
    """A rep with what it means: metrics against the best at the time it was run, and the verdict."""

    rep: Rep
    best_us: int | None = None
    dropoff_pct: float | None = None
    intensity_pct: float | None = None
    sdec_pct: float | None = None
    verdict: Verdict | None = None
    reason: str = ""
    new_best: bool = False


@dataclass(slots=True)
class _Standing:
    """One athlete on one course: running sums, so each rep costs O(1)."""

    best_us: int | None = None
    total_us: int = 0
    valid: int = 0
    under_in_a_row: int = 0
    ended: str = ""  # the reason, once END was reached (END stays: the session is over for them)
    reps: list[Rep] = field(default_factory=list)  # every rep, in order, for recomputation


def _s(us: int) -> str:
    return f"{us / 1e6:.2f} s"


class Analyzer:
    """Feed reps in finish order with `add`; `revise` takes a rep that changed (voided, reassigned,
    cancelled by the timer) and returns the recomputed results of the athletes it touches."""

    def __init__(self, rule: StopRule | None = None) -> None:
        self.rule = rule or StopRule()
        self._standings: dict[tuple[str, Course], _Standing] = {}
        self._where: dict[int, tuple[str, Course]] = {}  # rep number -> standing key

    def add(self, rep: Rep) -> RepResult:
        key = (rep.athlete, rep.course)
        standing = self._standings.setdefault(key, _Standing())
        standing.reps.append(rep)
        self._where[rep.number] = key
        return self._judge(standing, rep)

    def revise(self, rep: Rep) -> list[RepResult]:
        """Replace the rep with the same number and recompute every athlete it belongs or belonged to."""
        old_key = self._where.get(rep.number)
        touched: list[tuple[str, Course]] = []
        if old_key is not None:
            old = self._standings[old_key]
            old.reps = [r for r in old.reps if r.number != rep.number]
            touched.append(old_key)
        new_key = (rep.athlete, rep.course)
        target = self._standings.setdefault(new_key, _Standing())
        target.reps.append(rep)
        target.reps.sort(key=lambda r: r.number)
        self._where[rep.number] = new_key
        if new_key not in touched:
            touched.append(new_key)
        results: list[RepResult] = []
        for key in touched:
            results.extend(self._recompute(key))
        return results

    def standing(self, athlete: str, course: Course) -> tuple[int | None, Verdict | None, str]:
        """Best, current verdict and its reason for one athlete on one course."""
        s = self._standings.get((athlete, course))
        if s is None:
            return None, None, ""
        return s.best_us, self._current(s), s.ended

    def athletes(self) -> list[tuple[str, Course]]:
        return list(self._standings)

    def _recompute(self, key: tuple[str, Course]) -> list[RepResult]:
        reps = self._standings[key].reps
        fresh = _Standing()
        self._standings[key] = fresh
        results = []
        for rep in reps:
            fresh.reps.append(rep)
            results.append(self._judge(fresh, rep))
        return results

    def _current(self, s: _Standing) -> Verdict | None:
        if s.ended:
            return Verdict.END
        if s.valid < self.rule.min_reps:
            return None
        return Verdict.CAUTION if s.under_in_a_row else Verdict.GO

    def _judge(self, s: _Standing, rep: Rep) -> RepResult:
        t = rep.time_us
        if not rep.valid or t is None:
            return RepResult(rep, s.best_us)
        rule = self.rule
        new_best = s.best_us is None or t < s.best_us
        if new_best:
            s.best_us = t
        best = s.best_us
        s.valid += 1
        s.total_us += t
        intensity = best / t * 100.0
        dropoff = (t - best) / best * 100.0
        sdec = (s.total_us / (best * s.valid) - 1.0) * 100.0
        under = intensity < rule.floor_pct
        s.under_in_a_row = s.under_in_a_row + 1 if under else 0
        verdict: Verdict | None
        reason = ""
        if s.ended:
            verdict, reason = Verdict.END, s.ended
        elif s.valid < rule.min_reps:
            verdict = None
        elif s.under_in_a_row >= rule.consecutive:
            verdict = Verdict.END
            reason = s.ended = (f"{s.under_in_a_row} reps under {rule.floor_pct:g} % of best {_s(best)}")
        elif rule.max_reps is not None and s.valid >= rule.max_reps:
            verdict = Verdict.END
            reason = s.ended = f"volume cap reached: {s.valid} reps"
        elif under:
            verdict = Verdict.CAUTION
            reason = f"rep under {rule.floor_pct:g} % of best {_s(best)} ({intensity:.1f} %)"
        else:
            verdict = Verdict.GO
        return RepResult(rep, best, dropoff, intensity, sdec, verdict, reason, new_best)
