"""Analyse a capture after the fact: bytes -> decoder -> rep assembly -> analyzer, in one pass.

The same chain the live pipeline runs, minus the I/O; `gates analyze` and the benchmarks use it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gates.assembly import RepAssembler
from gates.codec import Decoder
from gates.rep import INCOMPLETE, Rep
from monitor.analyzer import Analyzer, RepResult


@dataclass(slots=True)
class Counts:
    events: int = 0
    reps: int = 0
    incomplete: int = 0


def analyse(chunks: Iterable[bytes], decoder: Decoder, assembler: RepAssembler,
            analyzer: Analyzer, counts: Counts | None = None) -> Iterator[RepResult | Rep]:
    """Yield a RepResult per finished (or revised) rep, and the bare Rep of each incomplete start."""
    counts = counts if counts is not None else Counts()
    seen: set[int] = set()
    for chunk in chunks:
        with _cycle_collector_paused():
            events = decoder.feed(chunk)
            decoder.pop_control()  # heartbeats matter to a live link, not to a capture's reps
            counts.events += len(events)
            judged = [_judge(rep, analyzer, counts, seen) for rep in assembler.feed_all(events)]
            del events  # freed before the collector wakes up, so it has fewer young objects to look at
        yield from judged
    yield from [_judge(rep, analyzer, counts, seen) for rep in assembler.flush()]


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


def _judge(rep: Rep, analyzer: Analyzer, counts: Counts, seen: set[int]) -> RepResult | Rep:
    if INCOMPLETE in rep.flags:
        counts.incomplete += 1
        return rep
    if rep.number in seen:  # the timer took its finish back: same rep, revised
        return next(r for r in analyzer.revise(rep) if r.rep.number == rep.number)
    seen.add(rep.number)
    counts.reps += 1
    return analyzer.add(rep)
