"""The facts a session is made of, and the words for them: raw gate events as stored, and the coach's
(and the monitor's) decisions as annotations. The store keeps these and nothing else; the engine
(monitor/session/model.py) derives every rep and verdict from them, so this vocabulary belongs to the
pure session domain, not to SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass

from gates.events import GateEvent

# Annotation kinds: the coach's (and the monitor's) decisions, in the order they were taken.
START = "start"  # {"sources": [spec, ...], "settings": {...}}: a monitor began writing the session
RESUME = "resume"  # same data as START: a monitor took up an unfinished session again
COURSE = "course"  # {"course": "0,10,20,30"}: the course from the next event on
ROSTER = "roster"  # {"athletes": [name, ...]}: the rotation from the next rep on, first name up
SKIP = "skip"  # {}: the athlete who is up sits this turn out
NEXT_UP = "next_up"  # {"athlete": name}: send them now; the rotation carries on after them (stored before OUT_OF_TURN)
OUT_OF_TURN = "out_of_turn"  # {"athlete": name}: they run next; then the rotation goes on from whoever was up
ADD_ATHLETE = "add_athlete"  # {"athlete": name}: joins the end of the rotation
REMOVE_ATHLETE = "remove_athlete"  # {"athlete": name}: leaves the rotation
BRING_BACK = "bring_back"  # {"athlete": name}: back in the rotation after their END took them out
VOID = "void"  # {"rep": n}
REASSIGN = "reassign"  # {"rep": n, "athlete": name}
UNDO = "undo"  # {"annotation": id}: cancels an earlier annotation (an undone undo redoes)
END = "end"  # {}: the session is over
BLOCK = "block"  # {"block": n}: the coach moves the session on to the plan's block n (1-based)
TIMEOUT = "timeout"  # {"at_us": t}: the monitor gave up on starts nobody finished, at session time t
LOG = "log"  # {"athlete": name, "rpe", "minutes", "legs", "hr_rest", "note"}: the athlete's own log (session/log.py)
KINDS = frozenset({START, RESUME, COURSE, ROSTER, SKIP, NEXT_UP, OUT_OF_TURN, ADD_ATHLETE, REMOVE_ATHLETE, BRING_BACK, VOID,
                   REASSIGN, UNDO, END, BLOCK, TIMEOUT, LOG})


@dataclass(slots=True)
class StoredEvent:
    """A raw event as stored: its store id gives the arrival order, `source` where it came from. Treat
    it as immutable: it is not frozen only because frozen construction costs three times as much, and
    a session's history is read back a row at a time (like GateEvent)."""

    id: int
    source: str
    event: GateEvent


@dataclass(frozen=True, slots=True)
class Annotation:
    id: int
    session_id: int
    after_event: int
    created_ns: int
    kind: str
    data: dict


def effective(annotations: list[Annotation]) -> list[Annotation]:
    """The annotations that stand: an UNDO cancels its target (an undone UNDO no longer cancels)."""
    cancelled: set[int] = set()
    for note in reversed(annotations):
        if note.kind == UNDO and note.id not in cancelled:
            cancelled.add(note.data["annotation"])
    return [n for n in annotations if n.kind != UNDO and n.id not in cancelled]
