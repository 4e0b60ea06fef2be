"""The sans-IO decoder shape every wire format follows (as in h11/wsproto).

A decoder is fed bytes as they arrive and returns the events it could complete. It never reads a
port, never sleeps, never logs and never raises on input: garbage is dropped and counted, and it
resyncs at the next frame start. Buffers are bounded: a line longer than its format allows is dropped,
not accumulated. Frames that are not gate events (heartbeats, resend requests) wait in `control`;
`feed_in_order` returns both kinds as they were on the wire.
`finish()` says the stream has ended (end of a capture, a pulled cable): a last line that never got its
terminator is decoded then, not glued to whatever the next connection brings.

An `Encoder` is the inverse, for the simulator and the round-trip tests: messages to the bytes a device
of that format sends, one instance per device session (some formats count or remember as they go).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from gates.events import GateEvent


@dataclass(frozen=True, slots=True)
class GateStatus:
    """A gate's heartbeat: its latest event seq, its clock now, battery and beam alignment."""

    gate: int
    last_seq: int
    device_us: int
    battery_pct: int
    beam_ok: bool
    host_ns: int = 0


@dataclass(frozen=True, slots=True)
class ResendRequest:
    """Host to gate: send again every buffered event from `from_seq` on."""

    gate: int
    from_seq: int


Control = GateStatus | ResendRequest


class Decoder:
    """Base for every wire decoder: counters, control frames, and the feed contract."""

    protocol: ClassVar[str] = ""

    def __init__(self) -> None:
        self.dropped_bytes = 0
        self.dropped_frames = 0
        self.control: list[Control] = []
        self._decoding: list[GateEvent] | None = None  # the events of the feed in progress, if it says
        self._placed: _Placed | None = None  # where feed_in_order collects control frames, reused

    def feed(self, data: bytes, host_ns: int = 0) -> list[GateEvent]:
        raise NotImplementedError

    def finish(self, host_ns: int = 0) -> list[GateEvent]:
        """End of the stream: the events of whatever is still buffered (nothing, for most formats)."""
        return []

    def pop_control(self) -> list[Control]:
        out, self.control = self.control, []
        return out

    def feed_in_order(self, data: bytes, host_ns: int = 0) -> list[GateEvent | Control]:
        """`feed`, with the control frames (and any still waiting) among the events where they were
        on the wire. A heartbeat tells where its gate stood when it was sent: read after events sent
        later, it looks like the gate's clock going back. A decoder whose `feed` does not keep
        `_decoding` up to date gets its control frames after its events."""
        waiting = self.control
        placed = self._placed
        if placed is None:
            placed = self._placed = _Placed(self)
        self.control = placed
        try:
            events = self.feed(data, host_ns)
        finally:
            self.control = waiting if not waiting else []
            self._decoding = None
        if not placed and not waiting:
            return events  # type: ignore[return-value]
        if not events and not waiting:  # a read of heartbeats alone
            out: list[GateEvent | Control] = list(placed)
            placed.clear()
            placed.at.clear()
            return out
        out = list(waiting)
        done = 0
        for at, frame in zip(placed.at, placed):
            at = len(events) if at is None else at
            out += events[done:at]
            out.append(frame)
            done = at
        out += events[done:]
        placed.clear()
        placed.at.clear()
        return out

    def _drop(self, nbytes: int, frames: int = 1) -> None:
        self.dropped_bytes += nbytes
        self.dropped_frames += frames


class _Placed(list):
    """Control frames, each with how many events the feed had decoded when it came."""

    def __init__(self, decoder: Decoder) -> None:
        super().__init__()
        self._decoder = decoder
        self.at: list[int | None] = []

    def append(self, frame: Control) -> None:
        decoding = self._decoder._decoding
        self.at.append(None if decoding is None else len(decoding))
        super().append(frame)


class LineDecoder(Decoder):
    """Decoder for formats made of terminated text lines (CR, LF or CRLF).

    `frame_start` is the byte a frame begins with, where the format has one (gateline `$`): bytes
    before it on a line are dropped and counted. Subclasses parse one line at a time and raise
    ValueError (or IndexError) for a line that is not theirs; that line is dropped and counted.
    """

    max_line: ClassVar[int] = 128
    frame_start: ClassVar[bytes | None] = None
    _terminators = re.compile(rb"[\r\n]")

    def __init__(self) -> None:
        super().__init__()
        self._partial = b""
        self._overlong = False  # discarding an overlong line until its terminator

    def feed(self, data: bytes, host_ns: int = 0) -> list[GateEvent]:
        if not data:
            return []
        buf = self._partial + data
        end = self._lines_end(buf)
        events: list[GateEvent] = []
        self._decoding = events
        if end >= 0:
            start = 0
            if self._overlong:  # the rest of an overlong line, up to its terminator, is dropped, but
                self._overlong = False  # a frame can still begin at its last start byte
                start = self._terminators.search(buf).start()  # type: ignore[union-attr]
                cut = buf.rfind(self.frame_start, 0, start) if self.frame_start is not None else -1
                start = start if cut < 0 else cut
                self.dropped_bytes += start
            self._partial = buf[end:]
            self._lines(buf[start:end], host_ns, events)
        else:
            self._partial = buf
        self._bound_partial()
        return events

    def finish(self, host_ns: int = 0) -> list[GateEvent]:
        """A last line without its terminator is still a line; an overlong one being discarded ends."""
        partial, self._partial = self._partial, b""
        overlong, self._overlong = self._overlong, False
        events: list[GateEvent] = []
        if partial and not overlong:
            self._line(partial, host_ns, events)
        elif partial:
            self.dropped_bytes += len(partial)
        return events

    def _lines_end(self, buf: bytes) -> int:
        """Where the last line of `buf` that is still arriving begins (-1: no line ends in `buf`)."""
        end = max(buf.rfind(b"\r"), buf.rfind(b"\n"))
        return end + 1 if end >= 0 else -1

    def _lines(self, block: bytes, host_ns: int, events: list[GateEvent]) -> None:
        """Every complete line of `block`, in order. Codecs override this with a fast path over the
        whole block for their clean frames, handing everything else to `_gap`."""
        for line in self._terminators.split(block):
            if line:
                self._line(line, host_ns, events)

    def _gap(self, gap: bytes, host_ns: int, events: list[GateEvent], before_frame: bool) -> None:
        """The bytes a fast path skipped: complete lines, then (`before_frame`, in a format with a frame
        start byte) the noise in front of the clean frame it found, which `_line` would have cut off."""
        pieces = self._terminators.split(gap)
        if before_frame and self.frame_start is not None:
            self.dropped_bytes += len(pieces.pop())
        for line in pieces:
            if line:
                self._line(line, host_ns, events)

    def _bound_partial(self) -> None:
        start = self.frame_start
        partial = self._partial
        if start is not None:
            cut = partial.rfind(start)  # nothing before the latest frame start can begin a frame
            dropped = len(partial) if cut < 0 else cut
            if dropped and cut < 0 and not self._overlong:  # a line with no frame in it: one bad frame,
                self._drop(dropped)  # however many reads it arrives in
                self._overlong = True
                self._partial = partial = b""
            elif dropped:  # more of a frameless line already counted, or noise before a frame start
                self.dropped_bytes += dropped
                self._overlong = cut < 0  # from a frame start on, the line is a new frame
                self._partial = partial = partial[dropped:]
        if len(partial) > self.max_line:
            if self._overlong:  # the same overlong line, still arriving: its bytes, not another frame
                self.dropped_bytes += len(partial)
            else:
                self._drop(len(partial))
            self._partial = b""
            self._overlong = True

    def _line(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        start = self.frame_start
        if start is not None:
            cut = line.rfind(start)  # noise may itself begin with the start byte: the frame is the last
            if cut < 0:
                self._drop(len(line))
                return
            if cut:
                self.dropped_bytes += cut
                line = line[cut:]
        if len(line) > self.max_line:
            self._drop(len(line))
            return
        try:
            self.parse_line(line, host_ns, events)
        except (ValueError, IndexError, UnicodeDecodeError):
            self._drop(len(line))

    def parse_line(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        """Append the event(s) of one complete line, or raise ValueError if it is not valid."""
        raise NotImplementedError


class Encoder:
    """Messages to bytes for one device session; formats without heartbeats send none."""

    def event(self, event: GateEvent) -> bytes:
        raise NotImplementedError

    def status(self, status: GateStatus) -> bytes | None:
        return None


class SeqCounter:
    """Per-gate 16-bit sequence numbers for formats that carry none of their own."""

    __slots__ = ("_next",)

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def next(self, gate: int) -> int:
        seq = self._next.get(gate, 0)
        self._next[gate] = (seq + 1) & 0xFFFF
        return seq
