"""A rep: one athlete's run over the course, as cumulative split times."""

from __future__ import annotations

from dataclasses import dataclass, field

from gates.course import Course

# Flags a rep can carry. Any of INVALIDATING makes a rep count for nothing in the analysis.
INCOMPLETE = "incomplete"  # no finish seen before the timeout
IMPOSSIBLE = "impossible"  # a segment faster than any human: a stray or a missed-then-double break
MISSED_GATE = "missed_gate"  # an intermediate gate saw nothing; its split is None
CANCELLED = "cancelled"  # the timer cancelled its finish impulse
VOIDED = "voided"  # the coach voided it
DNS, DNF, DSQ = "dns", "dnf", "dsq"  # a status the timer gave the athlete's run (Microgate P, A, Q)
INVALIDATING = frozenset({INCOMPLETE, IMPOSSIBLE, CANCELLED, VOIDED, DNS, DNF, DSQ})


@dataclass(frozen=True, slots=True)
class Rep:
    """Splits are cumulative microseconds after the start, one per gate after the start gate.

    `splits_us[-1]` is the rep time; None marks a gate that saw nothing. `start_us` is the start on
    the session clock, so a rep can be found again among raw events.
    """

    number: int
    athlete: str
    course: Course
    start_us: int
    splits_us: tuple[int | None, ...]
    flags: frozenset[str] = field(default_factory=frozenset)
    start_number: int | None = None

    @property
    def time_us(self) -> int | None:
        return self.splits_us[-1] if self.splits_us else None

    @property
    def valid(self) -> bool:
        return self.time_us is not None and not (self.flags & INVALIDATING)

    def segment_speeds(self) -> tuple[float | None, ...]:
        """Mean speed (m/s) over each segment whose both ends were seen."""
        bounds = (0, *self.splits_us)
        out: list[float | None] = []
        for seg, a, b in zip(self.course.segments_m, bounds, bounds[1:]):
            out.append(seg / ((b - a) / 1e6) if a is not None and b is not None and b > a else None)
        return tuple(out)
