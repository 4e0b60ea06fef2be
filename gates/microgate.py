"""Microgate Rei Pro / RT Pro / Rei2 serial output (8N1, LF-terminated lines; 9600 baud by default).

Source: RaceHorology, `RaceHorologyLib/MicrogateV2TimeMeasurement.cs` (`MicrogateV2LineParser`: the
layout, the flags it takes, RTS handshake and the set-up string it sends on opening the port) in
github.com/RaceHorology/RaceHorology, and the newer tests in github.com/richter-l/RaceHorology,
`RaceHorologyLibTest/MicrogateV2Test.cs` (the static request for the stored impulses, logical channel
251 "all channels", and 9600 baud). The first byte of a line says its type:

    0x10  extended line   [5] mode  [12:17] start number  [17:20] group  [26:29] logical channel
                          [29] flag  [30:40] time of day `hhmmssffff` (1/10,000 s)
    0x12  static response the same layout, sent when a host asks for the timer's memory
    0x14  reduced line    [3:8] start number  [8] flag  [9:19] time  [23:26] `000` unless a lap

The mode byte is Microgate's own "identifier reply" (REI2 Transmission protocol, doc R2U_3_1079_001_E
v1.07.9, its static-reply table; public transcripts at manualzilla.com/doc/5812092 and
mwitty.com/content.php?id=5812092): `O` on-line, `F` off-line, `R` / `E` a record (the last one)
answering a request, `Z` no record for the request. In both on-line and off-line mode the timer sends
each record by itself as it happens, with a progressive number, so an off-line (`F`) frame is an
impulse like any other: decoded, and like any impulse never counted twice when a static response
repeats it. A `Z` static response carries no record: recognised and skipped, not a bad frame. The
header bytes before it (`R` for the REI2 protocol, the program, the requesting device) and the
progressive number after it ([7:12]) are not read; that the mode sits at [5] is read off the table's
transcript, which lists the fields in order with their widths.

Logical channel `000` is the start, `255` the finish, anything else an intermediate. Flag `0` is a
valid impulse; `a` annuls one (a Kind.CANCEL event: the impulse with that channel, number and time
is taken back). `P`, `A` and `Q` are status codes, not times: did not start, did not finish
(RaceHorology: disqualified) and disqualified (RaceHorology: not qualified); they decode as
Kind.CANCEL events carrying the flag, which the rep assembler turns into the rep's `dns`, `dnf` or
`dsq` flag instead of taking an impulse back. `D` lines set the clock (RaceHorology syncs its
time of day from them): checked, not events. Info `1` and `2` mark a net-time frame, the timer's own
run time and total net time: kept as data (Kind.RUN_TIME, Kind.TOTAL_TIME, on TIMER_GATE, the
duration `hhmmssffff` in the time field), as ALGE's RT/TT lines are. Other flags are not documented
and their lines are dropped.

Net-time frames: RadioSender (github.com/EdoardoTona/RadioSender,
RadioSender/Hosts/Source/Microgate/MicrogateMessageProcessor.cs) reads the same extended frame's info
field (annulled, DNS/DNF/DSQ) and leaves out the frames it marks as net time (`IsNetTime`) rather
than taking them as impulses (its frame views come from a compiled library in that repository,
RadioSender/Microgate.Common.Protocol.Rei2.dll, whose source is not public); that info `1` is the run
time and `2` the total net time, and that their time field holds that duration, is inferred: the
public transcripts of the REI2 transmission protocol above do not show the info field's values.

Extended lines and static responses become events; a static response answers the host's static
request after a reconnect with the impulses the timer stored, so one that repeats an impulse already
received (same channel, number and time) is left out (`repeats`) and one that was missed fills the
gap. Reduced lines are checked and skipped without counting as dropped: a reduced line carries no
logical channel, so it cannot be placed on a course (RaceHorology, too, only sets its clock from
one). Fields RaceHorology does not read ([1:12], [20:26], anything after [40]) are not checked.

Times are time of day; the decoder unwraps them across midnight into one running clock. Start
number 0 means no start number (None), so a roster rotation can name the athlete instead.
"""

from __future__ import annotations

import re

from gates.codec import Encoder, LineDecoder, SeqCounter
from gates.events import GateEvent, Kind
from gates.timeofday import DAY_US, HALF_DAY_US, DayClock, Recent

PROTOCOL = "microgate"
BAUD = 9600  # RaceHorology's default; the Rei2 / RT Pro offer 1200-57600 (and 115200 on newer units)
RTSCTS = True  # RaceHorology opens the port with Handshake.RequestToSend
SETUP = b"\x13R 0A000000000006000000000000000000000000100T\r"  # sent by RaceHorology on opening the port
RESEND_REQUEST = b"\x11R 000000000*251001000S\r"  # static request: every stored impulse of run 1
EXTENDED, STATIC, REDUCED = 0x10, 0x12, 0x14
MODES = {EXTENDED: " OF", STATIC: " REZ"}  # the mode byte each line type may carry (blank: not sent)
NO_RECORD = b"Z"  # a static response with nothing to send
START, FINISH = 0, 255
TICK_US = 100  # the timer's resolution: 1/10,000 s
STATUS_FLAGS = {"P": "dns", "A": "dnf", "Q": "dsq"}
REMEMBERED = 4096  # impulses kept to recognise a static response repeating one
_FLAGS = {b"0": Kind.BREAK, b"a": Kind.CANCEL, b"P": Kind.CANCEL, b"A": Kind.CANCEL, b"Q": Kind.CANCEL}
_CLOCK_FLAG = b"D"
_BREAK = Kind.BREAK
_NET_TIME = {b"1": Kind.RUN_TIME, b"2": Kind.TOTAL_TIME}
TIMER_GATE = 256  # net-time frames come from the timer itself, not a channel: one past 255
# A block of lines at once: (skipped bytes, then a whole extended line) repeatedly, and what follows
# the last one. Every field such a line carries is in range except the start number and group, which
# are checked as `parse_line` checks them (a line failing that goes to `_line`); the rest goes to `_gap`.
_TEXT = rb"[^\r\n\x10\x12\x14]"
_EXTENDED = re.compile(
    rb"(.*?)(?:(\x10" + _TEXT + rb"{11}(" + _TEXT + rb"{5})(" + _TEXT + rb"{3})" + _TEXT
    + rb"{6}([01]\d\d|2[0-4]\d|25[0-5])([0aPAQ])([01]\d|2[0-3])([0-5]\d)([0-5]\d)(\d{4})" + _TEXT
    + rb"{0,88})(?=[\r\n\x10\x12\x14]|\Z)|\Z)", re.DOTALL)


def encode_event(channel: int, device_us: int, start_number: int | None = None, flag: str = "0",
                 group: int = 0, line_type: int = EXTENDED, mode: str = " ") -> bytes:
    """One extended line (or, with line_type=STATIC, a static response) for the impulse at
    `device_us`, written as its time of day truncated to 1/10,000 s like the timer does; `mode` is
    the mode byte (`O` on-line, `F` off-line; `R`, `E` or `Z` on a static response; blank by default)."""
    if not 0 <= channel <= 255:
        raise ValueError(f"Microgate logical channels are 000-255, not {channel}")
    if line_type not in MODES or flag.encode() not in _FLAGS and flag.encode() != _CLOCK_FLAG:
        raise ValueError(f"cannot encode line type {line_type:#x} with flag {flag!r}")
    if len(mode) != 1 or mode not in MODES[line_type]:
        raise ValueError(f"line type {line_type:#x} carries mode {MODES[line_type]!r}, not {mode!r}")
    number = start_number or 0
    if not 0 <= number <= 99999 or not 0 <= group <= 999:
        raise ValueError(f"start number {number} or group {group} does not fit its field")
    tod = device_us % DAY_US // TICK_US
    seconds, frac = divmod(tod, 10_000)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return b"%c    %s      %05d%03d%s%03d%s%02d%02d%02d%04d\n" % (
        line_type, mode.encode(), number, group, b" " * 6, channel, flag.encode(), hh, mm, ss, frac)


def encode_net_time(channel: int, duration_us: int, start_number: int | None = None, total: bool = False,
                    group: int = 0) -> bytes:
    """A net-time frame (info `1`, or `2` for the total) as laid out above: the duration, truncated to
    1/10,000 s, where an impulse has its time of day."""
    if not 0 <= duration_us < 100 * 3_600_000_000:
        raise ValueError(f"a Microgate net time is 0 to 99:59:59.9999, not {duration_us} us")
    line = encode_event(channel, duration_us % DAY_US, start_number, "0", group)
    hours = duration_us // 3_600_000_000
    return b"%s%s%02d%s" % (line[:29], b"2" if total else b"1", hours, line[32:])


def request(run: int = 1) -> bytes:
    """The static request for every stored impulse of `run` (DC1, logical channel 251: all channels)."""
    if not 1 <= run <= 999:
        raise ValueError(f"a Microgate run is 1-999, not {run}")
    return b"\x11R 000000000*251%03d000S\r" % run


class MicrogateEncoder(Encoder):
    """Impulses to extended lines (start numbers as the events carry them: none for a rotation)."""

    def event(self, event: GateEvent) -> bytes:
        return encode_event(event.gate, event.device_us, event.start_number)


def gate_id(index: int, gates: int) -> int:
    """The inverse of `course_index`: logical channel 000 start, 255 finish, k the k-th intermediate."""
    return FINISH if index == gates - 1 else index


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
        self.repeats = 0  # impulses received again (a static response) and left out
        self._seen: Recent[tuple[int, int, int | None], None] = Recent(REMEMBERED)

    def _lines_end(self, buf: bytes) -> int:
        return max(super()._lines_end(buf), buf.rfind(b"\x10"), buf.rfind(b"\x12"), buf.rfind(b"\x14"))

    def _lines(self, block: bytes, host_ns: int, events: list[GateEvent]) -> None:
        # `_impulse` and the day clock for a valid impulse (flag 0), inlined: this loop is the
        # decoder's hot path. A time later than any remembered cannot repeat one (no look-up). Around
        # a line that takes the slow path, where the clock stands is stored back and read again.
        append, seq, clock, seen = events.append, self._seq.next, self._clock, self._seen
        latest = clock.latest
        for gap, line, number, group, label, flag, hh, mm, ss, frac in _EXTENDED.findall(block):
            if gap and gap != b"\n":
                clock.latest = latest
                self._gap(gap, host_ns, events, bool(line))
                latest = clock.latest
            if not line:
                continue
            number, group = number.strip(b" "), group.strip(b" ")
            if not (number.isdigit() and group.isdigit()):
                clock.latest = latest
                self._line(line, host_ns, events)
                latest = clock.latest
                continue
            tod = ((int(hh) * 60 + int(mm)) * 60 + int(ss)) * 1_000_000 + int(frac) * TICK_US
            if flag != b"0":
                clock.latest = latest
                self._impulse(int(label), tod, flag, int(number) or None, label, line, host_ns, events)
                latest = clock.latest
                continue
            if latest is None:
                device_us = latest = tod
            else:  # as DayClock places it: within 12 h of the latest reading
                device_us = latest + (tod - latest + HALF_DAY_US) % DAY_US - HALF_DAY_US
                if device_us > latest:
                    latest = device_us
                elif device_us < 0:
                    device_us += DAY_US
            channel, start_number = int(label), int(number) or None
            key = (channel, device_us, start_number)
            if device_us <= seen.newest and key in seen:
                self.repeats += 1
                continue
            seen.remember(key, None, device_us)
            append(GateEvent(channel, seq(channel), device_us, host_ns, _BREAK, start_number, label.decode(), "0",
                             line))
        clock.latest = latest

    def parse_line(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        line_type = line[0]
        if line_type == REDUCED:
            _check_reduced(line)
            return
        if line_type not in (EXTENDED, STATIC):
            raise ValueError("not a Microgate line")
        if line_type == STATIC and line[5:6] == NO_RECORD:
            return
        number = _number(line[12:17])
        _number(line[17:20])  # group: checked, not kept
        label = line[26:29]
        if len(label) != 3 or not label.isdigit() or int(label) > 255:
            raise ValueError(label)
        flag = line[29:30]
        kind = _NET_TIME.get(flag)
        if kind is not None:
            events.append(GateEvent(TIMER_GATE, self._seq.next(TIMER_GATE), _duration(line[30:40]), host_ns, kind,
                                    number or None, label.decode(), flag.decode(), line))
            return
        if flag not in _FLAGS and flag != _CLOCK_FLAG:
            raise ValueError("undocumented flag")
        tod = _time_of_day(line[30:40])
        if flag == _CLOCK_FLAG:
            return
        self._impulse(int(label), tod, flag, number or None, label, line, host_ns, events)

    def _impulse(self, channel: int, tod: int, flag: bytes, number: int | None, label: bytes, line: bytes,
                 host_ns: int, events: list[GateEvent]) -> None:
        device_us = self._clock(tod)
        kind = _FLAGS[flag]
        key = (channel, device_us, number)
        if flag == b"a":
            self._seen.pop(key, None)
        elif kind is Kind.BREAK:
            if key in self._seen:
                self.repeats += 1
                return
            self._seen.remember(key, None, device_us)
        events.append(GateEvent(channel, self._seq.next(channel), device_us, host_ns, kind, number, label.decode(),
                                chr(flag[0]), line))


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
    return _duration(field, max_hours=23)


def _duration(field: bytes, max_hours: int = 99) -> int:
    """`hhmmssffff` to microseconds."""
    if len(field) != 10 or not field.isdigit():
        raise ValueError(field)
    hh, mm, ss, frac = int(field[0:2]), int(field[2:4]), int(field[4:6]), int(field[6:10])
    if hh > max_hours or mm > 59 or ss > 59:
        raise ValueError(field)
    return ((hh * 60 + mm) * 60 + ss) * 1_000_000 + frac * TICK_US
