"""gateline: our documented ASCII protocol for DIY and simulated gates.

Source: ../shared/DESIGN.md, "The gateline protocol". NMEA-style lines, checksum = XOR of every byte
between `$` and `*` as two upper-case hex digits:

    $GT,<gate>,<seq>,<device_us>,<kind>*<cs>\\r\\n                    event (kind B broken, R restored)
    $GS,<gate>,<last_seq>,<device_us>,<battery_pct>,<beam_ok>*<cs>\\r\\n  status heartbeat, 1 Hz
    $GR,<gate>,<from_seq>*<cs>\\r\\n                                 host -> gate: resend from seq

gate 1-255, seq 0-65535 wrapping, device_us unsigned 64-bit. A line with a bad checksum or a bad
field is dropped and counted; the decoder resyncs at the next `$`.
"""

from __future__ import annotations

import re

from gates.codec import Encoder, GateStatus, LineDecoder, ResendRequest
from gates.events import GateEvent, Kind

PROTOCOL = "gateline"
BAUD = 115200
MAX_U64 = (1 << 64) - 1
_HEX = b"0123456789ABCDEF"


def checksum(body: bytes) -> int:
    """XOR of all bytes of `body`, folded through big-integer halves (much faster than a loop)."""
    n = len(body)
    if n == 0:
        return 0
    width = 1 << (n - 1).bit_length()
    x = int.from_bytes(body, "little")
    while width > 1:
        width >>= 1
        x = (x >> (width * 8)) ^ (x & ((1 << (width * 8)) - 1))
    return x


def _frame(body: bytes) -> bytes:
    cs = checksum(body)
    return b"$" + body + b"*" + bytes((_HEX[cs >> 4], _HEX[cs & 15])) + b"\r\n"


def encode_event(gate: int, seq: int, device_us: int, kind: Kind = Kind.BREAK) -> bytes:
    _check_gate(gate)
    if kind not in (Kind.BREAK, Kind.RESTORE):
        raise ValueError(f"gateline carries beam break/restore events only, not {kind!r}")
    return _frame(b"GT,%d,%d,%d,%s" % (gate, seq & 0xFFFF, device_us, kind.value.encode()))


def encode_status(status: GateStatus) -> bytes:
    _check_gate(status.gate)
    return _frame(b"GS,%d,%d,%d,%d,%d" % (status.gate, status.last_seq & 0xFFFF, status.device_us,
                                          status.battery_pct, 1 if status.beam_ok else 0))


def encode_resend(gate: int, from_seq: int) -> bytes:
    _check_gate(gate)
    return _frame(b"GR,%d,%d" % (gate, from_seq & 0xFFFF))


class GatelineEncoder(Encoder):
    """Events and heartbeats of simulated gates to frames."""

    def event(self, event: GateEvent) -> bytes:
        return encode_event(event.gate, event.seq, event.device_us, event.kind)

    def status(self, status: GateStatus) -> bytes | None:
        return encode_status(status)


def _check_gate(gate: int) -> None:
    if not 1 <= gate <= 255:
        raise ValueError(f"gateline gate ids are 1-255, not {gate}")


def _uint(field: bytes, maximum: int) -> int:
    if not field.isdigit():  # rejects signs, spaces and non-ASCII digits
        raise ValueError(field)
    value = int(field)
    if value > maximum:
        raise ValueError(field)
    return value


_EVENT = re.compile(rb"\$(GT,(\d{1,3}),(\d{1,5}),(\d{1,20}),([BR]))\*([0-9A-F]{2})")
_STATUS = re.compile(rb"\$(GS,(\d{1,3}),(\d{1,5}),(\d{1,20}),(\d{1,3}),([01]))\*([0-9A-F]{2})")
_BREAK, _RESTORE = Kind.BREAK, Kind.RESTORE
# A whole block of lines at once: (skipped bytes, then a clean event or heartbeat frame ending its line)
# repeatedly, and the bytes after the last one. A clean frame has no `$` inside, so it is the part of
# its line `LineDecoder._line` would parse; the skipped bytes go through `_gap`, exactly as line by line.
_FRAMES = re.compile(
    rb"(.*?)(?:(\$G(?:T,(\d{1,3}),(\d{1,5}),(\d{1,20}),([BR])|S,(\d{1,3},\d{1,5},\d{1,20},\d{1,3},[01]))"
    rb"\*([0-9A-F]{2}))(?=[\r\n])|\Z)", re.DOTALL)
_HEX_VALUE = {b"%02X" % i: i for i in range(256)}
_CRLF = b"\r\n"


class GatelineDecoder(LineDecoder):
    """Decodes all three gateline frames; events are returned, `$GS` and `$GR` go to `control`."""

    protocol = PROTOCOL
    max_line = 80  # the longest valid frame ($GS with 20-digit device_us) is 57 bytes
    frame_start = b"$"
    bulk_bytes = 4096  # blocks this long get their checksums from one numpy pass

    def _lines(self, block: bytes, host_ns: int, events: list[GateEvent]) -> None:
        found = _FRAMES.findall(block)
        # a body's checksum is xor[end] ^ xor[its `$`]; a few frames (a live read) are summed one by one
        xor = _prefix_xor(block) if len(block) >= self.bulk_bytes else None
        append, control = events.append, self.control.append
        pos = 0
        for gap, frame, gate, seq, us, kind, status, cs in found:
            if gap == _CRLF:
                pos += 2
            elif gap:
                self._gap(gap, host_ns, events, bool(frame))
                pos += len(gap)
            if not frame:
                continue
            n = len(frame)
            sound = (checksum(frame[1:-3]) if xor is None else xor[pos + n - 4] ^ xor[pos]) == _HEX_VALUE[cs]
            pos += n
            if kind:
                gate, seq, us = int(gate), int(seq), int(us)
                if sound and 0 < gate <= 255 and seq <= 0xFFFF and us <= MAX_U64:
                    append(GateEvent(gate, seq, us, host_ns, _BREAK if kind == b"B" else _RESTORE, None, None, "",
                                     frame))
                    continue
            else:
                gate, seq, us, battery, beam = status.split(b",")
                gate, seq, us, battery = int(gate), int(seq), int(us), int(battery)
                if sound and 0 < gate <= 255 and seq <= 0xFFFF and us <= MAX_U64 and battery <= 100:
                    control(GateStatus(gate, seq, us, battery, beam == b"1", host_ns))
                    continue
            self._drop(n)

    def parse_line(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        # the line-by-line path: one regex for the event frame, positional construction
        m = _EVENT.fullmatch(line)
        if m is not None:
            body, gate, seq, device_us, kind, cs = m.groups()
            gate, seq, device_us = int(gate), int(seq), int(device_us)
            if not 0 < gate <= 255 or seq > 0xFFFF or device_us > MAX_U64 or int(cs, 16) != checksum(body):
                raise ValueError("bad field or checksum")
            events.append(GateEvent(gate, seq, device_us, host_ns, _BREAK if kind == b"B" else _RESTORE,
                                    None, None, "", line))
            return
        m = _STATUS.fullmatch(line)  # heartbeats outnumber events on a real link: a fast path too
        if m is not None:
            body, gate, seq, device_us, battery, beam, cs = m.groups()
            gate, seq, device_us, battery = int(gate), int(seq), int(device_us), int(battery)
            if not 0 < gate <= 255 or seq > 0xFFFF or device_us > MAX_U64 or battery > 100 \
                    or int(cs, 16) != checksum(body):
                raise ValueError("bad field or checksum")
            self.control.append(GateStatus(gate, seq, device_us, battery, beam == b"1", host_ns))
            return
        if len(line) < 5 or line[-3] != 0x2A:  # '*'
            raise ValueError("no checksum")
        body = line[1:-3]
        hi, lo = line[-2], line[-1]
        if hi not in _HEX or lo not in _HEX or (_HEX.index(hi) << 4 | _HEX.index(lo)) != checksum(body):
            raise ValueError("bad checksum")
        fields = body.split(b",")
        if fields[0] == b"GR" and len(fields) == 3:
            self.control.append(ResendRequest(gate=_gate(fields[1]), from_seq=_uint(fields[2], 0xFFFF)))
        else:
            raise ValueError("not a gateline frame")


def _prefix_xor(block: bytes) -> bytes:
    """Byte i is the XOR of block[0..i]: every checksum in the block from two look-ups."""
    import numpy as np  # only for a large block (a capture): neither start-up nor a live read pays for it

    return np.bitwise_xor.accumulate(np.frombuffer(block, np.uint8)).tobytes()


def _gate(field: bytes) -> int:
    gate = _uint(field, 255)
    if gate == 0:
        raise ValueError("gate 0")
    return gate


