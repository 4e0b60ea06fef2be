"""A whole capture through the session engine at once: `gates analyze`, the dashboard's sample and the
benchmarks. This is the live engine (monitor/session/model.py) fed in bulk, not a second one: the
same assembler, the same revision rules, the same verdicts, so a capture analysed here prints the
rep lines `gates monitor --source replay:FILE` prints for it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gates.codec import Decoder
from gates.course import Course
from monitor.session.model import Change, SessionModel, Settings


@dataclass(slots=True)
class Counts:
    events: int = 0


def session(settings: Settings, course: Course, roster: Iterable[str] = (), *, profiles: bool = True,
            pbs: dict | None = None) -> SessionModel:
    """A session on `course` with `roster`, as a monitor starts one (without a store)."""
    model = SessionModel(settings, pbs=pbs, profiles=profiles)
    model.set_roster(list(roster))
    model.set_course(course)
    return model


def analyse(chunks: Iterable[bytes], decoder: Decoder, model: SessionModel,
            counts: Counts | None = None) -> Iterator[Change]:
    """Every change the capture's bytes make to `model`, chunk by chunk, then the open starts abandoned."""
    counts = counts if counts is not None else Counts()
    for chunk in chunks:
        with _cycle_collector_paused():
            events = decoder.feed(chunk)
            decoder.pop_control()  # heartbeats matter to a live link, not to a capture's reps
            counts.events += len(events)
            changes = model.events(events)
            del events  # freed before the collector wakes up, so it has fewer young objects to look at
        yield from changes
    events = decoder.finish()
    counts.events += len(events)
    yield from model.events(events)
    yield from model.flush()


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A chunk's events, reps and results are thousands of small objects without cycles, freed by
    reference counting; the cyclic collector's passes over them cost a fifth of the run, so they wait
    for the chunk to be done (never across a `yield`: the caller's code runs with the collector on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
