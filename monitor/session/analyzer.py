"""The drop-off analyzer: per athlete and course, how each rep compares with the session best, and
whether the coach should end that athlete's session.

Defaults follow the micro-dosing rule of thumb: stop when reps fall below 95 % of the session best
(Charlie Francis' 95 % rule; Haugen et al. 2019, Sports Medicine - Open, place speed-endurance work
above 95 % intensity). END after 2 valid reps in a row under the floor, CAUTION on the first, and no
verdict before 2 valid reps. Incremental: O(1) per rep; a voided or reassigned rep recomputes only the
athletes it touches.

The rule judges against the session best, or against the athlete's personal best on the course (`against="pb"`:
the best of earlier sessions and today's, handed in as `pbs`). With `profiles` on, each valid rep also gets its
sprint profile (MSS, MAC; `gates.rep_profile`) and its MSS drop-off against the session's best MSS. A fit costs
milliseconds, so it is off by default (offline analysis of big captures) and on in the live session model; each
distinct set of splits is fitted once (`_profile`), so recomputing an athlete after a void refits nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from gates.course import Course
from gates.rep import Rep
from gates.rep_profile import rep_profile
from gates.sprint_fit import SprintProfile

AGAINST = ("session", "pb")  # what the stop rule's floor is a percentage of
PROFILE_CACHE = 1 << 14  # distinct sets of splits kept fitted: a season of reps


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
    against: str = "session"  # the floor is a % of the session best, or of the personal best ("pb")

    def __post_init__(self) -> None:
        if self.against not in AGAINST:
            raise ValueError(f"against must be one of {', '.join(AGAINST)}, got {self.against!r}")
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
    profile: SprintProfile | None = None  # with `profiles` on, for a valid rep whose splits fit
    mss_dropoff_pct: float | None = None  # against the best MSS of the session so far
    pb_us: int | None = None  # the personal best from earlier sessions on this course
    intensity_pb_pct: float | None = None  # against the better of that PB and today's best
    new_pb: bool = False  # faster than every earlier session and every earlier rep today

    @property
    def mss(self) -> float | None:
        return None if self.profile is None else self.profile.mss

    @property
    def mac(self) -> float | None:
        return None if self.profile is None else self.profile.mac


@dataclass(slots=True)
class _Standing:
    """One athlete on one course: running sums, so each rep costs O(1)."""

    pb_us: int | None  # from earlier sessions (None: the first time on this course)
    best_us: int | None = None
    best_mss: float | None = None
    total_us: int = 0
    valid: int = 0
    under_in_a_row: int = 0
    ended: str = ""  # the reason, once END was reached (END stays: the session is over for them)
    reps: list[Rep] = field(default_factory=list)  # every rep, in order, for recomputation


def _s(us: int) -> str:
    return f"{us / 1e6:.2f} s"


@lru_cache(maxsize=PROFILE_CACHE)
def _profile(course: Course, splits_us: tuple[int | None, ...]) -> SprintProfile | None:
    """The fit of one valid rep's splits: the same splits (a rep judged again) are not fitted again."""
    return rep_profile(Rep(0, "", course, 0, splits_us))


def floor_time_s(best_us: int | None, floor_pct: float) -> float | None:
    """A valid rep slower than this is under the floor (intensity = best / t < floor)."""
    return None if best_us is None else best_us / 1e6 / (floor_pct / 100.0)


class Analyzer:
    """Feed reps in finish order with `add`; `revise` takes a rep that changed (voided, reassigned,
    cancelled by the timer) and returns the recomputed results of the athletes it touches."""

    def __init__(self, rule: StopRule | None = None, *, pbs: Mapping[tuple[str, Course], int] | None = None,
                 profiles: bool = False) -> None:
        self.rule = rule or StopRule()
        self.pbs = dict(pbs or {})  # (athlete, course) -> best valid rep time of earlier sessions
        self.profiles = profiles
        self._standings: dict[tuple[str, Course], _Standing] = {}
        self._where: dict[int, tuple[str, Course]] = {}  # rep number -> standing key

    def add(self, rep: Rep) -> RepResult:
        key = (rep.athlete, rep.course)
        standing = self._standing(key)
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
        target = self._standing(new_key)
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

    def _standing(self, key: tuple[str, Course]) -> _Standing:
        standing = self._standings.get(key)
        if standing is None:
            standing = self._standings[key] = _Standing(self.pbs.get(key))
        return standing

    def _recompute(self, key: tuple[str, Course]) -> list[RepResult]:
        reps = self._standings[key].reps
        fresh = self._standings[key] = _Standing(self.pbs.get(key))
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
            return RepResult(rep, s.best_us, pb_us=s.pb_us)
        pb_ref, new_pb = None, False  # pb_ref: the best ever on this course, this rep included
        if s.pb_us is not None:
            before = s.pb_us if s.best_us is None else min(s.pb_us, s.best_us)
            pb_ref, new_pb = min(t, before), t < before
        new_best = s.best_us is None or t < s.best_us
        if new_best:
            s.best_us = t
        best = s.best_us
        s.valid += 1
        s.total_us += t
        intensity = best / t * 100.0
        dropoff = (t - best) / best * 100.0
        sdec = (s.total_us / (best * s.valid) - 1.0) * 100.0
        intensity_pb = None if pb_ref is None else pb_ref / t * 100.0
        if self.rule.against == "pb" and intensity_pb is not None:
            verdict, reason = self._verdict(s, intensity_pb, f"PB {_s(pb_ref)}")
        else:
            no_pb = ", no PB yet" if self.rule.against == "pb" else ""
            verdict, reason = self._verdict(s, intensity, f"session best {_s(best)}{no_pb}")
        profile = _profile(rep.course, rep.splits_us) if self.profiles else None
        mss_dropoff = None
        if profile is not None:
            s.best_mss = max(s.best_mss or 0.0, profile.mss)
            mss_dropoff = (s.best_mss - profile.mss) / s.best_mss * 100.0
        return RepResult(rep, best, dropoff, intensity, sdec, verdict, reason, new_best, profile, mss_dropoff,
                         s.pb_us, intensity_pb, new_pb)

    def _verdict(self, s: _Standing, intensity: float, of: str) -> tuple[Verdict | None, str]:
        """The stop rule on one more valid rep at `intensity` % of the reference `of` names."""
        rule = self.rule
        under = intensity < rule.floor_pct
        s.under_in_a_row = s.under_in_a_row + 1 if under else 0
        if s.ended:
            return Verdict.END, s.ended
        if s.valid < rule.min_reps:
            return None, ""
        if s.under_in_a_row >= rule.consecutive:
            s.ended = f"{s.under_in_a_row} reps under {rule.floor_pct:g} % of {of}"
            return Verdict.END, s.ended
        if rule.max_reps is not None and s.valid >= rule.max_reps:
            s.ended = f"volume cap reached: {s.valid} reps"
            return Verdict.END, s.ended
        if under:
            return Verdict.CAUTION, f"rep under {rule.floor_pct:g} % of {of} ({intensity:.1f} %)"
        return Verdict.GO, ""
