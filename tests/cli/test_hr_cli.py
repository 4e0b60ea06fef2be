"""`--hr` on the command line: a bad pairing is one line and exit 2 before anything opens, and
`gates monitor --hr` receives the straps `gates simulate --ble --hr` serves in another process (the
real bumble stack over HCI on a unix socket), storing their samples with the session.
The monitor starts after the simulator (it is paired by the names the simulator prints), so how many
beats it hears by the first finish depends on how fast it started: the test waits for the beats, not
for a fixed time."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
from contextlib import closing

import pytest
from support.cli import GATES, gates

from monitor.store import db as st
from simulators.ble_backend import HCI_ENV

WAIT_S = 120.0
BEATS = 10  # samples of each strap, at 1 Hz
MONITOR = ("monitor", "--headless", "--source", "replay:nowhere.cap", "--athletes", "Ada,Ben")


@pytest.mark.parametrize("args, problem", [
    (["--hr", "Zed=hr:name=Polar*"], "--hr 'Zed=hr:name=Polar*': no athlete 'Zed' in the group (Ada, Ben)"),
    (["--hr", "Ada=hr:name="], "needs a pattern"),
    (["--hr", "Ada=ble:name=GATE-*"], "a strap is paired by an hr: spec"),
    (["--hr", "hr:name=Polar*"], "is not a pairing"),
    (["--hr", "Ada=hr:name=A*", "--hr", "Ada=hr:name=B*"], "Ada already has a strap"),
    (["--hr", "Ada=hr:name=A*", "--hr", "Ben=hr:name=A*"], "that strap is already Ada's"),
    (["--hr-rest", "Ada=fast"], "--hr-rest 'Ada=fast': expected ATHLETE=BPM"),
    (["--hr-rest", "Zed=50"], "no athlete 'Zed'"),
    (["--hr-ready", "1.5"], "a fraction of heart-rate reserve between 0 and 1"),
])
def test_a_bad_pairing_or_setting_is_one_line_and_exit_2(args, problem, tmp_path):
    done = gates(*MONITOR, "--db", str(tmp_path / "g.sqlite3"), *args)
    assert done.returncode == 2 and problem in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "g.sqlite3").exists()


def test_simulated_straps_are_on_the_simulated_radio_only():
    done = gates("simulate", "--out", "-", "--hr")
    assert done.returncode == 2 and "--hr goes with --ble" in done.stderr and "Traceback" not in done.stderr


def beats(db) -> dict[str, int]:
    """Samples stored so far per athlete (the monitor commits them every second), read beside it."""
    if not db.exists():
        return {}
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        try:
            return dict(con.execute("SELECT athlete, count(*) FROM hr_samples GROUP BY athlete"))
        except sqlite3.OperationalError:  # not made yet
            return {}


@pytest.mark.slow
def test_monitor_with_straps_against_simulate_ble_hr_in_another_process(tmp_path):
    sock, db = tmp_path / "hci.sock", tmp_path / "gates.sqlite3"

    async def scenario():
        simulator = await asyncio.create_subprocess_exec(
            *GATES, "simulate", "--ble", "--hr", "--plan", "rsa", "--athletes", "Ada,Ben", "--reps", "2",
            "--seed", "4", "--hci-socket", str(sock), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        banner = b"".join([await asyncio.wait_for(simulator.stdout.readline(), WAIT_S) for _ in range(2)]).decode()
        pairings = [word for word in banner.split() if word.startswith(("Ada=hr:", "Ben=hr:"))]
        args = [a for p in pairings for a in ("--hr", p)]
        monitor = await asyncio.create_subprocess_exec(
            *GATES, "monitor", "--headless", "--json", "--source", "ble:name=GATE-*", "--course", "0,10,20,30",
            "--athletes", "Ada,Ben", "--db", str(db), *args, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env={**os.environ, HCI_ENV: f"unix:{sock}"})
        records = []
        try:
            async with asyncio.timeout(WAIT_S):
                while not any(r["type"] == "rep" for r in records):  # the straps connect first, the gates after
                    line = await monitor.stdout.readline()
                    assert line, (await monitor.stderr.read()).decode()
                    records.append(json.loads(line))
                while min(beats(db).get(name, 0) for name in ("Ada", "Ben")) < BEATS:  # and each strap's beats
                    await asyncio.sleep(0.2)
        finally:
            for proc in (monitor, simulator):
                if proc.returncode is None:
                    proc.send_signal(signal.SIGINT)
            await asyncio.wait_for(asyncio.gather(monitor.wait(), simulator.wait()), WAIT_S)
        records += [json.loads(line) for line in (await monitor.stdout.read()).decode().splitlines()]
        return pairings, records

    pairings, records = asyncio.run(scenario())
    assert len(pairings) == 2
    summary = next(r for r in records if r["type"] == "summary")
    with st.SessionStore(db, readonly=True) as store:
        samples = store.hr_samples(summary["session"])
    assert set(samples) == {"Ada", "Ben"} and summary["hr_samples"] == sum(len(s) for s in samples.values())
    assert all(len(s) >= BEATS and all(40 < x.bpm < 220 for x in s if x.bpm) for s in samples.values())
