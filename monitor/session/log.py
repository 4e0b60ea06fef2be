"""The athlete's log after a session: how hard it felt, how long it took, how the legs feel.

Micro-dosing is steered by "a simple log noting perceived exertion, heart rate response, and leg feel
after each microdose". An entry is a LOG annotation of the session (monitor/session/facts.py), so it
is stored, exported, imported and undone like every other fact; the latest entry that stands for an
athlete in a session is their log (a later one replaces an earlier, an UNDO brings the earlier back).

Session load is session RPE × minutes in arbitrary units (Foster et al. 2001, J Strength Cond Res
15:109-115), the RPE on the CR-10 scale (0 rest … 10 maximal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.session import facts

LEGS = ("fresh", "normal", "heavy", "sore")
TIRED_LEGS = frozenset({"heavy", "sore"})
RPE_RANGE = (0, 10)  # CR-10
MAX_MINUTES = 600  # a whole day on the track: more is a typo
HR_REST_RANGE = (20, 250)  # bpm: beyond either end no human, a strap's glitch or a typo
MAX_NOTE = 500  # characters


class LogError(ValueError):
    """An entry that cannot be stored: names the field and what is wrong with it."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    athlete: str
    rpe: float | None = None  # CR-10, 0-10
    minutes: float | None = None  # the session's duration
    legs: str | None = None  # one of LEGS
    hr_rest: int | None = None  # resting heart rate that morning, bpm
    note: str = ""

    def __post_init__(self) -> None:
        if not self.athlete:
            raise LogError("athlete: a log names the athlete")
        _number("rpe", self.rpe, *RPE_RANGE)
        _number("minutes", self.minutes, 0, MAX_MINUTES, above_low=True)
        _number("hr-rest", self.hr_rest, *HR_REST_RANGE)
        if self.hr_rest is not None and self.hr_rest != int(self.hr_rest):
            raise LogError(f"hr-rest must be whole beats per minute, got {self.hr_rest:g}")
        if self.legs is not None and self.legs not in LEGS:
            raise LogError(f"legs must be one of {', '.join(LEGS)}, got {self.legs!r}")
        if len(self.note) > MAX_NOTE or not all(c.isprintable() or c == "\n" for c in self.note):
            raise LogError(f"note must be at most {MAX_NOTE} printable characters")

    @property
    def srpe_au(self) -> float | None:
        """Session load: RPE × minutes (Foster 2001), or None while either is missing."""
        return None if self.rpe is None or self.minutes is None else self.rpe * self.minutes

    @property
    def tired(self) -> bool:
        return self.legs in TIRED_LEGS

    def as_data(self) -> dict:
        """The LOG annotation's data (what `from_data` reads back)."""
        return {"athlete": self.athlete, "rpe": self.rpe, "minutes": self.minutes, "legs": self.legs,
                "hr_rest": self.hr_rest, "note": self.note}

    @classmethod
    def from_data(cls, data: dict) -> LogEntry:
        """An entry from stored (or imported) data; LogError if any field is not what a log holds."""
        for key in ("rpe", "minutes", "hr_rest"):
            value = data.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise LogError(f"{key.replace('_', '-')} must be a number or null, got {value!r:.40}")
        for key in ("athlete", "note"):
            if not isinstance(data.get(key, ""), str):
                raise LogError(f"{key} must be text")
        legs = data.get("legs")
        if legs is not None and not isinstance(legs, str):
            raise LogError("legs must be text or null")
        return cls(data.get("athlete", ""), data.get("rpe"), data.get("minutes"), legs, data.get("hr_rest"),
                   data.get("note", ""))

    def describe(self) -> str:
        """`RPE 7 · 45 min (315 AU) · legs heavy · HR 52 · "tight left hamstring"` (what is known)."""
        words = []
        if self.rpe is not None:
            words.append(f"RPE {self.rpe:g}")
        if self.minutes is not None:
            words.append(f"{self.minutes:g} min" + ("" if self.srpe_au is None else f" ({self.srpe_au:g} AU)"))
        if self.legs:
            words.append(f"legs {self.legs}")
        if self.hr_rest is not None:
            words.append(f"HR {self.hr_rest}")
        if self.note:
            words.append(f'"{self.note}"')
        return " · ".join(words) or "empty entry"


def _number(name: str, value: float | None, low: float, high: float, *, above_low: bool = False) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value > high or value < low or (above_low and value == low):
        bound = f"more than {low:g} and at most" if above_low else f"{low:g} to"
        raise LogError(f"{name} must be {bound} {high:g}, got {value:g}")


def entries(annotations: list[facts.Annotation]) -> dict[str, LogEntry]:
    """Each athlete's log in a session: the latest LOG that stands (undone ones do not)."""
    return {entry.athlete: entry for entry in (LogEntry.from_data(n.data) for n in log_annotations(annotations))}


def log_annotations(annotations: list[facts.Annotation]) -> list[facts.Annotation]:
    """The LOG annotations that stand, in the order taken (the last per athlete is their log)."""
    return [n for n in facts.effective(annotations) if n.kind == facts.LOG]


def latest(annotations: list[facts.Annotation], athlete: str) -> facts.Annotation | None:
    """The LOG annotation that is `athlete`'s log now: what an undo of their log cancels."""
    return next((n for n in reversed(log_annotations(annotations)) if n.data.get("athlete") == athlete), None)
