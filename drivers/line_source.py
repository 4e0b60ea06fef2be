"""LineSource: contact-closure photocells wired to a serial adapter's modem-status lines.

Many photocells (and timers' relay outputs) close a contact while the beam is broken. Wired between
an adapter's DTR/RTS (as supply) and its CTS, DSR, RI or CD input, a closure asserts that line; this
is how Chronojump's and many DIY setups read a gate with no protocol at all. There is no device clock,
so each edge is stamped with the host's monotonic clock at once (device_us = host µs: all lines of
the host share it), and a contact's bounce is absorbed by a short debounce.

A spec names the lines to watch and the gate each one is: `line:/dev/ttyUSB0?cts=1&dsr=2`
(default `cts=1`), with `debounce_ms` (default 5) and `invert=1` for contacts that open on a break.

How an edge is seen: on Linux the TIOCMIWAIT ioctl sleeps in the kernel until a modem line changes
(serial_core and usb-serial implement it); elsewhere, or on ports without it (pyserial's `loop://`,
network ports), a thread reads the lines every ~1 ms. Either way the waiting happens in a thread and
edges reach the event loop with `call_soon_threadsafe`. A thread blocked in TIOCMIWAIT cannot be
woken by closing, so it is a daemon thread that leaves at the next line change.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import math
import sys
import termios
import threading
import time

import serial

from drivers.port_errors import diagnose, strerror
from drivers.registry import Spec
from drivers.source import Source, State
from gates.codec import SeqCounter
from gates.events import GateEvent, Kind

LINES = {"cts": "CTS", "dsr": "DSR", "ri": "RI", "cd": "CD"}
OPTIONS = {**{k: f"gate id read from the {v} line" for k, v in LINES.items()},
           "debounce_ms": "contact bounce to ignore after an edge; default 5",
           "invert": "1 if the contact opens (line drops) when the beam is broken"}
_MASKS = {"cts": termios.TIOCM_CTS, "dsr": termios.TIOCM_DSR, "ri": termios.TIOCM_RNG, "cd": termios.TIOCM_CAR}
POLL_S = 0.001
DEBOUNCE_MS = 5.0
RETRY_S = 0.5
_TIOCMIWAIT = getattr(termios, "TIOCMIWAIT", None) if sys.platform.startswith("linux") else None


class LineSource(Source):
    def __init__(self, port: str, lines: dict[str, int] | None = None, *, debounce_ms: float = DEBOUNCE_MS,
                 invert: bool = False, name: str | None = None) -> None:
        super().__init__(name or f"line:{port}")
        self.port = port
        self.lines = dict(lines or {"cts": 1})
        unknown = set(self.lines) - set(LINES)
        if unknown:
            raise ValueError(f"unknown modem line {sorted(unknown)[0]!r} (known: {', '.join(LINES)})")
        self.debounce_ns = int(debounce_ms * 1e6)
        self.invert = invert
        self.serial: serial.SerialBase | None = None  # the open port: tests drive loop:// through it
        self.waits_in_kernel = False  # True while TIOCMIWAIT does the waiting
        self._seq = SeqCounter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened = threading.Event()

    @classmethod
    def from_spec(cls, spec: Spec) -> LineSource:
        options = spec.take(OPTIONS)
        lines: dict[str, int] = {}
        for key in LINES:
            if key in options:
                value = options[key]
                if not (value.isdigit() and 1 <= int(value) <= 255):
                    raise spec.error(f"{key} must be a gate id 1-255, not {value!r}")
                lines[key] = int(value)
        if len(set(lines.values())) != len(lines):
            raise spec.error("two lines cannot be the same gate")
        try:
            debounce = float(options.get("debounce_ms", DEBOUNCE_MS))
        except ValueError:
            raise spec.error(f"debounce_ms must be a number, not {options['debounce_ms']!r}") from None
        if not (0 <= debounce < 1000):
            raise spec.error(f"debounce_ms must be between 0 and 1000, not {debounce:g}")
        invert = options.get("invert", "0")
        if invert not in ("0", "1"):
            raise spec.error(f"invert must be 0 or 1, not {invert!r}")
        return cls(spec.target, lines or None, debounce_ms=debounce, invert=invert == "1", name=spec.name)

    async def open(self) -> None:
        """Start watching; returns once the first open of the port has succeeded or failed."""
        self._loop = asyncio.get_running_loop()
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name=self.name, daemon=True)
        self._thread.start()
        await self._loop.run_in_executor(None, self._opened.wait)

    async def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and not self.waits_in_kernel:
            await asyncio.get_running_loop().run_in_executor(None, thread.join)
        self._close_port()
        self._publish(state=State.CLOSED, reason="")
        self._finish()

    # -- the watching thread --------------------------------------------------------------------

    def _watch(self) -> None:
        was_connected = False
        while not self._stop.is_set():
            if self._open_port(was_connected):
                was_connected = True
                self._opened.set()
                self._follow()
                self._close_port()
            self._opened.set()
            self._stop.wait(RETRY_S)

    def _open_port(self, was_connected: bool) -> bool:
        try:
            port = serial.serial_for_url(self.port, exclusive=True)
            self.serial = port
            self._read(port)
        except (serial.SerialException, OSError, ValueError) as err:
            self._close_port()
            self._call(self._report, *diagnose(self.port, err, was_connected))
            return False
        self._call(self._connected, was_connected)
        return True

    def _report(self, state: State, reason: str) -> None:
        if (state, reason) != (self.status.state, self.status.reason):
            self._publish(state=state, reason=reason)

    def _connected(self, again: bool) -> None:
        if again:
            self._publish(state=State.CONNECTED, gaps=self.status.gaps + 1,
                          reason="reconnected; contact closures while the port was gone are lost")
        else:
            self._publish(state=State.CONNECTED, reason="")

    def _follow(self) -> None:
        """Report edges until the port fails or the source is closed."""
        port = self.serial
        assert port is not None
        reported = self._read(port)
        last_edge = {line: -math.inf for line in self.lines}
        mask = 0
        for line in self.lines:
            mask |= _MASKS[line]
        fd = _fileno(port)
        use_kernel = _TIOCMIWAIT is not None and fd is not None
        settling = False  # a line differs from what was reported but is inside its debounce window
        while not self._stop.is_set():
            try:
                if settling or not use_kernel:
                    self._stop.wait(POLL_S)
                else:
                    use_kernel = self._wait_in_kernel(fd, mask)
                now = time.monotonic_ns()
                state = self._read(port)
            except (serial.SerialException, OSError) as err:
                if not self._stop.is_set():
                    self._call(self._report, State.RECONNECTING, f"port lost ({strerror(err)}); reconnecting")
                return
            settling = False
            for line, level in state.items():
                if level == reported[line]:
                    continue
                if now - last_edge[line] < self.debounce_ns:
                    settling = True
                    continue
                reported[line] = level
                last_edge[line] = now
                broken = level != self.invert
                gate = self.lines[line]
                event = GateEvent(gate, self._seq.next(gate), now // 1000, host_ns=now,
                                  kind=Kind.BREAK if broken else Kind.RESTORE, channel=LINES[line])
                self._call(self._emit, event)

    def _wait_in_kernel(self, fd: int, mask: int) -> bool:
        """Sleep until a watched line changes. False if this port cannot (then we poll instead)."""
        self.waits_in_kernel = True
        try:
            fcntl.ioctl(fd, _TIOCMIWAIT, mask)
        except OSError as err:
            if err.errno in (errno.EINVAL, errno.ENOTTY):
                return False
            raise
        finally:
            self.waits_in_kernel = False
        return True

    def _read(self, port: serial.SerialBase) -> dict[str, bool]:
        return {line: bool(getattr(port, line)) for line in self.lines}

    def _close_port(self) -> None:
        port, self.serial = self.serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # the port is gone already: nothing left to release

    def _call(self, fn, *args, **kwargs) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(lambda: fn(*args, **kwargs))


def _fileno(port: serial.SerialBase) -> int | None:
    """The port's file descriptor; None for URL ports (`loop://`, network) that have none."""
    try:
        return port.fileno()
    except (OSError, ValueError, AttributeError):
        return None
