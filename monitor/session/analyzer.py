"""The drop-off analyzer: per athlete and course, how each rep compares with the session best, and
whether the coach should end that athlete's session.

Defaults follow the micro-dosing rule of thumb: stop when reps fall below 95 % of the session best
(Charlie Francis' 95 % rule; Haugen et al. 2019, Sports Medicine - Open, place speed-endurance work
above 95 % intensity). END after 2 valid reps in a row under the floor, CAUTION on the first, and no
verdict before 2 valid reps. Incremental: O(1) per rep; a voided or reassigned rep recomputes only the
athletes it touches.

The rule judges against the session best, or against the athlete's personal best on the course (`against="pb"`:
the best of earlier sessions and today's, handed in as `pbs`; with a PB there is a verdict from the first rep,
so a single long rep is judged too), or against a target band (`against="target"`: strides at a set % of the
PB, or a set time; never END, a rep outside the band is a CAUTION). A plan's block (monitor/session/plans.py)
gives each analyzer its rule, its label (`BlockLabel`, carried on every result), its minimum rest (a rep
started sooner after the athlete's previous one is flagged `short_rest`, and still counts) and the
athletes' recent form (`recent`: the first valid rep is compared with it, see `_readiness`). With `profiles` on, each valid rep also gets its
sprint profile (MSS, MAC; `gates.rep_profile`) and its MSS drop-off against the session's best MSS. A fit costs
milliseconds, so it is off by default (offline analysis of big captures) and on in the live session model; each
distinct set of splits is fitted once (`_profile`), so recomputing an athlete after a void refits nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from gates.course import Course
from gates.rep import INVALIDATING, Rep

if TYPE_CHECKING:  # the fit (and numpy) load with the first profile: reading summaries needs neither
    from gates.sprint_fit import SprintProfile

AGAINST = ("session", "pb", "target")  # what the stop rule's floor is a percentage of
PROFILE_CACHE = 1 << 14  # distinct sets of splits kept fitted: a season of reps
SHORT_REST = "short_rest"  # a rep started before the block's minimum rest was over (it still counts)


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
    against: str = "session"  # the floor is a % of the session best, of the personal best ("pb"), or a target
    min_rest_s: float = 0.0  # a rep started sooner after the athlete's previous one is flagged short_rest
    target_pct: float | None = None  # against "target": the target, % of the PB
    band_pct: float = 3.0  # ± around the target, percentage points
    target_us: int | None = None  # against "target": a set target time instead of a % of the PB
    readiness_margin_pct: float = 0.0  # the first rep may be this far under the floor of recent form

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
        if self.against == "target" and self.target_pct is None and self.target_us is None:
            raise ValueError("against target needs a target (% of the PB, or a time)")


@dataclass(frozen=True, slots=True)
class BlockLabel:
    """Which block of the plan an analyzer judges: carried on each of its results (and JSON lines)."""

    index: int = 1  # 1-based
    name: str = ""
    rep_type: str | None = None
    start: str | None = None  # block | standing | flying (None: not stated, no plan)


@dataclass(slots=True, unsafe_hash=True)
class RepResult:
    """A rep with what it means: metrics against the best at the time it was run, and the verdict.
    Treat it as immutable (`dataclasses.replace` for a changed copy; it hashes by value as a frozen
    one would): it is not frozen only because frozen construction of its 18 fields costs several
    times as much, and a capture makes one per rep."""

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
    block: BlockLabel = BlockLabel()
    floor_pct: float | None = None  # the floor the verdict applied (the band's low edge against a target)
    reference: str = "session"  # what the verdict compared with: session | pb | target
    reference_us: int | None = None  # that reference's time (session best, PB, target time)
    rest_us: int | None = None  # rest since the athlete's previous rep in this block

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
    recent_us: int | None = None  # best on this course and start in recent sessions (readiness)
    reps: list[Rep] = field(default_factory=list)  # every rep, in order, for recomputation


def _s(us: int) -> str:
    return f"{us / 1e6:.2f} s"


@lru_cache(maxsize=PROFILE_CACHE)
def _profile(course: Course, splits_us: tuple[int | None, ...]) -> SprintProfile | None:
    """The fit of one valid rep's splits: the same splits (a rep judged again) are not fitted again.
    The fitting (numpy) is imported at the first fit, so a dashboard draws before it is loaded."""
    from gates.rep_profile import rep_profile

    return rep_profile(Rep(0, "", course, 0, splits_us))


def floor_time_s(judged: RepResult | None) -> float | None:
    """The floor `judged`'s verdict applied, as a time: a valid rep slower than its reference (the
    session best or the PB) ÷ its floor % is under it. None before a valid rep, and against a target,
    whose band has a fast edge as well as a slow one. Every view draws its floor line from this."""
    if judged is None or judged.reference_us is None or not judged.floor_pct or judged.reference == "target":
        return None
    return judged.reference_us / 1e6 / (judged.floor_pct / 100.0)


class Analyzer:
    """Feed reps in finish order with `add`; `revise` takes a rep that changed (voided, reassigned,
    cancelled by the timer) and returns the recomputed results of the athletes it touches."""

    def __init__(self, rule: StopRule | None = None, *, pbs: Mapping[tuple[str, Course], int] | None = None,
                 profiles: bool = False, block: BlockLabel = BlockLabel(),
                 recent: Mapping[tuple[str, Course], int] | None = None) -> None:
        self.rule = rule or StopRule()
        self._min_rest_us = self.rule.min_rest_s * 1e6
        self.pbs = dict(pbs or {})  # (athlete, course) -> best valid rep time of earlier sessions
        self.profiles = profiles
        self.block = block
        self.recent = dict(recent or {})  # (athlete, course) -> best of recent sessions (readiness)
        self._standings: dict[tuple[str, Course], _Standing] = {}
        self._where: dict[int, tuple[str, Course]] = {}  # rep number -> standing key

    def add(self, rep: Rep) -> RepResult:
        return self.enter(rep)[0]

    def enter(self, rep: Rep) -> tuple[RepResult, bool]:
        """`add`, and whether this rep took its athlete's session to END (it was not at END before)."""
        key = (rep.athlete, rep.course)
        standing = self._standings.get(key) or self._standing(key)
        ended = bool(standing.ended)
        standing.reps.append(rep)
        self._where[rep.number] = key
        result = self._judge(standing, rep)
        return result, result.verdict is Verdict.END and not ended

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

    def valid(self, athlete: str, course: Course) -> int:
        """How many valid reps one athlete has run on one course."""
        s = self._standings.get((athlete, course))
        return 0 if s is None else s.valid

    def athletes(self) -> list[tuple[str, Course]]:
        return list(self._standings)

    def _standing(self, key: tuple[str, Course]) -> _Standing:
        standing = self._standings.get(key)
        if standing is None:
            standing = self._standings[key] = _Standing(self.pbs.get(key), recent_us=self.recent.get(key))
        return standing

    def _recompute(self, key: tuple[str, Course]) -> list[RepResult]:
        reps = self._standings[key].reps
        fresh = self._standings[key] = _Standing(self.pbs.get(key), recent_us=self.recent.get(key))
        results = []
        for rep in reps:
            fresh.reps.append(rep)
            results.append(self._judge(fresh, rep))
        return results

    def _current(self, s: _Standing) -> Verdict | None:
        if s.ended:
            return Verdict.END
        if s.valid < self._min_reps(s):
            return None
        return Verdict.CAUTION if s.under_in_a_row else Verdict.GO

    def _min_reps(self, s: _Standing) -> int:
        """Against a PB or a target there is something to compare the first rep with."""
        against = self.rule.against
        if against == "target" and (self.rule.target_us is not None or s.pb_us is not None):
            return 1
        return 1 if against == "pb" and s.pb_us is not None else self.rule.min_reps

    def _rested(self, s: _Standing, rep: Rep) -> tuple[Rep, int | None]:
        """The rep (flagged short_rest if it came too soon) and the rest since the athlete's previous rep."""
        reps, number = s.reps, rep.number
        if len(reps) > 1 and reps[-2].number < number:  # the usual case: the rep before it (rep is the last)
            previous: Rep | None = reps[-2]
        else:
            previous = next((r for r in reversed(reps) if r.number < number), None)
        if previous is None:
            return rep, None
        rest = rep.start_us - (previous.start_us + (previous.time_us or 0))
        if rest < self._min_rest_us:
            rep = replace(rep, flags=rep.flags | {SHORT_REST})
        return rep, rest

    def _judge(self, s: _Standing, rep: Rep) -> RepResult:
        # once per rep of a capture: arguments by position, reasons worded only when there is one
        rep, rest = self._rested(s, rep)
        rule, block = self.rule, self.block
        splits = rep.splits_us
        t = splits[-1] if splits else None
        if t is None or rep.flags & INVALIDATING:
            return RepResult(rep, s.best_us, None, None, None, None, "", False, None, None, s.pb_us, None, False,
                             block, rule.floor_pct, rule.against, None, rest)
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
        against = rule.against
        floor_pct: float | None = rule.floor_pct
        if against == "target":
            verdict, reason, reference, reference_us = self._target(s, t, pb_ref)
            floor_pct = None if reference_us is None else self._band(reference_us, pb_ref, t)[0]
        elif against == "pb" and intensity_pb is not None:
            verdict, reason = self._verdict(s, intensity_pb, "PB", pb_ref)
            reference, reference_us = "pb", pb_ref
        else:
            verdict, reason = self._verdict(s, intensity, "session best", best, ", no PB yet" if against == "pb" else "")
            reference, reference_us = "session", best
        if s.valid == 1 and s.recent_us is not None and against != "target" and verdict is not Verdict.END:
            verdict, reason = self._readiness(s, t, verdict, reason)
        profile = _profile(rep.course, splits) if self.profiles else None
        mss_dropoff = None
        if profile is not None:
            s.best_mss = max(s.best_mss or 0.0, profile.mss)
            mss_dropoff = (s.best_mss - profile.mss) / s.best_mss * 100.0
        return RepResult(rep, best, dropoff, intensity, sdec, verdict, reason, new_best, profile, mss_dropoff,
                         s.pb_us, intensity_pb, new_pb, block, floor_pct, reference, reference_us, rest)

    def _readiness(self, s: _Standing, t: int, verdict: Verdict | None, reason: str) -> tuple[Verdict | None, str]:
        """The block's first valid rep against recent form: clearly slower (by more than the margin,
        the gates' noise) is a CAUTION; faster makes this rep the reference it is anyway."""
        rule = self.rule
        of_recent = s.recent_us / t * 100.0
        threshold = rule.floor_pct - rule.readiness_margin_pct
        if of_recent < threshold:
            return Verdict.CAUTION, (f"below usual form: {of_recent:.1f} % of the 28-day best {_s(s.recent_us)} "
                                     f"(floor {rule.floor_pct:g} % - noise {rule.readiness_margin_pct:.1f} %): "
                                     "consider ending after this block")
        if t < s.recent_us and not reason:
            reason = f"faster than the 28-day best {_s(s.recent_us)}: the new reference"
        return verdict, reason

    def _band(self, target_us: int, pb_ref: int | None, t: int) -> tuple[float, float, float]:
        """(low, high, this rep) as % of the PB, or of the target time's implied 100 % without one."""
        rule = self.rule
        aim = rule.target_pct if rule.target_pct is not None and rule.target_us is None else None
        if aim is None:  # a set time: the band is around 100 % of it
            return 100.0 - rule.band_pct, 100.0 + rule.band_pct, target_us / t * 100.0
        assert pb_ref is not None
        return aim - rule.band_pct, aim + rule.band_pct, pb_ref / t * 100.0

    def _target(self, s: _Standing, t: int, pb_ref: int | None) -> tuple[Verdict | None, str, str, int | None]:
        """Inside the band: GO; outside (too fast as much as too slow): CAUTION, never END."""
        rule = self.rule
        if rule.target_us is not None:
            target_us = rule.target_us
        elif s.pb_us is not None and pb_ref is not None:
            target_us = round(pb_ref / (rule.target_pct / 100.0))
        else:
            return None, "no PB on this course and start: no target (set target_s)", "target", None
        low, high, got = self._band(target_us, pb_ref, t)
        of = "of PB" if rule.target_us is None else f"of target {_s(target_us)}"
        if s.ended:
            return Verdict.END, s.ended, "target", target_us
        if rule.max_reps is not None and s.valid >= rule.max_reps:
            s.ended = f"volume cap reached: {s.valid} reps"
            return Verdict.END, s.ended, "target", target_us
        if got > high:
            return Verdict.CAUTION, f"faster than the band: {got:.1f} % {of} (band {low:g}-{high:g} %)", "target", target_us
        if got < low:
            return Verdict.CAUTION, f"slower than the band: {got:.1f} % {of} (band {low:g}-{high:g} %)", "target", target_us
        return Verdict.GO, "", "target", target_us

    def _verdict(self, s: _Standing, intensity: float, of: str, of_us: int, note: str = "") -> tuple[Verdict | None, str]:
        """The stop rule on one more valid rep at `intensity` % of the reference (`of` at `of_us`, `note`)."""
        rule = self.rule
        under = intensity < rule.floor_pct
        s.under_in_a_row = s.under_in_a_row + 1 if under else 0
        if s.ended:
            return Verdict.END, s.ended
        if s.valid < self._min_reps(s):
            return None, ""
        if s.under_in_a_row >= rule.consecutive:
            s.ended = (f"{s.under_in_a_row} rep{'s' if s.under_in_a_row > 1 else ''} under {rule.floor_pct:g} % "
                       f"of {of} {_s(of_us)}{note}")
            return Verdict.END, s.ended
        if rule.max_reps is not None and s.valid >= rule.max_reps:
            s.ended = f"volume cap reached: {s.valid} reps"
            return Verdict.END, s.ended
        if under:
            return Verdict.CAUTION, f"rep under {rule.floor_pct:g} % of {of} {_s(of_us)}{note} ({intensity:.1f} %)"
        return Verdict.GO, ""
