"""Analyse a capture after the fact: bytes -> decoder -> rep assembly -> analyzer, in one pass.

The same chain the live pipeline runs, minus the I/O; `gates analyze` and the benchmarks use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
        events = decoder.feed(chunk)
        decoder.pop_control()  # heartbeats matter to a live link, not to a capture's reps
        counts.events += len(events)
        for event in events:
            for rep in assembler.feed(event):
                yield from _judge(rep, analyzer, counts, seen)
    for rep in assembler.flush():
        yield from _judge(rep, analyzer, counts, seen)


def _judge(rep: Rep, analyzer: Analyzer, counts: Counts, seen: set[int]) -> Iterator[RepResult | Rep]:
    if INCOMPLETE in rep.flags:
        counts.incomplete += 1
        yield rep
    elif rep.number in seen:  # the timer took its finish back: same rep, revised
        yield next(r for r in analyzer.revise(rep) if r.rep.number == rep.number)
    else:
        seen.add(rep.number)
        counts.reps += 1
        yield analyzer.add(rep)
