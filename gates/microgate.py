"""Microgate Rei Pro / RT Pro / Rei2 serial output (115200 8N1, LF-terminated lines).

Source: RaceHorology, `RaceHorologyLib/MicrogateV2TimeMeasurement.cs` (`MicrogateV2LineParser`) and its
tests `RaceHorologyLibTest/MicrogateV2Test.cs` (github.com/RaceHorology/RaceHorology). The first byte
of a line says its type:

    0x10  extended line   [12:17] start number  [17:20] group  [26:29] logical channel
                          [29] flag  [30:40] time of day `hhmmssffff` (1/10,000 s)
    0x12  static response the same layout, sent when a host asks for the timer's memory
    0x14  reduced line    [3:8] start number  [8] flag  [9:19] time  [23:26] `000` unless a lap

Logical channel `000` is the start, `255` the finish, anything else an intermediate. Flag `0` is a
valid impulse; `P` (did not start), `A` (disqualified) and `Q` (not qualified) are result codes
whose time RaceHorology ignores: they decode as Kind.CANCEL, so an impulse they repeat is taken back
and otherwise they change nothing. Other flags are not documented and their lines are dropped.

Only extended lines become events. Static responses and reduced lines are checked and skipped
without counting as dropped: a static response repeats impulses already received live (we never
ask for it), and a reduced line carries no logical channel, so it cannot be placed on a course
(RaceHorology, too, only sets its clock from one). Fields RaceHorology does not read ([1:12],
[20:26], anything after [40]) are not checked.

Times are time of day; the decoder unwraps them across midnight into one running clock. Start
number 0 means no start number (None), so a roster rotation can name the athlete instead.
"""

from __future__ import annotations

import re

from gates.codec import LineDecoder, SeqCounter
from gates.events import GateEvent, Kind
from gates.timeofday import DAY_US, DayClock

PROTOCOL = "microgate"
BAUD = 115200
EXTENDED, STATIC, REDUCED = 0x10, 0x12, 0x14
START, FINISH = 0, 255
TICK_US = 100  # the timer's resolution: 1/10,000 s
_FLAGS = {b"0": Kind.BREAK, b"P": Kind.CANCEL, b"A": Kind.CANCEL, b"Q": Kind.CANCEL}
# A block of lines at once: (skipped bytes, then a whole extended line) repeatedly, and what follows
# the last one. Every field such a line carries is in range except the start number and group, which
# are checked as `parse_line` checks them (a line failing that goes to `_line`); the rest goes to `_gap`.
_TEXT = rb"[^\r\n\x10\x12\x14]"
_EXTENDED = re.compile(
    rb"(.*?)(?:(\x10" + _TEXT + rb"{11}(" + _TEXT + rb"{5})(" + _TEXT + rb"{3})" + _TEXT
    + rb"{6}([01]\d\d|2[0-4]\d|25[0-5])([0PAQ])([01]\d|2[0-3])([0-5]\d)([0-5]\d)(\d{4})" + _TEXT
    + rb"{0,88})(?=[\r\n\x10\x12\x14]|\Z)|\Z)", re.DOTALL)


def encode_event(channel: int, device_us: int, start_number: int | None = None, flag: str = "0",
                 group: int = 0, line_type: int = EXTENDED) -> bytes:
    """One extended line (or, with line_type=STATIC, a static response) for the impulse at
    `device_us`, written as its time of day truncated to 1/10,000 s like the timer does."""
    if not 0 <= channel <= 255:
        raise ValueError(f"Microgate logical channels are 000-255, not {channel}")
    if line_type not in (EXTENDED, STATIC) or flag.encode() not in _FLAGS:
        raise ValueError(f"cannot encode line type {line_type:#x} with flag {flag!r}")
    number = start_number or 0
    if not 0 <= number <= 99999 or not 0 <= group <= 999:
        raise ValueError(f"start number {number} or group {group} does not fit its field")
    tod = device_us % DAY_US // TICK_US
    seconds, frac = divmod(tod, 10_000)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return b"%c%s%05d%03d%s%03d%s%02d%02d%02d%04d\n" % (
        line_type, b" " * 11, number, group, b" " * 6, channel, flag.encode(), hh, mm, ss, frac)


def course_index(event: GateEvent, gates: int) -> int | None:
    """Channel 000 is the start, 255 the finish, and intermediate channel k is course position k."""
    if event.gate == START:
        return 0
    if event.gate == FINISH:
        return gates - 1
    return event.gate if event.gate < gates - 1 else None


class MicrogateDecoder(LineDecoder):
    """Extended lines to events (gate = logical channel, channel = its 3-digit label)."""

    protocol = PROTOCOL
    max_line = 128  # the documented fields end at 40; leave room for the rest of the line
    # A frame also ends where the next line-type byte begins (none occurs inside a line), so garbage
    # in front of a frame is dropped on its own and never takes the frame with it.
    _terminators = re.compile(rb"[\r\n]|(?=[\x10\x12\x14])")

    def __init__(self) -> None:
        super().__init__()
        self._seq = SeqCounter()
        self._clock = DayClock()

    def _lines_end(self, buf: bytes) -> int:
        return max(super()._lines_end(buf), buf.rfind(b"\x10"), buf.rfind(b"\x12"), buf.rfind(b"\x14"))

    def _lines(self, block: bytes, host_ns: int, events: list[GateEvent]) -> None:
        append, seq, clock = events.append, self._seq.next, self._clock
        for gap, line, number, group, label, flag, hh, mm, ss, frac in _EXTENDED.findall(block):
            if gap and gap != b"\n":
                self._gap(gap, host_ns, events, bool(line))
            if not line:
                continue
            number, group = number.strip(b" "), group.strip(b" ")
            if not (number.isdigit() and group.isdigit()):
                self._line(line, host_ns, events)
                continue
            channel = int(label)
            tod = ((int(hh) * 60 + int(mm)) * 60 + int(ss)) * 1_000_000 + int(frac) * TICK_US
            append(GateEvent(channel, seq(channel), clock(tod), host_ns, _FLAGS[flag], int(number) or None,
                             label.decode(), chr(flag[0]), line))

    def parse_line(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        line_type = line[0]
        if line_type == REDUCED:
            _check_reduced(line)
            return
        if line_type not in (EXTENDED, STATIC):
            raise ValueError("not a Microgate line")
        number = _number(line[12:17])
        _number(line[17:20])  # group: checked, not kept
        label = line[26:29]
        if len(label) != 3 or not label.isdigit() or int(label) > 255:
            raise ValueError(label)
        kind = _FLAGS.get(line[29:30])
        if kind is None:
            raise ValueError("undocumented flag")
        tod = _time_of_day(line[30:40])
        if line_type == STATIC:
            return
        channel = int(label)
        events.append(GateEvent(
            gate=channel, seq=self._seq.next(channel), device_us=self._clock(tod), host_ns=host_ns,
            kind=kind, start_number=number or None, channel=label.decode(), flag=chr(line[29]), raw=line,
        ))


def _check_reduced(line: bytes) -> None:
    _number(line[3:8])
    if not 0x20 < line[8] < 0x7F:
        raise ValueError("flag")
    _time_of_day(line[9:19])
    lap = line[23:26]
    if len(lap) != 3 or not lap.isdigit():
        raise ValueError(lap)


def _number(field: bytes) -> int:
    """An unsigned decimal field, space-padded or zero-padded (RaceHorology parses it with UInt32.Parse)."""
    digits = field.strip(b" ")
    if not digits.isdigit():  # ASCII digits only; also rejects an empty field
        raise ValueError(field)
    return int(digits)


def _time_of_day(field: bytes) -> int:
    """`hhmmssffff` to microseconds after midnight."""
    if len(field) != 10 or not field.isdigit():
        raise ValueError(field)
    hh, mm, ss, frac = int(field[0:2]), int(field[2:4]), int(field[4:6]), int(field[6:10])
    if hh > 23 or mm > 59 or ss > 59:
        raise ValueError(field)
    return ((hh * 60 + mm) * 60 + ss) * 1_000_000 + frac * TICK_US
