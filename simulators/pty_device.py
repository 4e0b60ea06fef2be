"""The simulated session as a live serial device on a pseudo-terminal (Linux/macOS).

It streams the session's bytes in real time (× `speed`), reads what the host writes, and answers
gateline's resend request `$GR` from the gates' 1,024-event buffers, so a reader that reconnects can
recover what it missed. The session clock starts once a host has opened the port, so nobody misses
the start: a serial library flushes the port's input as it opens it (pyserial does, after setting the
port up), and bytes sent before that flush would be thrown away, so the device waits for it. The
master runs in packet mode, in which the kernel tells it when the host flushes. A host that never
flushes (a bare `open()`, `cat`) starts the clock with its first write, or `HOST_SETTLE_S` of real
time after it opened the port.

What a pty can and cannot imitate (measured on Linux; see tests/test_sim_pty.py):
- bytes written while no host has the port open are discarded by the kernel, as a real port's
  would be: a reader that closes and reopens loses what was sent in between (and can `$GR` it);
- `unplug(seconds)` closes the master side: the reader's next read returns no data (EOF; pyserial
  says "device reports readiness to read but returned no data"), the /dev/pts/N node vanishes at
  once, as /dev/ttyUSB0 does when a USB adapter is pulled; after `seconds` a new pty is opened;
- the kernel picks the new /dev/pts/N itself (the lowest free number: the same one only if the
  reader closed its old handle and nobody else took it), so a stable path needs a symlink: with
  `link=PATH` the device keeps PATH pointing at the current pty and removes it while unplugged,
  the way udev's /dev/serial/by-id/... links follow a real adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import select
import signal
import sys
import struct
import termios
import time
import tty
from pathlib import Path

from simulators.session import Responder, SimSession

UNPLUG_S = 2.0  # how long SIGUSR1 unplugs the device under `gates simulate --serial`
POLL_S = 0.02
# real seconds, not the loop's: on virtual time the loop's clock can run far ahead while a host's open
# is still under way in its thread
HOST_SETTLE_S = 1.0


class PtyDevice:
    """`async with PtyDevice(session, speed=20, link=path) as dev:` open `dev.path`, read, write `$GR`."""

    def __init__(self, session: SimSession, speed: float = 1.0, link: str | os.PathLike | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.session = session
        self.speed = speed
        self.link = Path(link) if link is not None else None
        self.pts: str | None = None  # the current /dev/pts/N
        self.plugs = 0  # how many times the device has been plugged in
        self.written = 0  # bytes a host received
        self.discarded = 0  # bytes sent while unplugged or with no host on the port
        self._fd: int | None = None
        self._t0: float | None = None  # loop time at session time 0
        self._host_since: float | None = None  # real time the first host opened the port
        self._started = asyncio.Event()
        self._write_lock = asyncio.Lock()  # a resend never lands in the middle of a streamed frame
        self._stream_task: asyncio.Task | None = None
        self._host_task: asyncio.Task | None = None
        self._responder = Responder(session)

    # -- public ----------------------------------------------------------------------------------

    @property
    def resent(self) -> int:
        """Events sent again on the host's request."""
        return self._responder.resent

    @property
    def path(self) -> str:
        """The path a host should open: the stable link if there is one, else the current pty."""
        if self.link is not None:
            return str(self.link)
        assert self.pts is not None, "the device is unplugged"
        return self.pts

    async def __aenter__(self) -> PtyDevice:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._plug()
        self._stream_task = asyncio.get_running_loop().create_task(self._stream())

    async def finished(self) -> None:
        """Wait until the whole session has been sent."""
        assert self._stream_task is not None, "start() the device first"
        await asyncio.shield(self._stream_task)

    async def unplug(self, seconds: float) -> None:
        """Pull the cable for `seconds`, then plug a new pty in (at `link`, if given)."""
        await self._unplug()
        await asyncio.sleep(seconds)
        self._plug()

    async def close(self) -> None:
        if self._stream_task is not None:
            self._stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream_task
        await self._unplug()

    def now_us(self) -> float:
        """Session time now (0 until a host first opened the port)."""
        if self._t0 is None:
            return 0.0
        return (asyncio.get_running_loop().time() - self._t0) * self.speed * 1e6

    # -- plugging --------------------------------------------------------------------------------

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave, termios.TCSANOW)  # no echo, no CR/LF translation: bytes pass untouched
        self.pts = os.ttyname(slave)
        os.close(slave)  # only hosts hold the slave open, so we can see when none does
        os.set_blocking(master, False)
        fcntl.ioctl(master, termios.TIOCPKT, struct.pack("i", 1))  # each read: a status byte first
        self._fd = master
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.pts)
            tmp.replace(self.link)  # atomic: a host never sees a half-made link
        self.plugs += 1
        self._host_task = asyncio.get_running_loop().create_task(self._host())

    async def _unplug(self) -> None:
        if self._host_task is not None:
            self._host_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._host_task
            self._host_task = None
        if self._fd is not None:
            fd, self._fd = self._fd, None
            asyncio.get_running_loop().remove_writer(fd)
            os.close(fd)
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        self.pts = None

    @staticmethod
    def _no_host(fd: int) -> bool:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return any(ev & select.POLLHUP for _, ev in poller.poll(0))

    # -- host to device --------------------------------------------------------------------------

    async def _host(self) -> None:
        """Read what the host writes (resend requests); start the clock once a host has opened the
        port (its flush, its first write, or HOST_SETTLE_S after it appeared)."""
        loop = asyncio.get_running_loop()
        fd = self._fd
        assert fd is not None
        while True:
            if self._no_host(fd):  # a hung-up master polls readable forever: wait without spinning
                await asyncio.sleep(POLL_S)
                continue
            if self._t0 is None:
                self._host_since = self._host_since or time.monotonic()
                if time.monotonic() - self._host_since >= HOST_SETTLE_S:
                    self._start_clock()
            ready = loop.create_future()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                if self._t0 is None:  # look at the real time again now and then
                    await asyncio.wait([ready], timeout=POLL_S)
                else:
                    await ready
            finally:
                loop.remove_reader(fd)
            try:
                packet = os.read(fd, 4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:  # EIO: the host closed the port
                continue
            if not packet:
                continue
            if packet[0] != termios.TIOCPKT_DATA:  # the host's port changed state: no data
                if packet[0] & termios.TIOCPKT_FLUSHREAD:
                    self._start_clock()
                continue
            self._start_clock()
            if answer := self._responder.receive(packet[1:], self.now_us()):
                await self._write(answer)

    def _start_clock(self) -> None:
        if self._t0 is None:
            self._t0 = asyncio.get_running_loop().time()
            self._started.set()

    # -- device to host --------------------------------------------------------------------------

    async def _stream(self) -> None:
        await self._started.wait()
        loop = asyncio.get_running_loop()
        frames = self.session.frames
        i = 0
        while i < len(frames):
            due = self._t0 + frames[i].arrival_us / 1e6 / self.speed  # type: ignore[operator]
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            # everything already due goes out in one write, so high speeds cost few system calls
            now_us = self.now_us()
            j = i
            while j < len(frames) and frames[j].arrival_us <= now_us:
                j += 1
            j = max(j, i + 1)
            await self._write(b"".join(f.data for f in frames[i:j]))
            i = j

    async def _write(self, data: bytes) -> None:
        """Write to whoever holds the port; the port applies backpressure, a missing host loses it."""
        async with self._write_lock:
            await self._write_locked(data)

    async def _write_locked(self, data: bytes) -> None:
        view = memoryview(data)
        loop = asyncio.get_running_loop()
        while view:
            fd = self._fd
            if fd is None or self._no_host(fd):
                self.discarded += len(view)
                return
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                ready = loop.create_future()
                loop.add_writer(fd, lambda: ready.done() or ready.set_result(None))
                try:
                    await asyncio.wait_for(ready, POLL_S * 5)
                except asyncio.TimeoutError:
                    pass
                finally:
                    if self._fd == fd:
                        loop.remove_writer(fd)
                continue
            except OSError:
                self.discarded += len(view)
                return
            self.written += n
            view = view[n:]


def serve(session: SimSession, speed: float, link: str | None) -> int:
    """`gates simulate --serial`: print the path, stream the session, unplug for 2 s on SIGUSR1."""
    return asyncio.run(_serve(session, speed, link))


async def _serve(session: SimSession, speed: float, link: str | None) -> int:
    device = PtyDevice(session, speed=speed, link=link)
    loop = asyncio.get_running_loop()
    unplugs: list[asyncio.Task] = []

    def announce() -> None:
        print(device.path, flush=True)

    async def unplug() -> None:
        await device.unplug(UNPLUG_S)
        if link is None:
            announce()  # a new pty: its new path
        print(f"gates simulate: re-plugged as {device.pts}", file=sys.stderr, flush=True)

    async with device:
        announce()
        print(f"gates simulate: {device.pts}, waiting for a host to open it; {len(session.truth['reps'])} reps, "
              f"{session.end_us / 1e6 / speed:.0f} s at x{speed:g}; SIGUSR1 unplugs it for {UNPLUG_S:g} s",
              file=sys.stderr, flush=True)
        loop.add_signal_handler(signal.SIGUSR1, lambda: unplugs.append(loop.create_task(unplug())))
        try:
            await device.finished()
            await asyncio.sleep(1.0)  # a last chance for the host to ask for a resend
        finally:
            loop.remove_signal_handler(signal.SIGUSR1)
            for task in unplugs:
                task.cancel()
    return 0
