"""The pseudo-terminal device: the exact session bytes to a host, `$GR` answered from the buffers,
and an unplug that a reconnecting reader survives without losing an event."""

import asyncio
import os
import sys
import termios
import tty
from dataclasses import replace

import pytest
from support.cli import gates

from gates.course import Course
from gates.gateline import GatelineDecoder, encode_resend
from simulators.athletes import presets
from simulators.gate_device import Faults
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from simulators.session import SessionConfig, simulate

pytestmark = pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin")), reason="needs POSIX ptys")

SPEED = 400.0  # a ~100 s session in a quarter of a second


def small_session(**changes):
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(2)),
                           plan=get_plan("rsa").with_reps(3), seed=5)
    return simulate(replace(config, **changes))


class Host:
    """A minimal serial reader on the device path (pyserial-free: os + termios)."""

    def __init__(self, path: str, raw: bool = True) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        if raw:
            tty.setraw(self.fd)
        self.data = bytearray()
        self.eof = False

    async def read_for(self, seconds: float) -> None:
        """Read whatever comes in `seconds` (stops early at end of file: the device was unplugged)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end and not self.eof:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                await asyncio.sleep(0.005)
                continue
            except OSError:  # EIO: hung up
                chunk = b""
            if not chunk:
                self.eof = True
            self.data += chunk

    async def read_until(self, done, timeout: float = 20.0) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not done(bytes(self.data)) and not self.eof and loop.time() < end:
            await self.read_for(0.02)

    def flush_input(self) -> None:
        """What a serial library does as it opens a port (pyserial: after setting it up)."""
        termios.tcflush(self.fd, termios.TCIFLUSH)

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self) -> None:
        os.close(self.fd)


def events_of(data: bytes):
    return GatelineDecoder().feed(data)


async def test_a_host_receives_exactly_the_capture_bytes():
    session = small_session(faults=Faults(double=0.2, noise=0.05))
    capture = session.capture()
    async with PtyDevice(session, speed=SPEED) as device:
        assert device.path.startswith("/dev/")
        host = Host(device.path)
        await host.read_until(lambda d: len(d) >= len(capture))
        await device.finished()
        host.close()
    assert bytes(host.data) == capture
    assert device.written == len(capture) and device.discarded == 0


async def test_the_port_passes_bytes_untranslated_even_for_a_host_that_sets_nothing():
    session = small_session()
    capture = session.capture()
    async with PtyDevice(session, speed=SPEED) as device:
        host = Host(device.path, raw=False)
        await host.read_until(lambda d: len(d) >= len(capture))
        host.close()
    assert bytes(host.data) == capture  # CR LF stays CR LF


async def test_a_host_slow_to_set_its_port_up_still_gets_the_session_from_its_first_byte():
    session = small_session()
    capture = session.capture()
    async with PtyDevice(session, speed=SPEED) as device:
        host = Host(device.path, raw=False)
        await asyncio.sleep(0.1)  # a loaded machine between pyserial's open() and its flush: 40 % of the session
        host.flush_input()
        await host.read_until(lambda d: len(d) >= len(capture))
        host.close()
    assert bytes(host.data) == capture


async def test_resend_request_is_answered_from_the_buffer():
    session = small_session()
    async with PtyDevice(session, speed=SPEED) as device:
        host = Host(device.path)
        await device.finished()
        await host.read_for(0.05)
        streamed = len(host.data)
        host.write(encode_resend(3, 2))
        await host.read_until(lambda d: len(d) > streamed)
        await host.read_for(0.05)
        host.close()
    resent = events_of(bytes(host.data[streamed:]))
    all_gate3 = [e for e in events_of(session.capture()) if e.gate == 3]
    assert [(e.seq, e.device_us, e.kind) for e in resent] == [(e.seq, e.device_us, e.kind) for e in all_gate3[2:]]
    assert device.resent == len(resent)


async def test_unplug_and_reconnect_at_the_stable_link_loses_no_event(tmp_path):
    session = small_session(plan=get_plan("rsa").with_reps(4))
    link = tmp_path / "ttyGATES"
    want = {(e.gate, e.seq, e.device_us, e.kind) for e in events_of(session.capture())}
    async with PtyDevice(session, speed=SPEED / 4, link=link) as device:
        assert os.path.realpath(link) == device.pts
        host = Host(str(link))
        await host.read_until(lambda d: d.count(b"$GT") >= 20)
        await device.unplug(0.3)
        await host.read_for(1.0)
        assert host.eof  # the reader saw the cable go
        host.close()
        held = events_of(bytes(host.data))
        assert os.path.exists(link) and device.plugs == 2
        host = Host(str(link))  # reconnect at the same path
        await device.finished()
        await host.read_for(0.05)
        after = len(host.data)
        # ask every gate for everything after the last event we hold from before the unplug
        for gate in (1, 2, 3, 4):
            last = max((e.seq for e in held if e.gate == gate), default=-1)
            host.write(encode_resend(gate, last + 1))
        await host.read_until(lambda d: len(d) > after)
        await host.read_for(0.1)
        host.close()
    assert device.discarded > 0 and device.resent > 0  # the unplug lost bytes on the wire ...
    got = {(e.gate, e.seq, e.device_us, e.kind) for e in held + events_of(bytes(host.data))}
    assert got == want  # ... and the resend buffer gave every event back


async def test_bytes_sent_while_no_host_listens_are_lost_not_queued():
    session = small_session()
    capture = session.capture()
    async with PtyDevice(session, speed=SPEED / 8) as device:
        host = Host(device.path)
        await host.read_until(lambda d: len(d) > 2000)
        host.close()
        await asyncio.sleep(0.2)
        host = Host(device.path)
        await device.finished()
        await host.read_for(0.05)
        host.close()
    assert device.discarded > 0
    assert len(host.data) < len(capture) and capture.endswith(bytes(host.data[-200:]))


async def test_speed_must_be_positive():
    with pytest.raises(ValueError):
        PtyDevice(small_session(), speed=0)


async def test_gates_simulate_serial_streams_the_same_bytes_as_the_capture(tmp_path):
    args = ["--athletes", "2", "--plan", "rsa", "--reps", "2", "--seed", "4", "--faults", "double=0.2"]
    capture = tmp_path / "s.cap"
    cmd = [sys.executable, "-m", "monitor", "simulate"]
    gates("simulate", "--out", str(capture), *args, check=True)
    proc = await asyncio.create_subprocess_exec(*cmd, "--serial", "--speed", "100", *args,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        path = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        host = Host(path)
        expected = capture.read_bytes()
        await host.read_until(lambda d: len(d) >= len(expected))
        host.close()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert bytes(host.data) == expected
