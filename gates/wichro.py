"""Chronojump Wichro wireless photocells, as the Wifi-Controller forwards them (115200 baud).

Source: GNOME/chronojump, `src/execute/micro/wichroCapture.cs` (`processLine`, `WichroEvent`) and
`src/execute/run.cs` (how Chronojump uses the events). One text line per input change:

    <photocell>;<timeMs>;<status>        e.g. `5;215;0`

- Lines end in LF (Chronojump reads them with SerialPort.ReadLine and trims surrounding whitespace),
  so LF, CR and CRLF are all accepted here; the encoder writes LF.
- photocell and timeMs are unsigned decimal integers (Chronojump parses them as Int32); status is `0`
  or `1`. Anything else is not an event line (e.g. the controller's version reply): dropped, counted.
- status `0` is Chronojump's `Plataforma.ON`, which its run code reads as an athlete arriving at the
  photocell: the beam broken (Kind.BREAK). `1` is `OFF`, the beam restored (Kind.RESTORE).
- timeMs is absolute, not a split ("photocell does not send splittime, sends absolute time"), and
  Chronojump subtracts it across different photocells to time a run: all photocells report on one
  millisecond clock, which becomes device_us = timeMs x 1000 for every gate.
- gate = photocell number. Photocells are numbered from 0 (Chronojump uses -1 for "no photocell"); on a
  course, photocell k stands at position k: number them 0, 1, 2, ... from the start line.
"""

from __future__ import annotations

import re

from gates.codec import Encoder, LineDecoder, SeqCounter
from gates.events import GateEvent, Kind

PROTOCOL = "wichro"
BAUD = 115200
MAX_INT32 = (1 << 31) - 1
_BREAK, _RESTORE = Kind.BREAK, Kind.RESTORE
_STATUS = {b"0": Kind.BREAK, b"1": Kind.RESTORE}
# A block of lines at once: (skipped bytes, then a whole clean line) repeatedly, and what follows the
# last one. A clean line needs no strip and parses as `parse_line` would; the rest goes through `_gap`.
_LINES = re.compile(rb"(.*?)(?:(?<![^\r\n])((\d{1,10});(\d{1,10});([01]))(?=[\r\n])|\Z)", re.DOTALL)


def encode_event(photocell: int, device_us: int, kind: Kind = Kind.BREAK) -> bytes:
    """One line for a change at `device_us`, written in whole milliseconds (truncated) as the photocell does."""
    status = {Kind.BREAK: b"0", Kind.RESTORE: b"1"}.get(kind)
    time_ms = device_us // 1000
    if status is None or not 0 <= photocell <= MAX_INT32 or not 0 <= time_ms <= MAX_INT32:
        raise ValueError(f"Wichro carries break/restore of photocell 0-{MAX_INT32} at 0-{MAX_INT32} ms, "
                         f"not {kind!r} of {photocell} at {time_ms} ms")
    return b"%d;%d;%s\n" % (photocell, time_ms, status)


class WichroEncoder(Encoder):
    """Changes of photocells on the controller's one millisecond clock to lines."""

    def event(self, event: GateEvent) -> bytes:
        return encode_event(event.gate, event.device_us, event.kind)


def course_index(event: GateEvent, gates: int) -> int | None:
    """Photocell k stands at course position k (photocell 0 on the start line)."""
    return event.gate if 0 <= event.gate < gates else None


class WichroDecoder(LineDecoder):
    """Event lines to events (gate = photocell number, device_us = timeMs x 1000)."""

    protocol = PROTOCOL
    max_line = 40  # the longest valid line, two 10-digit numbers, is 23 bytes

    def __init__(self) -> None:
        super().__init__()
        self._seq = SeqCounter()

    def _lines(self, block: bytes, host_ns: int, events: list[GateEvent]) -> None:
        append, seq = events.append, self._seq.next
        for gap, line, photocell, time_ms, status in _LINES.findall(block):
            if gap and gap != b"\n":
                self._gap(gap, host_ns, events, bool(line))
            if not line:
                continue
            gate, ms = int(photocell), int(time_ms)
            if gate > MAX_INT32 or ms > MAX_INT32:
                self._drop(len(line))
                continue
            append(GateEvent(gate, seq(gate), ms * 1000, host_ns, _BREAK if status == b"0" else _RESTORE, None, None,
                             "", line))

    def parse_line(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        fields = line.strip().split(b";")
        if len(fields) != 3:
            raise ValueError("not photocell;timeMs;status")
        photocell, time_ms = _int32(fields[0]), _int32(fields[1])
        kind = _STATUS.get(fields[2])
        if kind is None:
            raise ValueError(fields[2])
        events.append(GateEvent(
            gate=photocell, seq=self._seq.next(photocell), device_us=time_ms * 1000, host_ns=host_ns,
            kind=kind, raw=line,
        ))


def _int32(field: bytes) -> int:
    if not field.isdigit():  # ASCII digits only: no sign, no spaces inside the line
        raise ValueError(field)
    value = int(field)
    if value > MAX_INT32:
        raise ValueError(field)
    return value
