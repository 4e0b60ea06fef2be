"""A real stored session for the after-the-session commands' tests (export, import, report).

A simulated group session's bytes, decoded by the real gateline decoder and committed to a real
SQLite store in chunks, with the coach's annotations taken in between as the live pipeline takes them:
a void, a reassignment, an undo and the end. One athlete's name is hostile (markup, quotes, a comma)
and one is not ASCII, so every output must quote and escape; a gate now and then misses a crossing.
"""

from __future__ import annotations

from pathlib import Path

from gates.course import Course
from gates.gateline import GatelineDecoder, encode_event
from monitor.store import db as st
from monitor.session import facts
from monitor.session.model import Settings
from simulators.athletes import presets
from simulators.gate_device import Faults
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate

HOSTILE = '<script>alert("x")</script>, O\'Neil & co'
NAMES = ["Zoë", HOSTILE, "Ben"]
COURSE = "0,10,20,30"


def make_session(path: Path, reps: int = 8, seed: int = 7) -> int:
    """Store the session in the database at `path` and return its id."""
    config = SessionConfig(course=Course.parse(COURSE), athletes=tuple(presets(names=NAMES)),
                           plan=get_plan("rsa").with_reps(reps), seed=seed,
                           faults=Faults(miss=0.04, double=0.1))  # some empty splits, some debounced arms
    events = GatelineDecoder().feed(simulate(config).capture())
    third = len(events) // 3
    with st.SessionStore(path) as store:
        sid = store.start_session(course=COURSE, athletes=NAMES, sources=["replay:sim.cap"],
                                  settings=Settings().as_dict(), name="Tuesday speed")
        store.set_baseline(sid, "replay:sim.cap", 1, 0)
        store.append(sid, "replay:sim.cap", events[:third])
        void = store.annotate(sid, facts.VOID, rep=2)
        store.annotate(sid, facts.REASSIGN, rep=3, athlete="Zoë")
        store.append(sid, "replay:sim.cap", events[third:2 * third])
        store.annotate(sid, facts.VOID, rep=5)
        store.annotate(sid, facts.UNDO, annotation=void.id)  # rep 2 counts again
        store.append(sid, "replay:sim.cap", events[2 * third:])
        store.end_session(sid)
    return sid


def make_small_session(path: Path, names: list[str], rep_s: float = 4.0) -> int:
    """One rep each on a 0,10,20,30 course, from the bytes gateline gates send: a session in milliseconds."""
    frames, seq = b"", {}
    for k, _ in enumerate(names):
        go_us = 60_000_000 * (k + 1)
        for gate, share in ((1, 0.0), (2, 0.4), (3, 0.71), (4, 1.0)):
            frames += encode_event(gate, seq.setdefault(gate, 0), go_us + round(rep_s * (1 + k / 50) * share * 1e6))
            seq[gate] += 1
    with st.SessionStore(path) as store:
        sid = store.start_session(course=COURSE, athletes=names, sources=["replay:x.cap"])
        store.append(sid, "replay:x.cap", GatelineDecoder().feed(frames))
    return sid


def reps_bytes(reps: list[tuple[tuple[int, ...], float]], seq: dict[int, int], t0_s: float) -> bytes:
    """Each rep (its gates, its time) 60 s after the previous one, splits evenly over the gates."""
    frames = b""
    for k, (gates, rep_s) in enumerate(reps):
        go_us = round((t0_s + 60 * k) * 1e6)
        for i, gate in enumerate(gates):
            frames += encode_event(gate, seq.setdefault(gate, 0), go_us + round(rep_s * i / (len(gates) - 1) * 1e6))
            seq[gate] += 1
    return frames


def store_parts(path, settings: Settings, course: str, parts: list[bytes | tuple[str, dict]]) -> int:
    """Ada's session from `parts` in order: gateline bytes (`reps_bytes`) or an annotation (kind,
    fields), stored and ended in the database at `path`; its id."""
    decoder = GatelineDecoder()
    with st.SessionStore(path) as store:
        sid = store.start_session(course=course, athletes=["Ada"], sources=["replay:x.cap"],
                                  settings=settings.as_dict())
        for part in parts:
            if isinstance(part, bytes):
                store.append(sid, "replay:x.cap", decoder.feed(part))
            else:
                store.annotate(sid, part[0], **part[1])
        store.end_session(sid)
    return sid
