"""Course and athlete values: where the gates stand, and who runs."""

from __future__ import annotations

import math
from dataclasses import dataclass


class CourseError(ValueError):
    """A course text that is not a list of increasing distances."""


@dataclass(frozen=True, slots=True)
class Course:
    """Ordered gate distances in metres; gate 0 is the start line."""

    distances_m: tuple[float, ...]

    def __post_init__(self) -> None:
        d = self.distances_m
        if len(d) < 2:
            raise CourseError(f"a course needs at least two gates, got {len(d)}")
        if not all(math.isfinite(x) for x in d):
            raise CourseError("gate distances must be finite numbers")
        if any(x < 0 for x in d):
            raise CourseError("gate distances must not be negative")
        if any(b <= a for a, b in zip(d, d[1:])):
            raise CourseError("gate distances must increase strictly")

    @classmethod
    def parse(cls, text: str) -> Course:
        """Parse `0,10,20,30` (metres)."""
        try:
            values = tuple(float(part) for part in text.split(","))
        except ValueError:
            raise CourseError(f"{text!r} is not a comma-separated list of distances in metres") from None
        try:
            return cls(values)
        except CourseError as err:
            raise CourseError(f"{text!r}: {err}") from None

    @property
    def gates(self) -> int:
        return len(self.distances_m)

    @property
    def length_m(self) -> float:
        return self.distances_m[-1] - self.distances_m[0]

    @property
    def segments_m(self) -> tuple[float, ...]:
        d = self.distances_m
        return tuple(b - a for a, b in zip(d, d[1:]))

    def label(self) -> str:
        return ",".join(f"{x:g}" for x in self.distances_m)


@dataclass(frozen=True, slots=True)
class Athlete:
    """A runner in the session; `number` is a bib/start number where the timer carries one."""

    name: str
    number: int | None = None
