"""BLE across processes: `gates simulate --ble` serves its radio's host side as HCI on a unix socket,
and `gates monitor --source ble:name=GATE-*` drives it through bleak and a bumble host stack."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from drivers.ble_source import BleSource
from simulators.athletes import presets
from simulators.ble_backend import HCI_ENV, BumbleRadio, JitteryLink, RadioServer
from simulators.ble_gate import BleGate
from simulators.virtual_time import run
from support.cli import gates

GATES = [sys.executable, "-m", "monitor"]
WAIT_S = 90.0
# How far each rep's splits may be from truth. A split over BLE is the difference of two gates' own clocks,
# each mapped onto the host's by ClockSync from the fastest deliveries heard so far. Rep 1 starts 5.4 s
# into the simulator's session, 3.5-7 s after the gates connected one by one, before their clocks are
# synced (10 s of samples): the monitor then puts each clock's error at 1-2.6 ms on a loaded machine, and
# its splits were off by up to 4.6 ms at load 3.9 (up to 3.2 ms idle). Rep 2, 12 s later, is on synced
# clocks (0.2-0.7 ms each; off by up to 3.1 ms under load).
SPLIT_WITHIN_MS = (8.0, 5.0)


def test_a_source_reaches_the_gates_over_hci_on_a_unix_socket_and_again_after_a_restart(tmp_path):
    path = str(tmp_path / "hci.sock")

    async def scenario():
        loop = asyncio.get_running_loop()
        link = JitteryLink(seed=2)
        server = await RadioServer.serve(link, path)
        gate = BleGate(link, 1, "C0:FF:EE:00:00:01", lambda: round(loop.time() * 1e6))
        await gate.start()
        heard = []
        for _ in range(2):  # a monitor, then a restarted one on the same radio
            source = BleSource("name=GATE-*", radio=BumbleRadio.over(f"unix:{path}"),
                               clock=lambda: round(loop.time() * 1e9))
            async with source:
                async def consume(source=source):
                    async for event in source.events():
                        heard.append(event.seq)
                consumer = asyncio.create_task(consume())
                await asyncio.sleep(10)
                gate.beam()
                await asyncio.sleep(1)
            await consumer
        await gate.stop()
        await server.close()
        return heard

    assert run(scenario()) == [0, 1]


def test_a_source_started_before_the_radio_reaches_it_once_it_is_served(tmp_path):
    """A monitor switched on before the gates' radio is up says so, retries, and gets there."""
    path = str(tmp_path / "hci.sock")

    async def scenario():
        loop = asyncio.get_running_loop()
        link = JitteryLink(seed=3)
        source = BleSource("name=GATE-*", radio=BumbleRadio.over(f"unix:{path}"),
                           clock=lambda: round(loop.time() * 1e9), backoff_s=(0.05, 0.1))
        heard, seen = [], []
        async with source:
            async def consume():
                async for event in source.events():
                    heard.append(event.seq)

            async def watch():
                async for status in source.statuses():
                    seen.append(status.state.value)
            tasks = [asyncio.create_task(consume()), asyncio.create_task(watch())]
            await asyncio.sleep(1)  # nobody serves the radio yet
            server = await RadioServer.serve(link, path)
            gate = BleGate(link, 1, "C0:FF:EE:00:00:01", lambda: round(loop.time() * 1e6))
            await gate.start()
            await asyncio.sleep(10)
            gate.beam()
            await asyncio.sleep(1)
        await asyncio.gather(*tasks)
        await gate.stop()
        await server.close()
        return heard, seen

    heard, seen = run(scenario())
    assert "error" in seen and heard == [0]


def test_simulate_ble_refuses_what_it_cannot_do():
    for args, problem in [(["--ble", "--speed", "5"], "real time"), (["--ble", "--protocol", "alge-timy"], "--protocol"),
                          (["--out", "x.cap", "--hci-socket", "/tmp/x.sock"], "only goes with --ble")]:
        done = gates("simulate", *args)
        assert done.returncode == 2 and problem in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_monitor_on_ble_against_simulate_ble_in_another_process(tmp_path):
    """The monitor starts first and waits for the radio, as a coach's laptop is on before the gates:
    the simulator plays its session in real time from its own start and then stops, so a monitor slow
    to start on a loaded machine would otherwise join late, or after the session is over."""
    sock, truth_path, db = tmp_path / "hci.sock", tmp_path / "truth.json", tmp_path / "gates.sqlite3"
    athletes = ",".join(a.name for a in presets(2))  # whom `simulate --athletes 2` runs

    async def scenario():
        monitor = await asyncio.create_subprocess_exec(
            *GATES, "monitor", "--headless", "--json", "--source", "ble:name=GATE-*", "--course", "0,10,20,30",
            "--athletes", athletes, "--db", str(db), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, HCI_ENV: f"unix:{sock}"})
        simulator, log, records = None, [], []
        try:
            async with asyncio.timeout(WAIT_S):
                while not any("retrying" in line for line in log):  # up, and looking for the radio
                    line = (await monitor.stderr.readline()).decode()
                    assert line, "".join(log)
                    log.append(line)
            simulator = await asyncio.create_subprocess_exec(
                *GATES, "simulate", "--ble", "--plan", "rsa", "--athletes", "2", "--reps", "1", "--seed", "4",
                "--truth", str(truth_path), "--hci-socket", str(sock), stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
            banner = (await asyncio.wait_for(simulator.stdout.readline(), WAIT_S)).decode()
            async with asyncio.timeout(WAIT_S):
                while len([r for r in records if r["type"] == "rep"]) < 2:
                    line = await monitor.stdout.readline()
                    assert line, (await monitor.stderr.read()).decode()
                    records.append(json.loads(line))
        finally:
            started = [proc for proc in (monitor, simulator) if proc is not None]
            for proc in started:
                if proc.returncode is None:
                    proc.send_signal(signal.SIGINT)
            await asyncio.wait_for(asyncio.gather(*(proc.wait() for proc in started)), WAIT_S)
        log = "".join(log) + (await monitor.stderr.read()).decode()
        return banner, json.loads(truth_path.read_text()), records, log

    banner, truth, records, log = asyncio.run(scenario())
    assert f"HCI at {sock}" in banner and "4 of 4 gates connected" in log
    assert ",".join(a["name"] for a in truth["athletes"]) == athletes
    reps = [r for r in records if r["type"] == "rep"]
    for rep, true, within_ms in zip(reps, [r for r in truth["reps"] if r["rep"] is not None], SPLIT_WITHIN_MS):
        assert rep["athlete"] == true["athlete"]
        off_ms = [round(1000 * (got - want), 2) for got, want in zip(rep["splits_s"], true["splits_s"])]
        assert all(abs(off) < within_ms for off in off_ms), f"rep {rep['rep']}: splits off truth by {off_ms} ms"


def test_no_radio_to_reach_is_a_status_and_a_retry_not_a_crash(tmp_path):
    missing = tmp_path / "nobody.sock"

    async def scenario():
        source = BleSource("name=GATE-*", radio=BumbleRadio.over(f"unix:{missing}"), backoff_s=(0.05, 0.1))
        seen = []
        async with source:
            async def watch():
                async for status in source.statuses():
                    seen.append(status)
            watcher = asyncio.create_task(watch())
            await asyncio.sleep(0.5)
        await watcher
        return seen

    seen = asyncio.run(scenario())
    errors = [s for s in seen if s.state.value == "error"]
    assert len(errors) == 1 and str(missing) in errors[0].reason and "retrying" in errors[0].reason
    assert seen[-1].state.value == "closed"
