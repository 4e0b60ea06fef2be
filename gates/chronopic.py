"""Chronojump Chronopic: one contact/photocell input, binary frames at 9600 8N1.

Source: GNOME/chronojump, `chronopic-firmware/chronopic-firmware-c/chronopic-firmware.c` (the
firmware) and `src/chronopic.cs` (the host side, `Read_event` / `Read_platform`).

    'X' state t2 t1 t0    an input change: state 0/1, then a 24-bit big-endian count of 8 µs ticks
    'E' state             the reply to a status query 'E' sent by the host

The count is the time since the previous change: the firmware zeroes its timer at every edge (and
reports 0 for the first edge after power-up), so the decoder sums the counts into an absolute
device clock. The timer's top byte stops at 0xFF instead of wrapping, so a count whose top byte is
0xFF means "at least 133.7 s" (a rest between reps, say): the clock keeps running but that gap is a
lower bound, and the event carries flag "saturated".

State 1 is the firmware's INPUT_ON (input pulled low) and Chronojump's `Plataforma.ON`, which its run
code (`src/execute/run.cs`, "has arrived") reads as an athlete at the photocell: the beam broken.
State 0 (`OFF`, "has lifted") is the beam restored.

The multitest firmware (`chronopic-firmware-multitest.c` and its `test_chronopic-firmware-multitest.py`
in the same repository) also answers the host's other queries: `J` to a port scan, its version
(`1.1`), the debounce time as one digit (5 = 50 ms) and `-1` to a command it does not know. Bytes
between frames that are wholly such answers are replies, counted in `replies`, not dropped.

A status reply goes to `control` as a GateStatus: beam_ok when the input is OFF, device_us the clock
at the last edge (the reply carries no time), battery 100 (a Chronopic is powered by its USB cable).
The Chronopic has one input, so every event is gate 1: which course gate it was comes from order.
"""

from __future__ import annotations

import re

from gates.codec import Decoder, Encoder, GateStatus
from gates.events import GateEvent, Kind

PROTOCOL = "chronopic"
BAUD = 9600
TICK_US = 8
GATE = 1
EVENT, STATUS = ord("X"), ord("E")
MAX_TICKS = 0xFFFFFF
SATURATED = 0xFF0000  # the timer's top byte stops here
_START = re.compile(rb"[XE][\x00\x01]")
# (skipped bytes, then a change frame or a status reply) repeatedly; a change frame that the data
# cuts off, or the end of the data (less a last 'X' or 'E'), matches empty and ends the fast path, as
# it ends `_scan`. Every search ends in a match, so bytes without a frame cost linear time.
_FRAMES = re.compile(rb"(.*?)(?:(X[\x00\x01]...)|(E[\x00\x01])|(?=X[\x00\x01])|(?=[XE]?\Z))", re.DOTALL)
_BREAK, _RESTORE = Kind.BREAK, Kind.RESTORE
_SATURATED = "saturated"
_REPLIES = re.compile(rb"(?:J|\d\.\d|-1|\d)+")
MAX_REPLY = 16  # a few answers in a row; a longer run of such bytes between frames is garbage


def encode_edge(state: int, ticks: int) -> bytes:
    """One change frame: the input is now `state`, `ticks` x 8 µs after the previous change."""
    if state not in (0, 1) or not 0 <= ticks <= MAX_TICKS:
        raise ValueError(f"Chronopic frame needs state 0/1 and 0-{MAX_TICKS} ticks, not {state}, {ticks}")
    return bytes((EVENT, state)) + ticks.to_bytes(3, "big")


def encode_status(state: int) -> bytes:
    """The reply to a status query: 'E' and the input state."""
    if state not in (0, 1):
        raise ValueError(f"Chronopic state is 0 or 1, not {state}")
    return bytes((STATUS, state))


class ChronopicEncoder(Encoder):
    """Edges at absolute device times to frames, counting the way the firmware does: 0 for the first
    edge, whole ticks since the previous edge after that, and a top byte that sticks at 0xFF."""

    __slots__ = ("_last_tick",)

    def __init__(self) -> None:
        self._last_tick: int | None = None

    def edge(self, state: int, device_us: int) -> bytes:
        tick = device_us // TICK_US
        delta = 0 if self._last_tick is None else tick - self._last_tick
        if delta < 0:
            raise ValueError(f"edge at {device_us} µs is before the previous edge")
        self._last_tick = tick
        if delta >= SATURATED:
            delta = SATURATED | (delta & 0xFFFF)
        return encode_edge(state, delta)

    def event(self, event: GateEvent) -> bytes:
        return self.edge(1 if event.kind is Kind.BREAK else 0, event.device_us)


class ChronopicDecoder(Decoder):
    """Change frames to events (gate 1, BREAK on state 1, RESTORE on state 0); status replies to control."""

    protocol = PROTOCOL

    def __init__(self) -> None:
        super().__init__()
        self._buf = b""  # at most one incomplete frame (4 bytes)
        self._ticks = 0  # the device clock, in ticks since the first edge seen
        self._seq = 0
        self._in_garbage = False
        self.replies = 0  # bytes of the multitest firmware's answers (J, version, debounce, -1)

    def feed(self, data: bytes, host_ns: int = 0) -> list[GateEvent]:
        buf = self._buf + data
        events: list[GateEvent] = []
        i = self._frames(buf, host_ns, events)
        self._buf = buf[self._scan(buf, i, host_ns, events):]
        return events

    def _frames(self, buf: bytes, host_ns: int, events: list[GateEvent]) -> int:
        """The fast path: every complete frame up to the first one still arriving, found in one regex
        pass; returns where `_scan` takes over. Skipped bytes are counted as `_scan` would."""
        append = events.append
        ticks, seq = self._ticks, self._seq
        i = 0
        for gap, frame, status in _FRAMES.findall(buf):
            if gap:
                self._garbage(gap)
                i += len(gap)
            if frame:
                self._in_garbage = False
                delta = (frame[2] << 16) | (frame[3] << 8) | frame[4]
                ticks += delta
                append(GateEvent(GATE, seq, ticks * TICK_US, host_ns, _BREAK if frame[1] == 1 else _RESTORE, None,
                                 None, _SATURATED if delta >= SATURATED else "", frame))
                seq = (seq + 1) & 0xFFFF
                i += 5
            elif status:
                self._in_garbage = False
                self._ticks, self._seq = ticks, seq
                self._status(status, host_ns)
                i += 2
            else:  # a change frame cut off by the end of the data
                break
        self._ticks, self._seq = ticks, seq
        return i

    def _scan(self, buf: bytes, i: int, host_ns: int, events: list[GateEvent]) -> int:
        """Frame by frame from `i`; returns where the bytes still to come begin."""
        n = len(buf)
        while i < n:
            m = _START.search(buf, i)
            if m is None:
                # keep a last 'X' or 'E': its state byte may be in the next chunk
                keep = n - 1 if buf[-1] in (EVENT, STATUS) else n
                self._garbage(buf[i:keep])
                return keep
            self._garbage(buf[i:m.start()])
            i = m.start()
            size = 5 if buf[i] == EVENT else 2
            if i + size > n:
                break
            self._in_garbage = False
            if size == 5:
                events.append(self._edge(buf[i:i + 5], host_ns))
            else:
                self._status(buf[i:i + 2], host_ns)
            i += size
        return i

    def _status(self, frame: bytes, host_ns: int) -> None:
        self.control.append(GateStatus(
            gate=GATE, last_seq=(self._seq - 1) & 0xFFFF, device_us=self._ticks * TICK_US,
            battery_pct=100, beam_ok=frame[1] == 0, host_ns=host_ns))

    def _edge(self, frame: bytes, host_ns: int) -> GateEvent:
        ticks = int.from_bytes(frame[2:5], "big")
        self._ticks += ticks
        seq, self._seq = self._seq, (self._seq + 1) & 0xFFFF
        return GateEvent(
            gate=GATE, seq=seq, device_us=self._ticks * TICK_US, host_ns=host_ns,
            kind=Kind.BREAK if frame[1] == 1 else Kind.RESTORE,
            flag=_SATURATED if ticks >= SATURATED else "", raw=frame,
        )

    def _garbage(self, data: bytes) -> None:
        """Bytes between frames: the firmware's answers to a query, or garbage."""
        if data and len(data) <= MAX_REPLY and _REPLIES.fullmatch(data):
            self.replies += len(data)
            return
        self._skip(len(data))

    def _skip(self, nbytes: int) -> None:
        """Garbage between frames: bytes counted each, one dropped frame per run of them."""
        if nbytes <= 0:
            return
        self.dropped_bytes += nbytes
        if not self._in_garbage:
            self.dropped_frames += 1
            self._in_garbage = True
