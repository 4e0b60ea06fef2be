"""Years of history read as rows: the listing `gates sessions` prints and the personal bests a start is
judged against come from the derived rows by SQL, and must say exactly what the summaries say (the
way they were read before: every summary decoded, every best compared in Python), on a writable store
and on a read-only one whose rows are stale (derived in memory then). A new session's start reads
its history in a thread: the event loop runs meanwhile and subscribers hear how far it got."""

from __future__ import annotations

import asyncio
import os
import select
import sys

import pytest

from drivers.registry import create
from gates import protocols
from gates.course import Course
from monitor.cli.progress import progress_line
from monitor.live.pipeline import HistoryLoading, Pipeline
from monitor.session import facts
from monitor.session.model import DRIVING_KINDS, Settings
from monitor.store import db as st
from monitor.store.history import Bests, _bests, personal_bests
from monitor.store.summaries import listing, summarized
from simulators.athletes import presets
from simulators.capture import write_capture
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate

COURSE = "0,10,20,30"
DAY_NS = 86_400 * 10**9
SOURCE = "serial:/dev/ttyUSB0"


def simulated(seed: int) -> list[facts.StoredEvent]:
    config = SessionConfig(course=Course.parse(COURSE), athletes=tuple(presets(3)), plan=get_plan("rsa").with_reps(3),
                           seed=seed)
    events = protocols.get("gateline").decoder().feed(simulate(config).capture())
    return [facts.StoredEvent(i + 1, SOURCE, ev) for i, ev in enumerate(events)]


@pytest.fixture(scope="module")
def pool():
    return [simulated(seed) for seed in range(3)]


def history(path, pool, sessions: int = 9) -> None:
    """`sessions` imported sessions a day apart, varied the ways a listing and bests see: a demo among
    them, a voided rep, an END undone (left open), a resume from a second source."""
    names = [a.name for a in presets(3)]
    start_ns = 1_700_000_000 * 10**9
    with st.SessionStore(path) as store:
        for n in range(sessions):
            events = pool[n % len(pool)]
            created = start_ns + n * DAY_NS
            last = events[-1].id
            notes = [facts.Annotation(1, 0, 0, created, facts.START, {"sources": [SOURCE], "settings": {}}),
                     facts.Annotation(2, 0, 0, created, facts.COURSE, {"course": COURSE}),
                     facts.Annotation(3, 0, 0, created, facts.ROSTER, {"athletes": names})]
            if n % 3 == 1:
                notes.append(facts.Annotation(4, 0, last, created, facts.VOID, {"rep": 1}))
            if n == 4:
                notes.append(facts.Annotation(5, 0, last, created, facts.RESUME,
                                              {"sources": [SOURCE, "line:/dev/ttyS1"], "settings": {}}))
            notes.append(facts.Annotation(6, 0, last, created + DAY_NS // 2, facts.END, {}))
            if n == 7:
                notes.append(facts.Annotation(7, 0, last, created, facts.UNDO, {"annotation": 6}))
            store.import_session(created_ns=created, name=st.DEMO if n == 5 else "", events=events,
                                 annotations=notes, baselines=())


def bests_by_summaries(store, session: int | None, demo: bool, since_ns: int | None) -> Bests:
    """Personal bests the way they were found before the rows: every summary, compared in Python."""
    earlier = list(summarized(store, until=session))
    if session is not None:
        demo = bool(earlier) and earlier[-1].info.id == session and earlier[-1].info.demo
    bests: Bests = {}
    for item in earlier:
        if item.info.id == session or item.info.demo != demo or (since_ns is not None
                                                                  and item.info.created_ns < since_ns):
            continue
        for key, us in _bests(item.summary).items():
            bests[key] = min(us, bests.get(key, us))
    return bests


@pytest.fixture
def db(tmp_path, pool):
    path = tmp_path / "gates.sqlite3"
    history(path, pool)
    return path


def test_the_bests_from_the_rows_are_the_bests_the_summaries_give(db):
    with st.SessionStore(db) as store:
        marks = store.marks()
        since = marks[3][1]
        cases = [(None, False, None), (None, True, None), (None, False, since)]
        cases += [(sid, False, None) for sid, *_ in marks] + [(len(marks) + 1, False, since)]
        expected = [bests_by_summaries(store, *case) for case in cases]
        assert expected[0] and expected[1] and expected[0] != expected[1]  # a demo's bests are its own
        assert [personal_bests(store, s, demo=d, since_ns=n) for s, d, n in cases] == expected


def test_a_read_only_store_with_stale_rows_gives_the_same_bests_and_lines(db):
    with st.SessionStore(db) as store:
        list(listing(store))
        store.annotate(2, facts.VOID, rep=2)  # session 2's row is stale now
        lines, bests = list(listing(store)), personal_bests(store)  # derived again and kept
        store.drop_summaries()  # and every row gone
    with st.SessionStore(db, readonly=True) as store:  # derived in memory, kept nowhere
        assert personal_bests(store) == bests
        assert list(listing(store)) == lines
        assert store.summary_marks() == {}


def test_the_listing_says_what_each_summary_says(db):
    with st.SessionStore(db) as store:
        derived_lines = list(listing(store))  # derives and keeps every row
        assert len(derived_lines) == 9
        read_lines = list(listing(store))  # reads them back by SQL
        summaries = list(summarized(store))
    assert read_lines == derived_lines
    for line, item in zip(read_lines, summaries, strict=True):
        assert line.info == item.info
        assert (line.reps, line.plan, line.plan_blocks) == (item.summary.reps, item.summary.plan,
                                                            item.summary.plan_blocks)
        assert line.verdicts == item.summary.verdicts()
        assert line.blocks_done == (item.summary.blocks_done() if item.summary.plan else None)
        assert line.verdict_line == item.summary.verdict_line()
    assert read_lines[4].info.sources == (SOURCE, "line:/dev/ttyS1")
    assert read_lines[5].info.demo and not read_lines[7].info.ended and read_lines[6].info.ended


def test_only_sessions_whose_facts_changed_are_derived_again_and_progress_says_so(db):
    heard: list[tuple[int, int]] = []
    with st.SessionStore(db) as store:
        list(listing(store, progress=lambda done, total: heard.append((done, total))))
        assert heard == [(n, 9) for n in range(1, 10)]
        heard.clear()
        personal_bests(store, progress=lambda done, total: heard.append((done, total)))
        assert heard == []
        store.annotate(3, facts.VOID, rep=3)
        personal_bests(store, progress=lambda done, total: heard.append((done, total)))
        assert heard == [(1, 1)]


def test_a_session_is_read_up_to_its_mark_and_without_bytes_for_the_engine(db):
    with st.SessionStore(db) as store:
        every = list(store.events(2))
        mark = every[len(every) // 2].id
        engine = list(store.events(2, kinds=DRIVING_KINDS, until=mark, raw=False))
    wanted = [e for e in every if e.id <= mark and e.event.kind in DRIVING_KINDS]
    assert [(e.id, e.source, e.event) for e in engine] == [(e.id, e.source, e.event) for e in wanted]  # raw: no compare
    assert all(e.event.raw == b"" for e in engine) and all(e.event.raw for e in every)


def test_the_latest_unfinished_session_is_found_past_ended_ones(db):
    with st.SessionStore(db) as store:
        assert store.latest_unfinished() == 8  # its END was undone
        store.annotate(8, facts.UNDO, annotation=store.annotations(8)[-1].id)  # the undo undone: ended again
        assert store.latest_unfinished() is None
        sid = store.start_session(course=COURSE)
        assert store.latest_unfinished() == sid


async def test_a_new_session_reads_its_history_in_a_thread_and_says_how_far(db, tmp_path):
    config = SessionConfig(course=Course.parse(COURSE), athletes=tuple(presets(3)), plan=get_plan("rsa").with_reps(1),
                           seed=7)
    capture = tmp_path / "today.cap"
    write_capture(simulate(config), str(capture))
    ticks = 0

    async def beat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    with st.SessionStore(db) as store:
        pipeline = Pipeline(store, [create(f"replay:{capture}?speed=max")], course=Course.parse(COURSE),
                            athletes=[a.name for a in config.athletes], resume=False)
        messages = pipeline.subscribe()
        beating = asyncio.create_task(beat())
        await pipeline.start()
        during = ticks
        beating.cancel()
        await pipeline.wait()
        loading = []
        while not messages.empty():
            if isinstance(message := messages.get_nowait(), HistoryLoading):
                loading.append((message.done, message.total))
        assert loading == [(n, 9) for n in range(1, 10)]
        assert during > 9  # the event loop ran while nine sessions were derived
        started = Settings.stored(store.annotations(pipeline.session))
        assert started.bests() == personal_bests(store, pipeline.session) == pipeline.pbs != {}


def test_the_progress_line_is_drawn_on_a_terminal_only(monkeypatch):
    master, slave = os.openpty()
    with os.fdopen(slave, "w") as terminal:
        monkeypatch.setattr(sys, "stderr", terminal)
        show = progress_line("deriving", "sessions")
        show(1, 3)  # too few to be worth a line
        show(412, 1040)
        show(1040, 1040)
    drawn = b""
    while select.select([master], [], [], 1.0)[0] and (chunk := _read(master)):
        drawn += chunk
    os.close(master)
    drawn = drawn.decode()
    assert drawn == "\rderiving 412/1040 sessions…\rderiving 1040/1040 sessions…\r\n"


def _read(fd: int) -> bytes:
    """What the terminal has; nothing once its other end is closed (Linux says EIO then)."""
    try:
        return os.read(fd, 4096)
    except OSError:
        return b""
