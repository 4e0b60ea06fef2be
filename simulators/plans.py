"""Session plans: what the group runs, in which order, how hard, and how long they rest.

The plans follow micro-dosed speed work as coaches run it (short maximal sprints with full recovery,
then a little speed endurance; strides as a low-load alternative; a repeated-sprint block when
fatigue is the point). A block either runs over the course's gates ("timed") or somewhere else
("untimed", e.g. 150 m on the back straight): untimed runs produce no gate events but take time and
tire the athletes, as they do in a real session.

How the start relates to the first gate (this is what a coach's gates really measure):
- block: the athlete sets in blocks with the torso 0.5 m behind the start gate (so the set position
  does not break the beam) and reacts to a gun after 0.10–0.20 s. The rep time runs from the start
  gate's break, so it excludes the reaction time and the first 0.5 m: it is a "photocell start"
  time, ~0.2–0.3 s faster than a gun-started time over the same distance.
- standing: a two-point start 0.5 m behind the start gate, going at will (the team-sport test
  standard; Haugen et al. 2012, J Strength Cond Res 26:473). No reaction time.
- flying: a run-in before the start gate, so the athlete crosses it at speed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from gates.course import Course


class Start(StrEnum):
    BLOCK = "block"
    STANDING = "standing"
    FLYING = "flying"


@dataclass(frozen=True, slots=True)
class Block:
    name: str
    reps: int  # per athlete
    start: Start
    run_in_m: float = 0.5  # metres run from rest before the start gate's beam
    effort: float = 1.0  # fraction of the athlete's current MSS
    rest_s: float = 180.0  # an athlete's recovery between their own reps
    load: float = 1.0  # fatigue units per rep (one maximal 30 m sprint = 1)
    distance_m: float | None = None  # None: over the course's gates; else an untimed run this long
    course: Course | None = None  # timed over this course (None: the session's)
    gates: tuple[int, ...] | None = None  # which gates (1-based) stand at the course's distances (None: in order)
    floor_pct: float | None = None  # the coach's stop rule on true times: under it `consecutive` times, out
    consecutive: int = 2  # of the blocks that follow (None: everyone runs every block)

    def course_of(self, default: Course) -> Course:
        return self.course or default

    def gate_ids(self, default: Course) -> tuple[int, ...]:
        return self.gates or tuple(range(1, self.course_of(default).gates + 1))

    @property
    def timed(self) -> bool:
        return self.distance_m is None


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    description: str
    blocks: tuple[Block, ...]

    def with_reps(self, reps: int) -> Plan:
        """The plan with every timed block set to `reps` reps per athlete."""
        return replace(self, blocks=tuple(replace(b, reps=reps) if b.timed else b for b in self.blocks))


PLANS: dict[str, Plan] = {
    p.name: p
    for p in (
        Plan("speed", "6 block starts over the course (3 min rest), then 2 x 150 m off the gates",
             (Block("acceleration", 6, Start.BLOCK, rest_s=180.0),
              Block("speed endurance", 2, Start.STANDING, effort=0.95, rest_s=480.0, load=3.0,
                    distance_m=150.0))),
        Plan("strides", "10 relaxed strides at ~80 % through the gates from a 15 m run-in (1 min rest)",
             (Block("strides", 10, Start.FLYING, run_in_m=15.0, effort=0.8, rest_s=60.0, load=0.25),)),
        Plan("flying", "6 flying sprints from a 20 m run-in (4 min rest)",
             (Block("flying sprints", 6, Start.FLYING, run_in_m=20.0, rest_s=240.0, load=1.2),)),
        Plan("rsa", "10 repeated standing-start sprints with 30 s rest: a fatigue block",
             (Block("repeated sprints", 10, Start.STANDING, rest_s=30.0),)),
    )
}


def get_plan(name: str) -> Plan:
    try:
        return PLANS[name]
    except KeyError:
        raise ValueError(f"unknown plan {name!r} (known: {', '.join(PLANS)})") from None
