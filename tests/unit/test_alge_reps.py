"""Acceptance on real data, end to end: rep assembly over two real ALGE TdC 8001 race sessions finds
exactly the runs the timer itself computed (its RT lines), athletes overlapping on course included."""

from collections import Counter

import pytest

from gates import protocols
from gates.assembly import RepAssembler
from gates.course import Course
from gates.events import Kind
from gates.rep import CANCELLED
from support.shared_fixtures import ALGE_CAPTURES as FIXTURES


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_assembled_reps_reproduce_every_run_time_the_timer_printed(path):
    proto = protocols.get("alge-timy")
    events = proto.decoder().feed(path.read_bytes())
    printed = Counter()
    for e in events:
        if e.kind is Kind.RUN_TIME:
            printed[(e.start_number, e.device_us // 10_000)] += -1 if e.flag == "c" else 1
    expected = +printed  # a cleared RT line takes back the one it repeats

    assembler = RepAssembler(Course((0, 1000)), proto, timeout_us=30 * 60 * 1_000_000)
    latest = {}
    for e in events:
        for rep in assembler.feed(e):
            latest[rep.number or id(rep)] = rep
    for rep in assembler.flush():
        latest[id(rep)] = rep
    # impulses without a valid start number (`?` lines) get no RT from the timer: leave them out
    found = Counter((r.start_number, r.time_us // 10_000) for r in latest.values()
                    if r.start_number is not None and r.time_us is not None and CANCELLED not in r.flags)
    assert sum(expected.values()) > 100
    assert found == expected
