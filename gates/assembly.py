"""Rep assembly: gate events in, reps out, tolerating what really happens trackside.

- a second break of the same gate within the debounce window (a swinging arm) counts once;
- a missed intermediate gate leaves that split None, and the rep still counts if the finish was seen;
- an intermediate break that arrives after a later gate's (a stalled link) still fills its gate, by
  its time, while the rep is on course;
- a start with no finish before the timeout (or that no later gate could plausibly belong to) is
  reported as incomplete;
- a segment faster than any human (12.5 m/s) flags the rep `impossible`, so it never becomes a best.

Athletes are known by start number where the timer carries one (several may be on course at once);
otherwise reps go first-in-first-out along the course and to the roster rotation: each start takes the
turn of whoever is next up when it is seen, so a change the coach makes while someone runs applies to
the next start. A lone start break that comes to nothing (a passer-by) hands its turn on: each later
start takes the turn of the one before it, and the last goes back to the rotation. A timer in training mode puts its
running impulse counter where the start number goes (0051 start, 0052 finish, ...): with `numbering`
"auto" that is recognised at the first break after a start, when its number is one more than the
impulse before it and no start carries it, and from then on numbers are ignored (a double trigger
among the starts already open is absorbed then); "impulse" ignores them from the first event (a
timer's cancel is matched by its time alone), "start" never does. The choice is the coach's (the
session's settings: `gates analyze --numbering`, a source's `?numbering=`), never revised here. A
timer's status code for a run (Microgate did not start / finish, disqualified) becomes the rep's
`dns` / `dnf` / `dsq` flag. Times are on one session clock: gates with their own clocks are aligned
before they get here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gates.course import Course
from gates.events import GateEvent, Kind
from gates.microgate import STATUS_FLAGS
from gates.protocols import Protocol, get
from gates.rep import CANCELLED, IMPOSSIBLE, INCOMPLETE, MISSED_GATE, Rep
from gates.rotation import Rotation

MAX_HUMAN_SPEED_MPS = 12.5  # above any recorded sprint segment (Bolt peaked near 12.3 m/s)
MIN_RUNNING_SPEED_MPS = 2.5  # slower than a jog between two gates: not the same sprint
DEFAULT_DEBOUNCE_US = 300_000
NO_NAME = "?"
NUMBERINGS = ("auto", "start", "impulse")  # how the timer's number field is read (see the module docstring)
CANCELLABLE_FINISHES = 64  # how many recent finishes a timer's cancel line can still take back
_BREAK, _CANCEL = Kind.BREAK, Kind.CANCEL
_INCOMPLETE = frozenset({INCOMPLETE})


def default_timeout_us(course: Course) -> int:
    """Long enough to jog the course, so only a start nobody followed up times out."""
    return int((10.0 + course.length_m / MIN_RUNNING_SPEED_MPS) * 1e6)


@dataclass(slots=True)
class _OpenRep:
    start_us: int
    times: list[int | None]
    start_number: int | None = None
    reached: int = 0  # highest course position seen so far
    athlete: str = NO_NAME  # the turn this start took (by start number: the number)
    turn: int | None = None  # the rotation's version right after that turn was taken


def _shortest_us(segment_m: float) -> int:
    """The fewest whole microseconds a human needs for a segment: the least dt for which
    segment_m * 1e6 > MAX_HUMAN_SPEED_MPS * dt is false (the test `_flags` applies with gaps)."""
    dt = max(1, math.floor(segment_m * 1e6 / MAX_HUMAN_SPEED_MPS) - 1)
    while segment_m * 1e6 > MAX_HUMAN_SPEED_MPS * dt:
        dt += 1
    return dt


class RepAssembler:
    """Feed events in arrival order; get reps as they finish (and starts that came to nothing)."""

    def __init__(self, course: Course, protocol: Protocol | None = None, roster: Sequence[str] | Rotation = (),
                 debounce_us: int = DEFAULT_DEBOUNCE_US, timeout_us: int | None = None,
                 numbering: str = "auto") -> None:
        if numbering not in NUMBERINGS:
            raise ValueError(f"numbering is auto, start or impulse, not {numbering!r}")
        self.numbering = numbering
        self.course = course
        self.protocol = protocol or get("gateline")
        self.rotation = roster if isinstance(roster, Rotation) else Rotation(roster)
        self.debounce_us = debounce_us
        self.timeout_us = default_timeout_us(course) if timeout_us is None else timeout_us
        self._finish_index = course.gates - 1
        self._course_index = self.protocol.course_index
        self._break_positions: dict[int, int | None] = {}  # gate -> course position of its breaks
        self._shortest_segments_us = [_shortest_us(seg) for seg in course.segments_m]
        self.reps_finished = 0
        self.debounced = 0  # breaks absorbed as double triggers
        self.strays = 0  # breaks no rep could own (nobody running, unknown gate)
        self._open: list[_OpenRep] = []  # oldest first
        # the physical line -> its latest break: a double trigger is the same gate twice (and, where the
        # timer numbers athletes, the same start number; keyed by the gate alone where it does not)
        self._last_break: dict[int | tuple[int, int], int] = {}
        self._finished: dict[tuple[int | None, int], tuple[Rep, _OpenRep]] = {}  # for timer cancels
        self._last_number: int | None = None  # the number of the latest break, while numbering is "auto"
        # called with the reps so far (and the event's host time) as soon as a rep finishes, so the
        # session can judge it before the next start takes a turn (an athlete at END takes none)
        self.on_finish: Callable[[list[Rep], int], None] | None = None

    # -- input -----------------------------------------------------------------------------------

    def feed(self, event: GateEvent) -> list[Rep]:
        return self.feed_all((event,))

    def feed_all(self, events: Iterable[GateEvent]) -> list[Rep]:
        """Feed events in arrival order (one, or a whole capture's worth): the reps they finish.

        The per-break work is inlined into one loop: a capture runs hundreds of thousands of events
        through here, and a function call per step would cost more than the step itself."""
        out: list[Rep] = []
        open_, last_break = self._open, self._last_break
        debounce_us, timeout_us = self.debounce_us, self.timeout_us
        finish_index, course_index = self._finish_index, self._course_index
        sequential, positions = self.protocol.sequential, self._break_positions
        numbering = self.numbering  # changes only in `_tell_numbering`, read again after it
        for event in events:
            kind = event.kind
            if kind is not _BREAK:
                if kind is _CANCEL:
                    if event.flag in STATUS_FLAGS:
                        self._status(event, out)
                    else:
                        self._cancel(event, out)
                continue
            t = event.device_us
            if open_ and t - open_[0].start_us > timeout_us:
                self._expire(t, out)
            if sequential:
                index = open_[-1].reached + 1 if open_ else 0
            else:
                index = positions.get(event.gate, -1)
                if index == -1:  # a gate not seen before: ask the protocol once
                    index = positions[event.gate] = course_index(event, finish_index + 1)
                if index is None:
                    self.strays += 1
                    continue
            number = event.start_number
            if number is not None and numbering != "start":
                if numbering == "auto":
                    self._tell_numbering(index, number)
                    numbering = self.numbering
                if numbering == "impulse":
                    number = None
            key = event.gate if number is None else (event.gate, number)
            last = last_break.get(key)
            if last is not None and 0 <= t - last < debounce_us:
                self.debounced += 1
                continue
            last_break[key] = t
            if index == 0:
                self._start(t, number, out)
                continue
            rep = self._owner(index, t, number, out)
            if rep is None:
                self.strays += 1
                continue
            rep.times[index] = t
            if index > rep.reached:  # else a late break filled a gate behind (`_late`)
                rep.reached = index
            if index == finish_index:
                open_.remove(rep)
                out.append(self._finish(rep))
                if self.on_finish is not None:
                    self.on_finish(out, event.host_ns)
        return out

    def tick(self, now_us: int) -> list[Rep]:
        """Time out starts nobody finished, by the session clock (call it when no events arrive)."""
        out: list[Rep] = []
        self._expire(now_us, out)
        return out

    def flush(self) -> list[Rep]:
        """End of the stream: every open start is incomplete."""
        out: list[Rep] = []
        while self._open:
            out.append(self._drop(self._open[-1]))
        out.reverse()
        return out

    @property
    def open_reps(self) -> int:
        return len(self._open)

    # -- assembly --------------------------------------------------------------------------------

    def _position(self, event: GateEvent) -> int | None:
        if self.protocol.sequential:
            return self._open[-1].reached + 1 if self._open else 0
        return self._course_index(event, self._finish_index + 1)

    def _tell_numbering(self, index: int, number: int) -> None:
        """Auto numbering: at the first break past the start, is this a start number or an impulse count?"""
        last, self._last_number = self._last_number, number
        if index == 0 or last is None:
            return
        if any(r.start_number == number for r in self._open):
            self.numbering = "start"
        elif number == (last + 1) % 10_000 and self._open:
            self.numbering = "impulse"
            kept: list[_OpenRep] = []
            for rep in sorted(self._open, key=lambda r: r.start_us):
                if kept and 0 <= rep.start_us - kept[-1].start_us < self.debounce_us:
                    self.debounced += 1  # a double trigger its number had kept apart
                    continue
                rep.start_number = None
                athlete = self.rotation.take()  # numbers named nobody: the start takes its turn now
                rep.athlete, rep.turn = athlete or NO_NAME, None if athlete is None else self.rotation.version
                kept.append(rep)
            self._open[:] = kept
            self._last_break.clear()

    def _start(self, t: int, number: int | None, out: list[Rep]) -> None:
        if number is not None:
            for old in [r for r in self._open if r.start_number == number]:
                out.append(self._drop(old))  # a restart supersedes the earlier start
        times: list[int | None] = [None] * (self._finish_index + 1)
        times[0] = t
        if number is not None:
            self._open.append(_OpenRep(t, times, number, athlete=f"#{number}"))
            return
        athlete = self.rotation.take()
        turn = None if athlete is None else self.rotation.version
        self._open.append(_OpenRep(t, times, None, athlete=athlete or NO_NAME, turn=turn))

    def _owner(self, index: int, t: int, number: int | None, out: list[Rep]) -> _OpenRep | None:
        """The open rep this break belongs to: by start number, else the oldest live rep behind it."""
        if number is not None:
            return next((r for r in self._open if r.start_number == number and r.reached < index), None) \
                or self._late(index, t, number)
        distances, open_ = self.course.distances_m, self._open
        i = 0
        while i < len(open_):
            rep = open_[i]
            reached = rep.reached
            if rep.start_number is None and reached < index:
                elapsed = t - rep.times[reached]  # type: ignore[operator]
                if elapsed > 0:
                    if (distances[index] - distances[reached]) / (elapsed / 1e6) >= MIN_RUNNING_SPEED_MPS:
                        return rep
                    out.append(self._drop(rep))  # nobody is that slow mid-sprint: a dead start
                    continue
            i += 1
        return self._late(index, t, None)

    def _late(self, index: int, t: int, number: int | None) -> _OpenRep | None:
        """The open rep that has passed a later gate with this one still empty, where `t` falls between
        its neighbours' times: the break arrived after a later gate's (its link stalled, a BLE resend).
        Its order on the wire is not its order on the track; the gate's own time is."""
        for rep in self._open:
            times = rep.times
            if rep.reached > index and times[index] is None and (number is None or rep.start_number == number):
                before = next(x for x in reversed(times[:index]) if x is not None)  # the start, at least
                after = next(x for x in times[index + 1:] if x is not None)  # `reached`, at most
                if before < t < after:  # type: ignore[operator]
                    return rep
        return None

    def _expire(self, now_us: int, out: list[Rep]) -> None:
        if self._open and now_us - self._open[0].start_us > self.timeout_us:
            for rep in [r for r in self._open if now_us - r.start_us > self.timeout_us]:
                out.append(self._drop(rep))

    def _flags(self, times: list[int | None]) -> set[str]:
        if None not in times:  # every gate seen, the usual case: compare neighbours
            for shortest, a, b in zip(self._shortest_segments_us, times, times[1:]):
                if b - a < shortest:  # type: ignore[operator]
                    return {IMPOSSIBLE}
            return set()
        flags: set[str] = set()
        last_d = last_t = None
        for d, t in zip(self.course.distances_m, times):
            if t is None:
                flags.add(MISSED_GATE)  # never the start or the finish: a rep has both
                continue
            if last_t is not None and (t <= last_t or (d - last_d) * 1e6 > MAX_HUMAN_SPEED_MPS * (t - last_t)):
                flags.add(IMPOSSIBLE)
            last_d, last_t = d, t
        return flags

    def _finish(self, rep: _OpenRep) -> Rep:
        self.reps_finished += 1
        number, times, start_us = rep.start_number, rep.times, rep.start_us
        athlete = rep.athlete
        flags = self._flags(times)
        if None in times:
            splits = tuple([None if t is None else t - start_us for t in times[1:]])
        else:  # every gate seen, the usual case
            splits = tuple(map(start_us.__rsub__, times[1:]))  # type: ignore[arg-type]
        done = Rep(self.reps_finished, athlete, self.course, start_us, splits, frozenset(flags), number)
        finished = self._finished
        finished[(number, times[-1])] = (done, rep)  # type: ignore[index]
        if len(finished) > CANCELLABLE_FINISHES:
            del finished[next(iter(finished))]
        return done

    def _drop(self, rep: _OpenRep) -> Rep:
        """An open start leaves the course unfinished: the incomplete rep it was. If someone ran past a
        gate after the start it was a real run whose finish went unseen, and it keeps its turn; a lone
        start break (a passer-by) hands its turn on to the starts after it, the last back to the rotation."""
        open_ = self._open
        at = open_.index(rep)
        del open_[at]
        if rep.reached == 0 and rep.turn is not None:
            athlete, turn = rep.athlete, rep.turn
            for later in open_[at:]:
                if later.turn is not None:
                    athlete, later.athlete = later.athlete, athlete
                    turn, later.turn = later.turn, turn
            self.rotation.untake(athlete, turn)
            rep.athlete = NO_NAME
        return self._incomplete(rep)

    def _incomplete(self, rep: _OpenRep) -> Rep:
        """A start nobody finished, under the athlete whose turn it kept."""
        athlete = rep.athlete
        return Rep(
            number=0, athlete=athlete, course=self.course, start_us=rep.start_us,
            splits_us=tuple(None if t is None else t - rep.start_us for t in rep.times[1:]),
            flags=_INCOMPLETE, start_number=rep.start_number,
        )

    def _cancel(self, event: GateEvent, out: list[Rep]) -> None:
        """The timer took back an impulse: forget a start, or retract a finish and reopen that run."""
        index = self._position(event)
        if index is None:
            return
        t, number = event.device_us, None if self.numbering == "impulse" else event.start_number
        for rep in self._open:
            if rep.start_number == number and rep.times[index] == t:
                if index == 0:
                    self._drop(rep)
                else:
                    rep.times[index] = None
                    rep.reached = max(i for i, x in enumerate(rep.times) if x is not None)
                return
        if index == self._finish_index and (number, t) in self._finished:
            done, rep = self._finished.pop((number, t))
            out.append(Rep(done.number, done.athlete, done.course, done.start_us, done.splits_us,
                           done.flags | {CANCELLED}, done.start_number))
            rep.times[index] = None
            rep.reached = max(i for i, x in enumerate(rep.times) if x is not None)
            self._open.append(rep)

    def _status(self, event: GateEvent, out: list[Rep]) -> None:
        """A status code for the run of `event.start_number`: the finished rep (the latest of that number)
        is revised with the flag, a rep still on course ends with it."""
        flag, number = STATUS_FLAGS[event.flag], event.start_number
        if number is None or self.numbering == "impulse":
            return
        for key in reversed(list(self._finished)):
            if key[0] == number:
                done, rep = self._finished[key]
                revised = Rep(done.number, done.athlete, done.course, done.start_us, done.splits_us,
                              done.flags | {flag}, done.start_number)
                self._finished[key] = (revised, rep)
                out.append(revised)
                return
        for rep in self._open:
            if rep.start_number == number:
                self._open.remove(rep)
                ended = self._incomplete(rep)
                out.append(Rep(ended.number, ended.athlete, ended.course, ended.start_us, ended.splits_us,
                               ended.flags | {flag}, ended.start_number))
                return
