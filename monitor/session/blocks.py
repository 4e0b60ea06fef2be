"""A plan's blocks through a session: which block each rep belongs to, the analyzer that judges it
(the block's floor, reference, rest and readiness), and when the session moves on to the next block.

The session model consults this tracker; it holds no facts of its own. The move to the next block is
derived from the reps (every athlete still in the rotation has done the block's reps, within its
volume caps, or reached END) or from the coach's BLOCK annotation, so deriving a session again moves
on at the same rep as it did live. An athlete at END in a block is out of the blocks that follow.

Without a plan there is one block: the session's own rule over whatever course it is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gates.course import Course
from gates.rep import Rep
from monitor.session.analyzer import Analyzer, BlockLabel, RepResult, StopRule, Verdict
from monitor.session.plans import Block, Plan

Key = tuple[str, Course, str | None]  # (athlete, course, start type): what a PB or recent form is kept by


@dataclass(frozen=True, slots=True)
class BlockChanged:
    """The session moved on to another block: the gates to move, and who is out."""

    index: int  # 1-based: the block now running
    name: str
    course: Course
    moves: tuple[str, ...]  # "gate 2 → 150 m", for each gate that stands somewhere else now
    out: tuple[str, ...]  # athletes at END earlier: out of this block and those after it
    reason: str
    pbs: Mapping[str, int] = field(default_factory=dict)  # athlete -> PB on this block's course and start, µs


def rule_for(plan: Plan, block: Block) -> StopRule:
    """The stop rule of one block: its floor and reference; a single-rep block is judged on that rep,
    except where the floor is within the gates' noise (then it always confirms over two reps)."""
    consecutive = 2 if plan.noisy(block) else max(1, min(block.consecutive, block.reps))
    target_us = None if block.target_s is None else round(block.target_s * 1e6)
    return StopRule(floor_pct=block.floor_pct if block.against != "target" else 100.0, consecutive=consecutive,
                    against=block.against, min_rest_s=block.rest_s, target_pct=block.target_pct,
                    band_pct=block.band_pct, target_us=target_us,
                    readiness_margin_pct=plan.readiness_margin(block))


def placement(block: Block) -> dict[int, float]:
    """Gate id -> distance in this block (gates 1, 2, … in order where the block names none)."""
    ids = block.gates or tuple(range(1, block.course.gates + 1))
    return dict(zip(ids, block.course.distances_m))


def moves(before: Block, after: Block) -> tuple[str, ...]:
    was, now = placement(before), placement(after)
    return tuple(f"gate {gate} → {d:g} m" for gate, d in sorted(now.items()) if was.get(gate) != d)


class BlockTracker:
    """The blocks of `plan` (None: one block under `rule`), their analyzers, and where the session is."""

    def __init__(self, plan: Plan | None, rule: StopRule, *, pbs: Mapping[Key, int] | None = None,
                 recent: Mapping[Key, int] | None = None, profiles: bool = False) -> None:
        self.plan = plan
        self.rule = rule
        self.pbs = dict(pbs or {})
        self.recent = dict(recent or {})
        self.profiles = profiles
        self.index = 0  # 0-based: the block running now
        self.out: set[str] = set()  # at END in an earlier block
        count = len(plan.blocks) if plan is not None else 1
        self._analyzers: list[Analyzer | None] = [None] * count
        self._where: dict[int, int] = {}  # rep number -> block index

    @property
    def block(self) -> Block | None:
        return None if self.plan is None else self.plan.blocks[self.index]

    @property
    def last(self) -> bool:
        return self.index == len(self._analyzers) - 1

    def analyzer(self, index: int | None = None) -> Analyzer:
        index = self.index if index is None else index
        analyzer = self._analyzers[index]
        if analyzer is None:
            analyzer = self._analyzers[index] = self._new(index)
        return analyzer

    def analyzers(self) -> list[tuple[int, Analyzer]]:
        """(0-based index, analyzer) of every block that has judged something."""
        return [(i, a) for i, a in enumerate(self._analyzers) if a is not None]

    def _new(self, index: int) -> Analyzer:
        if self.plan is None:
            return Analyzer(self.rule, pbs=_of_start(self.pbs, None), profiles=self.profiles,
                            recent=_of_start(self.recent, None))
        block = self.plan.blocks[index]
        label = BlockLabel(index + 1, block.name, block.rep_type.value, block.start.value)
        start = block.start.value
        return Analyzer(rule_for(self.plan, block), pbs=_of_start(self.pbs, start), profiles=self.profiles,
                        block=label, recent=_of_start(self.recent, start))

    # -- reps -------------------------------------------------------------------------------------

    def enter(self, rep: Rep) -> tuple[RepResult, bool]:
        """A new rep judged in the running block, and whether it took its athlete to END (`Analyzer.enter`)."""
        index = self._where[rep.number] = self.index
        return (self._analyzers[index] or self.analyzer()).enter(rep)

    def revise(self, rep: Rep) -> list[RepResult]:
        return self.analyzer(self._where.setdefault(rep.number, self.index)).revise(rep)

    def block_of(self, number: int) -> int:
        """The 0-based block a rep was judged in."""
        return self._where.get(number, self.index)

    # -- moving on --------------------------------------------------------------------------------

    def complete(self, roster: Iterable[str]) -> bool:
        """Time to move on: the running block is `done`, and it is not the last."""
        return not self.last and self.done(roster)

    def done(self, roster: Iterable[str]) -> bool:
        """Every athlete still in the rotation (or, with no roster, every athlete seen in the block)
        has done the block's reps or reached END. Always False without a plan."""
        if self.plan is None:
            return False
        analyzer, block = self.analyzer(), self.block
        athletes = [n for n in roster if n not in self.out] or [a for a, _ in analyzer.athletes()]
        return bool(athletes) and all(self._done(analyzer, block, name) for name in athletes)

    def _done(self, analyzer: Analyzer, block: Block, athlete: str) -> bool:
        _, verdict, _ = analyzer.standing(athlete, block.course)
        return verdict is Verdict.END or analyzer.valid(athlete, block.course) >= self.reps_for(athlete)

    def reps_for(self, athlete: str) -> int:
        """The current block's reps for `athlete`, within the block's and the session's volume caps."""
        block, plan = self.block, self.plan
        assert block is not None and plan is not None
        reps = block.reps
        if block.volume_m is not None:
            reps = min(reps, math.floor(block.volume_m / block.distance_m + 1e-9))
        if plan.volume_m is not None:
            left = plan.volume_m - self.metres(athlete, before=self.index)
            reps = min(reps, max(0, math.floor(left / block.distance_m + 1e-9)))
        return reps

    def metres(self, athlete: str, before: int) -> float:
        """Metres of valid reps `athlete` ran in the blocks before `before`."""
        total = 0.0
        assert self.plan is not None
        for i, analyzer in self.analyzers():
            if i < before:
                block = self.plan.blocks[i]
                total += analyzer.valid(athlete, block.course) * block.distance_m
        return total

    def advance(self, number: int, reason: str) -> BlockChanged | None:
        """Go to block `number` (1-based); None if there is no such block or it is running already."""
        if self.plan is None or not 1 <= number <= len(self.plan.blocks) or number - 1 == self.index:
            return None
        before = self.plan.blocks[self.index]
        for i, analyzer in self.analyzers():
            course = self.plan.blocks[i].course
            self.out.update(a for a, c in analyzer.athletes() if c == course and analyzer.standing(a, c)[1] is Verdict.END)
        self.index = number - 1
        after = self.plan.blocks[self.index]
        pbs = {a: us for (a, c, s), us in self.pbs.items() if c == after.course and s == after.start.value}
        return BlockChanged(number, after.name, after.course, moves(before, after), tuple(sorted(self.out)), reason,
                            pbs)


def _of_start(bests: Mapping[Key, int], start: str | None) -> dict[tuple[str, Course], int]:
    return {(athlete, course): us for (athlete, course, s), us in bests.items() if s == start}
