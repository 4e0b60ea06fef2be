"""Faults of the disk under a live session, made for real: a small filesystem filled to the last byte
(disk full), the database files made immutable (writes fail with EPERM: read-only), a database that
refuses the session's first write. The session goes on from memory, says it is not saving, and once
the disk takes writes again the store holds every event the gates sent (the simulator's truth) and
nothing stored before was touched.

The tests run as root (as CI does): file modes do not stop root, so read-only is `chattr +i` and a
small disk is a tmpfs mounted for the test; each skips, saying why, where that is not permitted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import gates
from support.conditions import wait_for
from support.virtual_time import clock_ns, on_virtual_time
from support.truth import drain, key, sent
from support.headless import Monitor

from drivers.serial_source import SerialSource
from gates.course import Course
from gates.events import GateEvent
from gates.rep import VOIDED
from monitor.store import db as st
from monitor.session import facts
from monitor.session.model import SessionModel
from monitor.live.pipeline import Pipeline, RepFinished, StoreFailed, StoreSaving
from simulators.sim_source import SimulatorSource
from monitor.tui.bridge import open_dashboard
from monitor.store.unsaved import Unsaved
from simulators.athletes import presets
from simulators.live import LiveSimulator
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from simulators.session import SessionConfig, simulate

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux ptys and mounts")
COURSE = Course.parse("0,10,20,30")


def sim(reps: int = 6):
    return simulate(SessionConfig(course=COURSE, athletes=tuple(presets(3)), plan=get_plan("rsa").with_reps(reps),
                                  seed=51))


def names(session) -> list[str]:
    return [a["name"] for a in session.truth["athletes"]]


class SmallDisk:
    """A 4 MiB tmpfs: `fill()` takes every free byte with a filler file, `free()` gives them back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        with open(self.filler, "ab", buffering=0) as f, contextlib.suppress(OSError):  # until ENOSPC
            while True:
                f.write(b"\0" * 4096)

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield SmallDisk(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def immutable(paths: list[Path], on: bool) -> None:
    subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], check=True, capture_output=True)


@pytest.fixture
def read_only(tmp_path):
    """`read_only(db, True)` makes the database and its WAL refuse writes (not the shared-memory index,
    which SQLite maps: a write there would be a SIGBUS, not an error); False undoes it."""
    probe = tmp_path / "probe"
    probe.touch()
    done = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"chattr +i is not supported here: {done.stderr.strip()}")
    immutable([probe], False)
    made: list[Path] = []

    def set_read_only(db: Path, on: bool) -> None:
        files = [f for f in (db, db.with_name(db.name + "-wal")) if f.exists()]
        immutable(files, on)
        made.extend(files)

    yield set_read_only
    immutable([p for p in made if p.exists()], False)  # or pytest could not clean tmp_path


@on_virtual_time
async def test_a_full_disk_mid_session_keeps_the_session_in_memory_and_loses_nothing(small_disk, tmp_path):
    session = sim()
    expected = sent(session)
    link = tmp_path / "tty"
    db = small_disk.path / "gates.sqlite3"
    with st.SessionStore(db) as store:
        async with PtyDevice(session, speed=15, link=link) as device:
            pipeline = Pipeline(store, [SerialSource(str(link), clock=clock_ns)], course=COURSE,
                                athletes=names(session), clock=clock_ns)
            messages = pipeline.subscribe()
            async with pipeline:
                await wait_for(lambda: len(pipeline.model.results) >= 1)
                before = list(store.events(pipeline.session))
                small_disk.fill()
                await wait_for(lambda: pipeline.unsaved is not None)
                shown = len(pipeline.model.results)
                await wait_for(lambda: len(pipeline.model.results) > shown)  # reps go on from memory
                voided = max(pipeline.model.results)
                pipeline.annotate(facts.VOID, rep=voided)  # and so do the coach's decisions
                assert not any(n.kind == facts.VOID for n in store.annotations(pipeline.session))  # not on disk yet
                small_disk.free()
                await wait_for(lambda: pipeline.unsaved is None)  # the backlog is written
                await device.finished()
                await wait_for(lambda: pipeline.events >= len(expected))
                live = pipeline.model.ordered_results()
        got = drain(messages)
        after = list(store.events(pipeline.session))
        again = SessionModel.derive(after, store.annotations(pipeline.session))
        with contextlib.closing(sqlite3.connect(db)) as check:
            integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
    failed = [i for i, m in enumerate(got) if isinstance(m, StoreFailed)]
    saving = [i for i, m in enumerate(got) if isinstance(m, StoreSaving)]
    assert len(failed) == 1 and got[failed[0]].reason == f"disk full: {db}"
    assert len(saving) == 1 and got[saving[0]].saved > 0
    assert any(isinstance(m, RepFinished) for m in got[failed[0]:saving[0]])  # shown while not saving
    assert sorted(key(s.event) for s in after) == expected  # zero lost, nothing twice
    assert after[:len(before)] == before  # what was stored before the disk filled is untouched
    assert integrity == "ok"
    assert again.ordered_results() == live  # the store alone gives the session that was shown
    assert VOIDED in again.results[voided].rep.flags


async def test_read_only_database_files_mid_session_say_so_in_one_line_and_catch_up(read_only, tmp_path):
    session = sim(reps=3)
    link, db = tmp_path / "ttyGATES", tmp_path / "gates.sqlite3"
    args = ["--source", f"serial:{link}", "--db", str(db), "--athletes", ",".join(names(session))]
    async with PtyDevice(session, speed=15, link=link) as device:
        monitor = await Monitor(*args).start()
        await monitor.until(lambda: len(monitor.reps()) >= 1)
        read_only(db, True)
        await monitor.until(lambda: any("NOT SAVING" in line for line in monitor.errors))
        shown = len(monitor.reps())
        await monitor.until(lambda: len(monitor.reps()) > shown)  # still printing reps
        read_only(db, False)
        await monitor.until(lambda: any("saving again" in line for line in monitor.errors))
        await device.finished()
        with st.SessionStore(db, readonly=True) as store:
            sid = store.sessions()[-1].id
            await wait_for(lambda: len(list(store.events(sid))) >= len(sent(session)))
        assert await monitor.stop(signal.SIGINT) == 0
    not_saving = [line for line in monitor.errors if "NOT SAVING" in line]
    assert not_saving == [f"gates monitor: NOT SAVING (disk I/O error: {db}); the session goes on in memory and "
                          "is written as soon as the database takes it\n"]
    with st.SessionStore(db, readonly=True) as store:
        assert sorted(key(s.event) for s in store.events(sid)) == sent(session)
        model = SessionModel.derive(store.events(sid), store.annotations(sid))
    assert [r["rep"] for r in monitor.reps()] == sorted(model.results)
    assert monitor.records[-1]["unsaved"] == 0 and not any("Traceback" in line for line in monitor.errors)


async def test_the_dashboard_says_not_saving_until_the_disk_takes_writes_again(small_disk):
    cfg = SessionConfig(course=COURSE, athletes=tuple(presets(3)), plan=get_plan("rsa").with_reps(6), seed=51)
    with st.SessionStore(small_disk.path / "gates.sqlite3") as store:
        pipeline = Pipeline(store, [SimulatorSource(LiveSimulator(simulate(cfg), speed=20))], course=COURSE,
                            athletes=[a.name for a in cfg.athletes])
        app = await open_dashboard(pipeline, where="simulator")
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                banner = app.not_saving
                assert not banner.display
                await wait_for(lambda: len(pipeline.model.results) >= 1)
                small_disk.fill()
                await wait_for(lambda: pipeline.unsaved is not None)
                await pilot.pause()
                assert banner.display and banner.region.height == 1
                assert str(banner.render()).startswith(f"NOT SAVING — disk full: {small_disk.path / 'gates.sqlite3'}")
                small_disk.free()
                await wait_for(lambda: pipeline.unsaved is None)
                await pilot.pause()
                assert not banner.display
        finally:
            await pipeline.stop(end=False)


def run_monitor(*args: str) -> subprocess.CompletedProcess:
    return gates("monitor", "--headless", "--course", "0,10,20,30", *args, timeout=120)


def test_a_database_that_refuses_the_first_write_is_one_line_and_exit_2(read_only, tmp_path):
    capture = tmp_path / "s.cap"
    capture.write_bytes(sim(reps=1).capture())
    db = tmp_path / "gates.sqlite3"
    with st.SessionStore(db) as store:
        sid = store.start_session(course="0,10,20,30")
        store.end_session(sid)
    read_only(db, True)
    done = run_monitor("--source", f"replay:{capture}?speed=max", "--db", str(db))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"gates monitor: cannot write the session database: the database is read-only: {db}"]
    read_only(db, False)
    with st.SessionStore(db, readonly=True) as store:
        assert [s.id for s in store.sessions()] == [sid]  # the stored session is still there, untouched


def test_a_database_on_a_read_only_filesystem_is_one_line_and_exit_2(tmp_path):
    mount = tmp_path / "ro"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a read-only tmpfs here: {done.stderr.strip()}")
    try:
        capture = tmp_path / "s.cap"
        capture.write_bytes(sim(reps=1).capture())
        done = run_monitor("--source", f"replay:{capture}", "--db", str(mount / "gates.sqlite3"))
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(f"gates monitor: --db {mount}")
    assert "Traceback" not in done.stderr and not os.listdir(mount)


@on_virtual_time
async def test_quit_while_the_disk_is_full_then_restart_gets_the_unsaved_events_from_the_gates(small_disk, tmp_path):
    session = sim()
    expected = sent(session)
    link = tmp_path / "tty"
    db = small_disk.path / "gates.sqlite3"
    with st.SessionStore(db) as store:
        async with PtyDevice(session, speed=15, link=link) as device:
            first = Pipeline(store, [SerialSource(str(link), clock=clock_ns)], course=COURSE,
                             athletes=names(session), clock=clock_ns)
            async with first:
                await wait_for(lambda: len(first.model.results) >= 1)
                small_disk.fill()
                await wait_for(lambda: first.unsaved is not None and len(first.unsaved.events) >= 4)
            assert first.unsaved is not None  # quit (not ended) with events only in memory: they are gone ...
            assert not store.session(first.session).ended
            small_disk.free()
            second = Pipeline(store, [SerialSource(str(link), clock=clock_ns)], course=COURSE,
                              athletes=names(session), clock=clock_ns)
            async with second:  # ... but the gates still have them: the resumed session asks for them
                assert second.session == first.session
                await device.finished()
                await wait_for(lambda: len(list(store.events(second.session))) >= len(expected))
                live = second.model.ordered_results()
        stored = list(store.events(second.session))
        again = SessionModel.derive(stored, store.annotations(second.session))
    assert device.resent > 0
    assert sorted(key(s.event) for s in stored) == expected
    assert again.ordered_results() == live
    assert [r.rep.number for r in live] == [r["rep"] for r in session.truth["reps"] if r["rep"] is not None]


def test_a_backlog_keeps_its_order_when_another_program_took_its_ids(tmp_path):
    def ev(seq: int) -> GateEvent:
        return GateEvent(1, seq, 1_000 * seq)

    with st.SessionStore(tmp_path / "gates.sqlite3") as store:
        mine = store.start_session(course="0,30")
        store.append(mine, "serial:a", [ev(0)])
        unsaved = Unsaved(store, mine, st.StoreWriteError(store.path, "disk full"))
        assert [e.event.seq for e in unsaved.append("serial:a", [ev(0), ev(1), ev(2)])] == [1, 2]  # 0 is stored
        void = unsaved.annotate(facts.VOID, {"rep": 1})
        unsaved.annotate(facts.UNDO, {"annotation": void.id})
        assert unsaved.append("serial:a", [ev(2), ev(3)])[0].event.seq == 3  # 2 is held already
        other = store.start_session(course="0,30")  # meanwhile another program takes those ids
        store.append(other, "serial:b", [ev(0), ev(1)])
        assert unsaved.write()
        events = list(store.events(mine))
        notes = store.annotations(mine)
    assert [e.event.seq for e in events] == [0, 1, 2, 3]
    void_row, undo_row = notes[-2:]
    assert (void_row.kind, undo_row.kind) == (facts.VOID, facts.UNDO)
    assert undo_row.data == {"annotation": void_row.id}  # the undo still names the void
    assert void_row.after_event == events[2].id  # and the void still comes after the events it followed
    assert facts.effective(notes)[-1].kind == facts.COURSE
