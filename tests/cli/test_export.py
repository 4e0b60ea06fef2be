"""`gates export` and `gates import` on a real stored session: the CSV a spreadsheet or R reads, the JSON
that carries the session whole and comes back into a fresh database as the same reps, and one-line
refusals (exit 2, nothing written) for every bad id, path or file."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from support.stored_sessions import NAMES, make_session, make_small_session
from support.cli import gates

from gates.rep import MISSED_GATE, VOIDED
from monitor import exchange
from monitor.store import saved as saved_session
from monitor.store import db as st
from monitor.session import facts
from monitor.session.model import SessionModel
from monitor.present.records import rep_record


def refused(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2 with one line on stderr that says what is wrong, nothing on stdout, no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


def derived(path, sid) -> SessionModel:
    with st.SessionStore(path, readonly=True) as store:
        return SessionModel.derive(store.events(sid), store.annotations(sid))


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "gates.sqlite3"
    return path, make_session(path)


@pytest.fixture(scope="module")
def exported(stored, tmp_path_factory):
    path, sid = stored
    out = tmp_path_factory.mktemp("json") / "session.json"
    proc = gates("export", str(sid), "--format", "json", "-o", str(out), "--db", str(path))
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
    return out


# -- CSV --------------------------------------------------------------------------------------------

def test_csv_has_one_row_per_split_matching_the_derived_reps(stored):
    path, sid = stored
    proc = gates("export", str(sid), "--format", "csv", "--db", str(path))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout, newline="")))
    assert list(rows[0]) == list(exchange.CSV_HEADER)
    results = derived(path, sid).ordered_results()
    expected = [(r.rep.number, r.rep.athlete, d - r.rep.course.distances_m[0], split, r.rep.valid, r.rep.flags)
                for r in results for d, split in zip(r.rep.course.distances_m[1:], r.rep.splits_us)]
    assert len(rows) == len(expected) == sum(len(r.rep.splits_us) for r in results)
    for row, (number, athlete, distance, split, valid, flags) in zip(rows, expected):
        assert (row["session"], row["rep"], row["athlete"], row["course"]) == (str(sid), str(number), athlete,
                                                                               "0,10,20,30")
        assert float(row["distance_m"]) == distance
        assert row["time_s"] == "" if split is None else round(float(row["time_s"]) * 1e6) == split
        assert row["valid"] == ("true" if valid else "false")
        assert set(filter(None, row["flags"].split(";"))) == flags
    assert {row["athlete"] for row in rows} == set(NAMES)  # the hostile name survives quoting whole
    assert any(row["time_s"] == "" and MISSED_GATE in row["flags"] for row in rows)
    assert any(VOIDED in row["flags"] and row["valid"] == "false" for row in rows)
    assert all(row["date"] == rows[0]["date"] and len(row["date"]) == 10 for row in rows)


def test_csv_to_a_file_is_rfc_4180_utf8_and_what_stdout_gets(stored, tmp_path):
    path, sid = stored
    out = tmp_path / "splits.csv"
    assert gates("export", str(sid), "--format", "csv", "-o", str(out), "--db", str(path)).returncode == 0
    data = out.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n")  # CRLF line ends, none bare
    assert "Zoë".encode() in data
    assert b'"<script>alert(""x"")</script>, O\'Neil & co"' in data  # quoted, inner quotes doubled
    stdout = subprocess.run([sys.executable, "-m", "monitor", "export", str(sid), "--format", "csv", "--db",
                             str(path)], capture_output=True, timeout=120).stdout
    assert stdout == data


def test_csv_fits_a_sprint_profile_as_shorts_would(stored):
    """The rows of one rep are what `shorts::model_timing_gates(distance, time)` takes; `gates fit` agrees."""
    path, sid = stored
    rows = list(csv.DictReader(io.StringIO(gates("export", str(sid), "--format", "csv", "--db", str(path)).stdout)))
    rep = next(r for r in derived(path, sid).ordered_results() if r.rep.valid and None not in r.rep.splits_us)
    mine = [row for row in rows if row["rep"] == str(rep.rep.number)]
    fit = gates("fit", "--distances", ",".join(r["distance_m"] for r in mine),
                "--times", ",".join(r["time_s"] for r in mine), "--json")
    assert fit.returncode == 0, fit.stderr
    assert 6 < json.loads(fit.stdout)["MSS"] < 12


NAME = hs.text(hs.characters(codec="utf-8"), min_size=1, max_size=12)


@given(names=hs.lists(NAME, min_size=1, max_size=3, unique=True))
@settings(max_examples=40, deadline=None)
def test_any_athlete_name_comes_back_whole_from_the_csv(names, tmp_path_factory):
    """Commas, quotes, line breaks, markup, any script: the csv module reads back what was stored."""
    path = tmp_path_factory.mktemp("names") / "gates.sqlite3"
    sid = make_small_session(path, names)
    rows = list(csv.DictReader(io.StringIO(exchange.csv_text(saved_session.load(str(path), str(sid))), newline="")))
    assert [row["athlete"] for row in rows] == [name for name in names for _ in range(3)]
    assert all(row["valid"] == "true" and row["time_s"] for row in rows)


def test_a_session_without_events_exports_and_imports(tmp_path):
    db = tmp_path / "gates.sqlite3"
    with st.SessionStore(db) as store:
        sid = store.start_session(course="0,30", athletes=["Ada"])
    csv_proc = gates("export", str(sid), "--format", "csv", "--db", str(db))
    assert csv_proc.returncode == 0 and csv_proc.stdout.splitlines() == [",".join(exchange.CSV_HEADER)]
    out = tmp_path / "empty.json"
    assert gates("export", str(sid), "--format", "json", "-o", str(out), "--db", str(db)).returncode == 0
    doc = json.loads(out.read_text())
    assert doc["events"] == [] and doc["reps"] == [] and [n["kind"] for n in doc["annotations"]] == [
        facts.START, facts.COURSE, facts.ROSTER]
    proc = gates("import", str(out), "--db", str(tmp_path / "other.sqlite3"))
    assert proc.returncode == 0 and "0 events, 3 annotations, 0 reps" in proc.stdout
    with st.SessionStore(tmp_path / "other.sqlite3", readonly=True) as store:
        assert store.session(1).course == "0,30" and store.session(1).athletes == ("Ada",)


def test_every_rotation_decision_exports_and_imports(tmp_path):
    db, out = tmp_path / "gates.sqlite3", tmp_path / "s.json"
    decisions = [(facts.SKIP, {}), (facts.OUT_OF_TURN, {"athlete": "Ben"}), (facts.NEXT_UP, {"athlete": "Ada"}),
                 (facts.ADD_ATHLETE, {"athlete": "Zoë"}), (facts.BRING_BACK, {"athlete": "Ada"}),
                 (facts.REMOVE_ATHLETE, {"athlete": "Zoë"})]
    with st.SessionStore(db) as store:
        sid = store.start_session(course="0,30", athletes=["Ada", "Ben"])
        for kind, data in decisions:
            store.annotate(sid, kind, **data)
    assert gates("export", str(sid), "--format", "json", "-o", str(out), "--db", str(db)).returncode == 0
    proc = gates("import", str(out), "--db", str(tmp_path / "other.sqlite3"))
    assert proc.returncode == 0, proc.stderr
    with st.SessionStore(tmp_path / "other.sqlite3", readonly=True) as store:
        assert [(n.kind, n.data) for n in store.annotations(1)][3:] == decisions


# -- JSON and the round trip -------------------------------------------------------------------------

def test_json_carries_events_annotations_baselines_and_reps(stored, exported):
    path, sid = stored
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"]) == (exchange.FORMAT, exchange.VERSION)
    with st.SessionStore(path, readonly=True) as store:
        events, notes = list(store.events(sid)), store.annotations(sid)
        assert doc["session"]["athletes"] == NAMES and doc["session"]["name"] == "Tuesday speed"
        assert [b["source"] for b in doc["baselines"]] == [s for s, _, _ in store.all_baselines(sid)]
    assert [e["id"] for e in doc["events"]] == [e.id for e in events]
    assert [bytes.fromhex(e["raw_hex"]) for e in doc["events"]] == [e.event.raw for e in events]
    assert [(e["gate"], e["seq"], e["device_us"], e["host_ns"], e["kind"]) for e in doc["events"]] == [
        (e.event.gate, e.event.seq, e.event.device_us, e.event.host_ns, e.event.kind.value) for e in events]
    assert [(n["kind"], n["data"], n["after_event"], n["created_ns"]) for n in doc["annotations"]] == [
        (n.kind, n.data, n.after_event, n.created_ns) for n in notes]
    assert doc["reps"] == [rep_record(r) for r in derived(path, sid).ordered_results()]
    assert doc["settings"]["floor_pct"] == 95.0
    assert {facts.VOID, facts.REASSIGN, facts.UNDO, facts.END} <= {n["kind"] for n in doc["annotations"]}


def test_export_then_import_into_a_fresh_database_gives_the_same_reps(stored, exported, tmp_path):
    path, sid = stored
    fresh = tmp_path / "fresh.sqlite3"
    proc = gates("import", str(exported), "--db", str(fresh))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"imported session {sid} from {exported} as session 1 in {fresh}")
    original, again = derived(path, sid), derived(fresh, 1)
    assert again.ordered_results() == original.ordered_results()
    assert [rep_record(r) for r in again.ordered_results()] == json.loads(exported.read_text())["reps"]
    assert again.abandoned == original.abandoned
    with st.SessionStore(path, readonly=True) as a, st.SessionStore(fresh, readonly=True) as b:
        assert [(e.source, e.event, e.event.raw) for e in b.events(1)] == [
            (e.source, e.event, e.event.raw) for e in a.events(sid)]
        assert b.session(1).created_ns == a.session(sid).created_ns and b.session(1).ended
        assert b.all_baselines(1) == a.all_baselines(sid)


def test_an_import_beside_other_sessions_maps_every_reference_to_the_new_ids(stored, exported, tmp_path):
    """In a database with sessions already, every id differs: each annotation still applies after the
    same event and the undo still cancels the same void."""
    path, sid = stored
    busy = tmp_path / "busy.sqlite3"
    other = make_session(busy, reps=2, seed=3)
    proc = gates("import", str(exported), "--db", str(busy))
    assert proc.returncode == 0, proc.stderr
    new = other + 1
    with st.SessionStore(path, readonly=True) as a, st.SessionStore(busy, readonly=True) as b:
        old_events, new_events = [e.id for e in a.events(sid)], [e.id for e in b.events(new)]
        old_notes, new_notes = a.annotations(sid), b.annotations(new)
        assert new_events[0] != old_events[0]
        position = {eid: i for i, eid in enumerate(old_events)} | {0: -1}
        new_position = {eid: i for i, eid in enumerate(new_events)} | {0: -1}
        assert [position[n.after_event] for n in old_notes] == [new_position[n.after_event] for n in new_notes]
        undo_old, undo_new = (next(n for n in notes if n.kind == facts.UNDO) for notes in (old_notes, new_notes))
        target = next(n for n in new_notes if n.id == undo_new.data["annotation"])
        assert target.kind == facts.VOID and target.data == next(
            n for n in old_notes if n.id == undo_old.data["annotation"]).data
    assert derived(busy, new).ordered_results() == derived(path, sid).ordered_results()


# -- refusals -----------------------------------------------------------------------------------------

def _doc(exported) -> dict:
    return json.loads(exported.read_text(encoding="utf-8"))


def _set(where: str, value):
    """A change to the document: the value at a dotted path (list indexes as numbers) replaced."""
    def change(doc):
        *keys, last = where.split(".")
        target = doc
        for key in keys:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value
        return doc
    return change


def _first(kind: str, key: str, value):
    """A change to the first annotation of `kind`."""
    def change(doc):
        next(n for n in doc["annotations"] if n["kind"] == kind)[key] = value
        return doc
    return change


def _without_raw(doc):
    del doc["events"][0]["raw_hex"]
    return doc


def _event_twice(doc):
    doc["events"].insert(5, doc["events"][4])
    return doc


def _event_again_under_a_new_id(doc):
    doc["events"].append({**doc["events"][0], "id": 10 ** 9})
    return doc


BAD_DOCUMENTS = {
    "not a gates export": (lambda doc: {"rows": doc["events"]}, "not a gates session export"),
    "another version": (_set("version", 2), "version 2"),
    "an event field of the wrong type": (_set("events.3.device_us", "12.5"), "events[3]: 'device_us' must be"),
    "a number SQLite cannot hold": (_set("events.3.host_ns", 2 ** 64), "events[3]: 'host_ns' must be"),
    "a missing field": (_without_raw, "events[0] has no 'raw_hex'"),
    "bytes that are not hex": (_set("events.0.raw_hex", "zz"), "not hexadecimal"),
    "an unknown event kind": (_set("events.1.kind", "Q"), "unknown event kind 'Q'"),
    "an unknown annotation kind": (_first("void", "kind", "rename"), "unknown annotation kind 'rename'"),
    "a bad course": (_first("course", "data", {"course": "30,10"}), "must increase"),
    "bad settings": (_first("start", "data", {"sources": [], "settings": {"floor_pct": "high"}}),
                     "'floor_pct' must be a number"),
    "a roster that is not names": (_first("roster", "data", {"athletes": ["Ada", {"n": 1}]}),
                                   "'athletes' must be a list of text"),
    "a floor that is no percentage": (_first("start", "data", {"sources": [], "settings": {"floor_pct": 120}}),
                                      "floor must be a percentage"),
    "an annotation after a missing event": (_first("void", "after_event", 99_999), "after event 99999"),
    "an undo of nothing": (_first("undo", "data", {"annotation": 12_345}), "undoes 12345"),
    "an event given twice": (_event_twice, "given twice"),
    "an event repeated under another id": (_event_again_under_a_new_id, "repeats an earlier event"),
}


@pytest.mark.parametrize("case", BAD_DOCUMENTS)
def test_a_bad_file_is_refused_in_one_line_and_nothing_is_written(case, exported, tmp_path):
    change, words = BAD_DOCUMENTS[case]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(change(_doc(exported))), encoding="utf-8")
    missing_db = tmp_path / "new.sqlite3"
    assert refused(gates("import", str(bad), "--db", str(missing_db)), str(bad), words)
    assert not missing_db.exists() and list(tmp_path.iterdir()) == [bad]  # no database made, not even empty
    existing = tmp_path / "existing.sqlite3"
    sid = make_session(existing, reps=1)
    before = sqlite3.connect(existing).execute("SELECT count(*) FROM events").fetchone()
    refused(gates("import", str(bad), "--db", str(existing)), words)
    with st.SessionStore(existing, readonly=True) as store:
        assert [s.id for s in store.sessions()] == [sid]
    assert sqlite3.connect(existing).execute("SELECT count(*) FROM events").fetchone() == before


def test_a_truncated_file_is_refused(exported, tmp_path):
    cut = tmp_path / "cut.json"
    data = exported.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    refused(gates("import", str(cut), "--db", str(tmp_path / "db.sqlite3")), str(cut), "cut short")
    assert not (tmp_path / "db.sqlite3").exists()


def test_files_that_cannot_be_read_are_refused(tmp_path):
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    refused(gates("import", str(binary), "--db", str(tmp_path / "db")), "not UTF-8")
    (tmp_path / "notes.txt").write_text("shopping list\n")
    refused(gates("import", str(tmp_path / "notes.txt"), "--db", str(tmp_path / "db")), "not JSON")
    (tmp_path / "edited.json").write_text('{"format": "gates-session", "version": 1,, }')
    refused(gates("import", str(tmp_path / "edited.json"), "--db", str(tmp_path / "db")),
            "damaged JSON", "line 1 column 42")
    refused(gates("import", str(tmp_path / "none.json"), "--db", str(tmp_path / "db")), "No such file")
    refused(gates("import", str(tmp_path), "--db", str(tmp_path / "db")), "Is a directory")
    assert not (tmp_path / "db").exists()


@given(cut=hs.integers(min_value=0))
@settings(max_examples=100, deadline=None)
def test_an_export_cut_anywhere_is_refused(exported, cut):
    text = exported.read_text(encoding="utf-8").rstrip()
    with pytest.raises(exchange.ExchangeError):
        exchange.parse(text[: cut % len(text)])


JSON_VALUES = hs.recursive(hs.none() | hs.booleans() | hs.integers() | hs.floats() | hs.text(max_size=8),
                           lambda inner: hs.lists(inner, max_size=3) | hs.dictionaries(hs.text(max_size=8), inner,
                                                                                        max_size=3), max_leaves=6)


def _places(value, into: list) -> list:
    """Every (container, key) of a JSON document, depth first."""
    items = enumerate(value) if isinstance(value, list) else value.items() if isinstance(value, dict) else ()
    for key, child in items:
        into.append((value, key))
        _places(child, into)
    return into


def _import_or_refuse(rows: exchange.Imported, where) -> None:
    """What parse accepted goes into a real store that then works, or the store refuses it whole."""
    with st.SessionStore(where / "gates.sqlite3") as store:
        try:
            sid = store.import_session(created_ns=rows.created_ns, name=rows.name, events=rows.events,
                                       annotations=rows.annotations, baselines=rows.baselines)
        except st.StoreError:
            assert store.sessions() == []  # rolled back
            return
        assert store.session(sid).events == len(rows.events)
        SessionModel.derive(store.events(sid), store.annotations(sid))  # and the session replays


@given(place=hs.integers(min_value=0), value=JSON_VALUES)
@settings(max_examples=300, deadline=None)
def test_any_field_set_to_any_json_value_is_read_or_refused_never_a_crash(exported, place, value,
                                                                          tmp_path_factory):
    doc = _doc(exported)
    doc["events"] = doc["events"][:6]  # a few of each kind of row keep every place likely to be drawn
    places = _places(doc, [])
    container, key = places[place % len(places)]
    container[key] = value
    try:
        rows = exchange.parse(json.dumps(doc))
    except exchange.ExchangeError as err:
        assert "\n" not in str(err)
        return
    _import_or_refuse(rows, tmp_path_factory.mktemp("edited"))


@given(flips=hs.lists(hs.tuples(hs.integers(min_value=0), hs.characters(codec="utf-8")), min_size=1, max_size=4))
@settings(max_examples=200, deadline=None)
def test_a_damaged_export_is_read_or_refused_never_a_crash(exported, flips, tmp_path_factory):
    """A file edited by hand or damaged: refused in one line, or imported into a store that then works."""
    text = list(exported.read_text(encoding="utf-8"))
    for where, char in flips:
        text[where % len(text)] = char
    try:
        rows = exchange.parse("".join(text))
    except exchange.ExchangeError as err:
        assert "\n" not in str(err)
        return
    _import_or_refuse(rows, tmp_path_factory.mktemp("damaged"))


# -- bad ids and paths --------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [("export", "--format", "csv"), ("report", "-o", "/dev/null")])
def test_bad_session_ids_and_databases(command, stored, tmp_path):
    path, sid = stored
    name, *options = command
    for session, words in (("abc", "'abc' is not a session id"), ("-3", "'-3' is not a session id"),
                           ("0", "is not a session id")):
        refused(gates(name, session, *options, "--db", str(path)), words)
    refused(gates(name, "99", *options, "--db", str(path)), f"no session 99 in {path} (it holds session {sid};")
    refused(gates(name, str(sid), *options, "--db", str(tmp_path / "none.sqlite3")), "no such session database")
    assert not (tmp_path / "none.sqlite3").exists()
    # no --db and no database in the data directory yet: say where it looked, make nothing
    refused(gates(name, str(sid), *options, env={"XDG_DATA_HOME": str(tmp_path / "data")}),
            str(tmp_path / "data"), "no sessions yet:", "does not exist")
    assert not (tmp_path / "data").exists()
    junk = tmp_path / "notes.txt"
    junk.write_text("shopping list\n" * 100)
    refused(gates(name, str(sid), *options, "--db", str(junk)), str(junk))


def test_an_unknown_format_is_refused(stored):
    path, sid = stored
    proc = gates("export", str(sid), "--format", "xml", "--db", str(path))
    assert proc.returncode == 2 and "invalid choice: 'xml'" in proc.stderr and len(proc.stderr.splitlines()) == 1


def _unwritable(tmp_path):
    regular = tmp_path / "file.txt"
    regular.write_text("x")
    return [(tmp_path, "is a directory"), (tmp_path / "no" / "such" / "out.csv", "does not exist"),
            (regular / "out.csv", "is not a directory")]


@pytest.mark.parametrize("command", [("export", "--format", "json"), ("report",)])
def test_an_output_path_that_cannot_be_written_is_refused(command, stored, tmp_path):
    path, sid = stored
    for target, words in _unwritable(tmp_path):
        refused(gates(*command[:1], str(sid), *command[1:], "-o", str(target), "--db", str(path)), str(target), words)


def test_the_session_database_is_never_written_over(stored):
    path, sid = stored
    before = path.read_bytes()
    for target in (path, path.with_name(path.name + "-wal")):
        if target.exists():
            refused(gates("export", str(sid), "--format", "csv", "-o", str(target), "--db", str(path)),
                    "is the session database")
            refused(gates("report", str(sid), "-o", str(target), "--db", str(path)), "is the session database")
    assert path.read_bytes() == before
    assert gates("sessions", "--db", str(path)).returncode == 0


def test_an_output_without_permission_is_refused(stored, tmp_path):
    path, sid = stored
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root writes anywhere: take away its override of file modes, as setpriv does
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot take root's override of file modes away")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    target = locked / "out.csv"
    refused(gates("export", str(sid), "--format", "csv", "-o", str(target), "--db", str(path), prefix=prefix),
            str(target), "Permission denied")
    assert not target.exists()
