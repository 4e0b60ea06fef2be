"""What the dashboard shows, as plain data: the latest rep, each athlete's recent reps and standing,
their personal best, who is up next, and when each athlete last ran (for the rest timer).

Kept apart from the widgets so that it is cheap, testable without a terminal, and bounded: a
three-hour session keeps only the last `keep` reps per athlete here (every rep lives in the store and
the analyzer), so nothing the widgets redraw grows with the session.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from monitor.session.analyzer import RepResult, Verdict

KEEP_REPS = 40  # per athlete: more than any plot or table row can show


@dataclass(slots=True)
class AthleteBoard:
    name: str
    recent: deque[RepResult]
    reps: int = 0  # every rep of this athlete (voided ones included)
    valid: int = 0
    last_at: float | None = None  # clock time of this athlete's latest rep: the rest timer starts there
    pb_us: int | None = None  # personal best from earlier sessions, known before their first rep
    reached: Verdict | None = None  # the verdict an earlier block ended on (an END keeps them out)

    @property
    def latest(self) -> RepResult | None:
        return self.recent[-1] if self.recent else None

    @property
    def judged(self) -> RepResult | None:
        """The latest valid rep: it carries the athlete's current best, Sdec and verdict."""
        return next((r for r in reversed(self.recent) if r.rep.valid), None)

    @property
    def verdict(self) -> Verdict | None:
        judged = self.judged
        return judged.verdict if judged else self.reached

    @property
    def best_us(self) -> int | None:
        latest = self.latest
        return latest.best_us if latest else None


@dataclass(slots=True)
class Board:
    keep: int = KEEP_REPS
    athletes: dict[str, AthleteBoard] = field(default_factory=dict)
    last: RepResult | None = None  # the rep that just finished (or its revision)
    order: list[str] = field(default_factory=list)  # the rotation, in running order
    next_up: str | None = None
    ended: str = ""  # why the whole session ended ("" while it runs)
    finished: str = ""  # why the workout is over for everyone, while the session is still open
    block: int = 1  # the plan's block running (1-based): the table and plots show its reps only
    _stamps: dict[int, float] = field(default_factory=dict)  # rep number -> clock time it arrived

    def athlete(self, name: str) -> AthleteBoard:
        board = self.athletes.get(name)
        if board is None:
            board = self.athletes[name] = AthleteBoard(name, deque(maxlen=self.keep))
        return board

    def set_block(self, index: int) -> None:
        """The plan moved on to block `index`: each athlete's rows start again (the rest timers run on:
        rest spans the move), so a 150 m time never sits beside a 30 m best."""
        if index == self.block:
            return
        self.block = index
        for board in self.athletes.values():
            board.reached = board.verdict
            board.recent = deque((r for r in board.recent if r.block.index == index), maxlen=self.keep)
            board.reps = len(board.recent)
            board.valid = sum(r.rep.valid for r in board.recent)

    def add(self, result: RepResult, at: float) -> AthleteBoard:
        """A rep just finished at clock time `at`."""
        self.set_block(result.block.index)
        board = self.athlete(result.rep.athlete)
        board.recent.append(result)
        board.reps += 1
        board.valid += result.rep.valid
        board.last_at = at
        board.pb_us = result.pb_us
        self.last = result
        self._stamps[result.rep.number] = at
        if len(self._stamps) > self.keep * max(1, len(self.athletes)):
            del self._stamps[next(iter(self._stamps))]
        return board

    def revise(self, results: list[RepResult]) -> set[str]:
        """Recomputed results for whole athletes (the analyzer's `revise`): replace what they show.

        `results` holds every rep of each athlete it touches, so counts are exact; a rep that moved
        to another athlete arrives under its new name. Returns the athletes that changed.
        """
        by_athlete: dict[str, list[RepResult]] = {}
        for result in results:
            by_athlete.setdefault(result.rep.athlete, []).append(result)
        for name, every in by_athlete.items():
            board = self.athlete(name)
            rows = [r for r in every if r.block.index == self.block]  # what the running block shows
            board.recent = deque(rows, maxlen=self.keep)
            board.reps = len(rows)
            board.valid = sum(r.rep.valid for r in rows)
            stamps = [self._stamps[r.rep.number] for r in every if r.rep.number in self._stamps]
            board.last_at = max(stamps) if stamps else None  # rest runs on across a block change
            if rows:
                board.pb_us = rows[-1].pb_us
            if self.last is not None:
                for row in rows:
                    if row.rep.number == self.last.rep.number:
                        self.last = row
        # an athlete who lost reps to another (reassignment) and has none left shows as empty
        moved = {r.rep.number for r in results}
        for name, board in self.athletes.items():
            if name not in by_athlete and any(r.rep.number in moved for r in board.recent):
                board.recent = deque((r for r in board.recent if r.rep.number not in moved), maxlen=self.keep)
                board.reps = len(board.recent)
                board.valid = sum(r.rep.valid for r in board.recent)
                by_athlete[name] = []
        return set(by_athlete)

    def set_pbs(self, pbs: dict[str, int]) -> None:
        for name, us in pbs.items():
            self.athlete(name).pb_us = us

    def set_rotation(self, order: list[str], next_up: str | None) -> list[str]:
        """The new running order; returns who left the board: out of the order and never ran (an
        undone add, a name dropped from the order before their first rep)."""
        self.order = list(order)
        self.next_up = next_up
        for name in order:
            self.athlete(name)
        gone = [name for name, board in self.athletes.items()
                if name not in order and not board.reps and board.last_at is None]
        for name in gone:
            del self.athletes[name]
        return gone

    def names(self) -> list[str]:
        """Athletes in rotation order first, then anyone else who has run (e.g. by start number)."""
        return [*self.order, *(name for name in self.athletes if name not in self.order)]

    def rest_s(self, name: str, now: float) -> float | None:
        board = self.athletes.get(name)
        if board is None or board.last_at is None:
            return None
        return max(0.0, now - board.last_at)
