"""`gates monitor --headless` as a person runs it, in a subprocess: killed with SIGKILL mid-session and
started again on the same database; a port that does not exist or may not be opened; bad arguments;
and `gates sessions`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from dataclasses import replace

import pytest
from support.cli import gates

from gates.course import Course
from gates.gateline import GatelineDecoder
from monitor.store import db as st
from monitor.session.model import SessionModel
from simulators.athletes import presets
from simulators.capture import write_capture
from simulators.gate_device import Faults
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from simulators.session import SessionConfig, simulate
from simulators.wire import WIRES
from support.headless import Monitor
from support.truth import key

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux ptys")


def sim(reps: int = 4, **changes):
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(3)),
                           plan=get_plan("rsa").with_reps(reps), seed=41)
    return simulate(replace(config, **changes))


def emitted(session) -> list[tuple]:
    link_faults = dict(noise=0.0, corrupt=0.0, drop=0.0, link=0.0, latency=0.0, jitter=0.0)
    clean = simulate(replace(session.config, faults=replace(session.config.faults, **link_faults)))
    return sorted(key(e) for e in GatelineDecoder().feed(clean.capture()))


def stored(db) -> tuple[int | None, list]:
    with st.SessionStore(db, readonly=True) as store:
        sessions = store.sessions()
        if not sessions:
            return None, []
        return sessions[-1].id, list(store.events(sessions[-1].id))


async def test_killed_mid_session_then_restarted_loses_nothing_and_resumes(tmp_path):
    session = sim(reps=2, faults=Faults(double=0.1, noise=0.02))  # six reps: three seen, a kill, the rest resumed
    truth = [r for r in session.truth["reps"] if r["rep"] is not None]
    link, db = tmp_path / "ttyGATES", tmp_path / "gates.sqlite3"
    args = ["--source", f"serial:{link}", "--db", str(db), "--athletes", "Ada,Ben,Cleo"]
    async with PtyDevice(session, speed=10, link=link) as device:
        first = await Monitor(*args).start()

        def mid_rep() -> bool:  # an athlete is between the start and the finish gate right now
            now_s = device.now_us() / 1e6
            return any(r["start_s"] < now_s < r["start_s"] + r["time_s"] for r in truth)

        await first.until(lambda: len(first.reps()) >= 3 and mid_rep())
        first.proc.kill()  # SIGKILL mid-rep: no chance to tidy up
        assert await first.stop() == -signal.SIGKILL
        shown = first.reps()
        sid, before = stored(db)
        with st.SessionStore(db, readonly=True) as store:  # the database as the kill left it ...
            at_kill = SessionModel.derive(before, store.annotations(sid))
        for rep in shown:  # ... holds every rep it showed: each was committed before it was shown
            again = at_kill.results[rep["rep"]]
            assert (again.rep.athlete, round(again.rep.time_us / 1e6, 6)) == (rep["athlete"], rep["time_s"])
        await asyncio.sleep(1.0)  # the gates carry on while nobody listens
        second = await Monitor(*args).start()
        await second.until(lambda: any("resumed" in line for line in second.errors))
        assert any(f"session {sid} resumed" in line for line in second.errors)
        await device.finished()
        want = emitted(session)
        await second.until(lambda: len(stored(db)[1]) >= len(want))
        assert await second.stop(signal.SIGINT) == 0
    assert device.discarded > 0 and device.resent > 0
    sid2, after = stored(db)
    assert sid2 == sid
    assert [s.id for s in after[:len(before)]] == [s.id for s in before]  # kept as committed
    assert sorted(key(s.event) for s in after) == want  # zero missing, nothing twice
    with st.SessionStore(db, readonly=True) as store:
        model = SessionModel.derive(store.events(sid), store.annotations(sid))
        assert store.session(sid).ended
    assert len(model.results) == len(truth)
    for rep in truth:
        got = model.results[rep["rep"]].rep
        assert got.athlete == rep["athlete"], (rep, got)
        assert all(abs(m / 1e6 - t) < 0.001 for m, t in zip(got.splits_us, rep["splits_s"]))
    latest = {r["rep"]: r for r in first.reps() + second.reps()}
    assert sorted(latest) == [r["rep"] for r in truth]  # between them the two runs printed every rep
    for rep in shown:
        assert latest[rep["rep"]]["time_s"] == rep["time_s"]
    summary = second.records[-1]
    assert summary["type"] == "summary" and summary["session"] == sid and summary["ended"]
    assert not any("Traceback" in line for line in first.errors + second.errors)


async def test_a_port_that_does_not_exist_is_reported_and_waited_for(tmp_path):
    monitor = await Monitor("--source", "serial:/dev/gates-no-such-port", "--db", str(tmp_path / "g.sqlite3")).start()
    await monitor.until(lambda: any("does not exist" in line for line in monitor.errors))
    assert await monitor.stop(signal.SIGINT) == 0
    text = "".join(monitor.errors)
    assert "serial:/dev/gates-no-such-port: error: /dev/gates-no-such-port does not exist" in text
    assert "Traceback" not in text
    assert monitor.records[-1]["type"] == "summary" and monitor.records[-1]["events"] == 0


async def test_a_port_without_permission_is_reported_not_a_traceback(tmp_path):
    prefix = []
    if os.geteuid() == 0:
        # root opens anything: drop the capabilities that let it ignore file modes, as setpriv does
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot take root's override of file modes away")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    async with PtyDevice(sim(reps=1), speed=1) as device:
        pts = device.pts
        os.chmod(pts, 0)
        monitor = await Monitor("--source", f"serial:{pts}", "--db", str(tmp_path / "g.sqlite3"),
                                prefix=prefix).start()
        await monitor.until(lambda: any("permission denied" in line for line in monitor.errors))
        assert await monitor.stop(signal.SIGINT) == 0
    text = "".join(monitor.errors)
    assert f"permission denied on {pts}" in text and "dialout" in text
    assert "Traceback" not in text


async def test_sigterm_stops_the_monitor_but_leaves_the_session_open_for_the_next_start(tmp_path):
    path = tmp_path / "s.cap"
    write_capture(sim(reps=2), str(path))
    db = tmp_path / "g.sqlite3"
    monitor = await Monitor("--source", f"replay:{path}?speed=5", "--db", str(db)).start()
    await monitor.until(lambda: len(monitor.reps()) >= 1)
    assert await monitor.stop(signal.SIGTERM) == 0
    with st.SessionStore(db, readonly=True) as store:
        assert store.latest_unfinished() == store.sessions()[-1].id


def without_profile(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("mss", "mac", "mss_dropoff_pct")}


@pytest.mark.parametrize("protocol", sorted(WIRES))
def test_headless_replay_prints_exactly_what_analyze_prints_for_every_codec(tmp_path, protocol):
    """One engine: the same capture gives the same rep lines, profiles included, through both commands."""
    path = tmp_path / "s.cap"
    write_capture(sim(reps=3, protocol=protocol, faults=Faults(double=0.1)), str(path))
    names = ["--athletes", "Ada,Ben,Cleo", "--protocol", protocol]
    analyzed = gates("analyze", str(path), "--json", *names)
    monitored = gates("monitor", "--headless", "--json", "--source", f"replay:{path}?speed=max&protocol={protocol}",
                        "--db", str(tmp_path / "g.sqlite3"), "--athletes", "Ada,Ben,Cleo")
    assert analyzed.returncode == 0 and monitored.returncode == 0, analyzed.stderr + monitored.stderr
    reps = [json.loads(line) for line in monitored.stdout.splitlines() if '"type": "rep"' in line]
    offline = [json.loads(line) for line in analyzed.stdout.splitlines() if '"type": "rep"' in line]
    assert reps and reps == offline
    fitted = [r for r in reps if r["valid"] and None not in r["splits_s"]]
    assert fitted and all(r["mss"] > 0 and r["mac"] > 0 and r["mss_dropoff_pct"] >= 0 for r in fitted)
    quick = gates("analyze", str(path), "--json", "--no-profiles", *names)
    unfitted = [json.loads(line) for line in quick.stdout.splitlines() if '"type": "rep"' in line]
    assert [without_profile(r) for r in unfitted] == [without_profile(r) for r in reps]
    assert all(r["mss"] is None and r["mss_dropoff_pct"] is None for r in unfitted)
    assert all(r["pb_s"] is None and r["intensity_pb_pct"] is None and not r["new_pb"] for r in reps)
    listed = gates("sessions", "--db", str(tmp_path / "g.sqlite3"), "--json")
    assert listed.returncode == 0
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["session"] == 1 and row["course"] == "0,10,20,30" and row["ended"] is not None
    assert row["athletes"] == ["Ada", "Ben", "Cleo"] and row["sources"] == [f"replay:{path}"]
    table = gates("sessions", "--db", str(tmp_path / "g.sqlite3"))
    assert "0,10,20,30" in table.stdout and "ended" in table.stdout


def test_a_second_headless_session_judged_against_the_pb_reports_it(tmp_path):
    db = str(tmp_path / "g.sqlite3")
    runs = []
    for seed in (41, 42):
        path = tmp_path / f"{seed}.cap"
        write_capture(sim(reps=4, seed=seed), str(path))
        done = gates("monitor", "--headless", "--json", "--source", f"replay:{path}?speed=max", "--db", db,
                       "--athletes", "Ada,Ben,Cleo", "--against", "pb", "--floor", "99", "--new")
        assert done.returncode == 0, done.stderr
        runs.append([json.loads(line) for line in done.stdout.splitlines() if '"type": "rep"' in line])
    first, second = runs
    names = ("Ada", "Ben", "Cleo")
    ever = {name: min(r["time_s"] for r in first if r["athlete"] == name and r["valid"]) for name in names}
    pbs = dict(ever)
    fallbacks = [r["reason"] for r in first if r["reason"]]
    assert fallbacks and all(", no PB yet" in reason for reason in fallbacks)
    assert all(r["pb_s"] is None for r in first)
    for r in second:  # in finish order: `ever` is the best before this rep, earlier sessions and today
        name = r["athlete"]
        assert r["pb_s"] == pbs[name]
        if r["valid"]:
            assert r["new_pb"] == (r["time_s"] < ever[name])
            ever[name] = min(ever[name], r["time_s"])
            assert r["intensity_pb_pct"] == pytest.approx(ever[name] / r["time_s"] * 100, abs=1e-3)
    judged = [r for r in second if r["reason"]]
    assert judged and all(" of PB " in r["reason"] for r in judged)


def test_once_every_athlete_is_at_end_headless_says_the_workout_is_done_once(tmp_path):
    path = tmp_path / "s.cap"
    write_capture(sim(reps=4), str(path))
    base = ("monitor", "--headless", "--source", f"replay:{path}?speed=max", "--athletes", "Ada,Ben,Cleo",
            "--max-reps", "2", "--new")
    done = gates(*base, "--db", str(tmp_path / "a.sqlite3"))
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stdout.splitlines() if line.startswith("workout done")]
    assert said == ["workout done: every athlete has reached END (Ctrl-C ends the session)"]
    done = gates(*base, "--json", "--db", str(tmp_path / "b.sqlite3"))
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r for r in records if r["type"] == "finished"] == [{"type": "finished", "reason": "every athlete has reached END"}]


def test_session_resumes_only_a_session_the_database_holds_open(tmp_path):
    path, db = tmp_path / "s.cap", str(tmp_path / "g.sqlite3")
    write_capture(sim(reps=2), str(path))
    base = ("monitor", "--headless", "--source", f"replay:{path}?speed=max", "--db", db, "--athletes", "Ada,Ben,Cleo")
    assert gates(*base).returncode == 0  # session 1, ended with its capture
    for session, words in (("7", f"no session 7 in {db} (it holds session 1; `gates sessions` lists them)"),
                           ("1", "session 1 has ended; start a new one")):
        done = gates(*base, "--session", session)
        assert done.returncode == 2 and done.stderr.strip().splitlines() == [f"gates monitor: {words}"], done.stderr
    with st.SessionStore(db, readonly=True) as store:
        assert [info.id for info in store.sessions()] == [1]


@pytest.mark.parametrize("args, words", [
    (["--source", "bogus"], "is not a source spec"),
    (["--source", "/dev/ttyUSB0"], "did you mean 'serial:/dev/ttyUSB0'"),
    (["--source", "usb:/dev/x"], "unknown source type 'usb'"),
    (["--source", "replay:/nonexistent/x.cap"], "no such file"),
    (["--source", "serial:/dev/x?protocol=morse"], "unknown protocol 'morse'"),
    (["--source", "line:loop://?cts=0"], "cts must be a gate id"),
    (["--source", "replay:x.cap?speed=-1"], "speed must be a number above 0"),
    (["--source", "serial:/dev/x", "--course", "0,10,5"], "--course"),
    (["--source", "serial:/dev/x", "--against", "yesterday"], "--against: invalid choice: 'yesterday'"),
])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, args, words):
    done = gates("monitor", "--headless", "--db", str(tmp_path / "g.sqlite3"), *args)
    assert done.returncode == 2
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_database_that_is_not_one_is_refused(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all " * 200)
    done = gates("monitor", "--headless", "--source", "serial:/dev/x", "--db", str(junk))
    assert done.returncode == 2 and "junk.sqlite3" in done.stderr and "Traceback" not in done.stderr
    done = gates("sessions", "--db", str(tmp_path / "missing.sqlite3"))
    assert done.returncode == 2 and "no such session database" in done.stderr


def test_in_one_process_each_run_prints_to_the_stdout_and_stderr_of_its_call(tmp_path):
    """A script (or a test) running `gates monitor --headless` twice, redirecting each run: the second
    run's lines go to the second redirect, not to the first run's stream, closed by then."""
    import contextlib
    import io

    from monitor.cli.main import main

    session = sim(reps=1)
    capture = tmp_path / "s.cap"
    write_capture(session, str(capture))
    printed = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["monitor", "--source", f"replay:{capture}?speed=max", "--course", "0,10,20,30", "--headless",
                         "--json", "--new", "--db", str(tmp_path / "s.sqlite3"),
                         "--athletes", ",".join(a.name for a in presets(3))])
        assert code == 0, err.getvalue()
        printed.append([json.loads(line)["athlete"] for line in out.getvalue().splitlines()
                        if json.loads(line).get("type") == "rep"])
        out.close(), err.close()  # the first run's streams are gone before the second runs
    assert printed[0] == printed[1] == [a["name"] for a in session.truth["athletes"]]
