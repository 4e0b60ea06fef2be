"""Event packs (monitor/store/packs.py) are a cache of the events table: a session read through its pack
and the rows after it gives the same events, bytes and order as its rows alone, for every argument of
`SessionStore.events`; a pack that is not what its row says is not read; a read-only store never packs."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as hs

from gates.events import GateEvent, Kind
from monitor.session.facts import END
from monitor.store import packs
from monitor.store.db import SessionStore
from monitor.store.summaries import refresh
from support.packs_kept import packs_kept

INT64 = hs.integers(-(2**63), 2**63 - 1)
TEXT = hs.text(hs.characters(blacklist_categories=("Cs",)), max_size=3)
EVENT = hs.builds(GateEvent, gate=hs.one_of(hs.integers(0, 8), INT64), seq=hs.one_of(hs.integers(0, 99), INT64),
                  device_us=INT64, host_ns=INT64, kind=hs.sampled_from(Kind),
                  start_number=hs.one_of(hs.none(), hs.integers(0, 300), INT64),
                  channel=hs.one_of(hs.none(), hs.sampled_from(["C1", "255"]), TEXT),
                  flag=hs.one_of(hs.sampled_from(["", "m"]), TEXT),
                  raw=hs.one_of(hs.binary(max_size=12), hs.sampled_from([b"", b"\x00", b"\xff\xfe\x00", b"$GT\r\n"])))
SOURCES = ["serial:/dev/ttyUSB0", "ble:AA", "s\x00x"]
BATCHES = hs.lists(hs.tuples(hs.integers(0, 1), hs.sampled_from(SOURCES), hs.lists(EVENT, max_size=6)), max_size=8)
QUERY = hs.fixed_dictionaries({
    "after": hs.one_of(hs.just(0), hs.integers(-3, 90)), "until": hs.one_of(hs.none(), hs.integers(-3, 90)),
    "source": hs.one_of(hs.none(), hs.sampled_from([*SOURCES, "other"])),
    "kinds": hs.one_of(hs.none(), hs.frozensets(hs.sampled_from(Kind))), "raw": hs.booleans()})


def read(store: SessionStore, session: int, packed: bool, **query: object) -> list[tuple]:
    return [(e, e.event.raw) for e in store.events(session, packed=packed, **query)]


@given(before=BATCHES, after=BATCHES, queries=hs.lists(QUERY, min_size=1, max_size=6))
def test_a_pack_and_the_rows_after_it_read_as_the_rows_alone(before, after, queries):
    with tempfile.TemporaryDirectory() as tmp, SessionStore(Path(tmp) / "s.sqlite3") as store:
        sessions = [store.start_session(course="0,30"), store.start_session(course="0,30")]
        for which, source, events in before:  # the two sessions' events interleave, as two monitors' would
            store.append(sessions[which], source, events)
        written = [store.write_pack(sid) for sid in sessions]
        for which, source, events in after:  # the tail, after each pack's mark
            store.append(sessions[which], source, events)
        for sid, packed in zip(sessions, written):
            served = store.served_pack(sid)
            assert (served is not None) == packed
            assert not packed or packs.read(served[3], sid, *served[1:3]) is not None  # read from the pack
            for query in queries:
                assert read(store, sid, True, **query) == read(store, sid, False, **query)


def test_a_pack_holds_the_session_up_to_its_mark_and_is_served(tmp_path):
    with SessionStore(tmp_path / "s.sqlite3") as store:
        sid = store.start_session(course="0,30")
        store.append(sid, "a", [GateEvent(1, n, n * 10, raw=b"%d\x00" % n) for n in range(5)])
        assert store.write_pack(sid)
        _, last, count, data = store.served_pack(sid)
        assert (last, count) == (store.last_event_id(sid), 5)
        assert [(e, e.event.raw) for e in packs.read(data, sid, last, count)] == read(store, sid, False)


def test_a_pack_that_is_not_what_its_row_says_is_not_read(tmp_path):
    with SessionStore(tmp_path / "s.sqlite3") as store:
        one, two = store.start_session(course="0,30"), store.start_session(course="0,30")
        for sid in (one, two):
            store.append(sid, "a", [GateEvent(1, n, n * 10 + sid, raw=b"x") for n in range(3)])
            store.write_pack(sid)
        rows = read(store, one, False)
        store._db.execute("UPDATE event_packs SET format = format + 1 WHERE session_id = ?", (one,))
        assert store.served_pack(one) is None and read(store, one, True) == rows  # another format
        store._db.execute("UPDATE event_packs SET format = format - 1, events = 4 WHERE session_id = ?", (one,))
        assert store.served_pack(one) is None and read(store, one, True) == rows  # rows the table does not hold
        store._db.execute("UPDATE event_packs SET events = 3, data = (SELECT data FROM event_packs WHERE session_id"
                          " = ?) WHERE session_id = ?", (two, one))
        assert store.served_pack(one) is not None and read(store, one, True) == rows  # another session's pack


def test_an_ended_session_is_packed_and_a_read_only_store_packs_nothing(tmp_path):
    path = tmp_path / "s.sqlite3"
    with SessionStore(path) as store:
        sid = store.start_session(course="0,30")
        store.append(sid, "a", [GateEvent(1, n, n * 10) for n in range(3)])
        open_session = store.start_session(course="0,30")
        store.append(open_session, "a", [GateEvent(2, 0, 5)])
        store.annotate(sid, END)
        assert set(packs_kept(store)) == {sid}
    with SessionStore(path, readonly=True) as reader:
        assert refresh(reader)  # derived in memory, nothing kept
        reader.keep_pack(open_session)
        assert set(packs_kept(reader)) == {sid}
    with SessionStore(path) as store:
        refresh(store)  # a derivation packs what it reads
        assert set(packs_kept(store)) == {sid, open_session}


def test_an_imported_session_is_packed(tmp_path):
    with SessionStore(tmp_path / "a.sqlite3") as source, SessionStore(tmp_path / "b.sqlite3") as store:
        sid = source.start_session(course="0,30")
        source.append(sid, "a", [GateEvent(1, n, n * 10, raw=b"r%d" % n) for n in range(4)])
        copy = store.import_session(created_ns=1, name="", events=list(source.events(sid)),
                                    annotations=source.annotations(sid), baselines=())
        assert store.served_pack(copy) is not None
        assert [(e.event, e.event.raw) for e in store.events(copy)] == [(e.event, e.event.raw) for e in source.events(sid)]
