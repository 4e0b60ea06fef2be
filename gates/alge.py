"""ALGE Timy / TdC 8001 RS-232 output: one fixed-column ASCII line per impulse, CR-terminated.

Sources: the ALGE TdC 8001 / Timy RS-232 line layout as read by RaceHorology
(RaceHorologyLib/ALGETdC8001TimeMeasurement.cs: 9600 8N1, NewLine = CR, columns below), and two real
race sessions captured from a TdC 8001 (../shared/fixtures/alge-timy/). Every line shape in those
captures is decoded here:

    yNNNN CCC HH:MM:SS.zhtq GG      impulse: flag, start number, channel, time of day (1/10,000 s), group
     0001 RT  00:00:59.76   00      the timer's own computed run time (RT), total (TT), lap (SQ): 1/100 s
    n0001                           new start number selected at the finish: not an event

    columns: [0] flag  [1:5] start number  [5] ' '  [6:9] channel  [9] ' '  [10:23] time, left-aligned
             and space-padded  [23] ' '  [24:26] group

Flags: ' ' valid, '?' no valid start number (start_number None), 'm' memory, 'c' cleared (cancels the
earlier line with the same number, channel and time: an impulse becomes a Kind.CANCEL event, a computed
line keeps its kind with flag 'c'), 'd' disqualified, 'i' manual input. Channels: C0 start, C1 finish,
C2-C8 intermediate, with an 'M' suffix (C0M, C1M) for keypad times at 1/100 s.

Events: `gate` is the channel digit (C0 -> 0, C1M -> 1, C5 -> 5); computed lines belong to no channel
and carry TIMER_GATE. `device_us` is the time of day in microseconds plus 24 h per midnight passed
(a time of day more than 12 h before the previous one is the next day; corrections that repeat an
earlier time step back by less), or the duration for RT/TT/SQ. `flag` is the flag character, '' for
blank.

Resync: the format has no frame start byte, so a line that does not parse is dropped and counted. A
line longer than one frame whose last 26 (or 5, for `n` lines) bytes parse is taken to be a valid
line with line noise glued in front of it: the line is kept, the noise counted in `dropped_bytes`.
"""

from __future__ import annotations

import re

from gates.codec import LineDecoder, SeqCounter
from gates.events import GateEvent, Kind
from gates.timeofday import DAY_US, DayClock

PROTOCOL = "alge-timy"
BAUD = 9600
TIMER_GATE = 9  # computed lines come from the timer itself, not a channel: one past C8
LINE_LEN = 26
NUMBER_LINE_LEN = 5
FLAGS = frozenset(" ?mcdi")
_COMPUTED = {b"RT ": Kind.RUN_TIME, b"TT ": Kind.TOTAL_TIME, b"SQ ": Kind.LAP}
_COMPUTED_LABEL = {kind: label.strip().decode() for label, kind in _COMPUTED.items()}
_DIGITS = frozenset(b"0123456789")
# A block of lines at once: (skipped bytes, then a whole impulse line timed to 1/10,000 s) repeatedly,
# and what follows the last one. Such a line parses as `_event` would; the rest goes through `_gap`.
_IMPULSES = re.compile(
    rb"(.*?)(?:(?<![^\r\n])(([ ?mcdi])(\d{4}) (C[0-8][ M]) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)\.(\d{4}) \d\d)(?=[\r\n])"
    rb"|\Z)", re.DOTALL)
_FLAG_TEXT = {flag.encode(): flag.strip() for flag in FLAGS}
_CHANNEL_TEXT = {b"C%d%s" % (k, m): f"C{k}{m.decode().strip()}" for k in range(9) for m in (b" ", b"M")}


def course_index(event: GateEvent, gates: int) -> int | None:
    """Position on an n-gate course: C0 the start, C1 the finish, Ck (k >= 2) the (k-1)th gate if that
    is still before the finish. A cancellation sits where the impulse it takes back sat; computed
    lines (RT/TT/SQ) are not on the course."""
    if event.kind not in (Kind.BREAK, Kind.CANCEL) or gates < 1:
        return None
    if event.gate == 0:
        return 0
    if event.gate == 1:
        return gates - 1
    index = event.gate - 1
    return index if index < gates - 1 else None


def encode_impulse(start_number: int | None, channel: str, device_us: int, flag: str = " ") -> bytes:
    """One impulse line as the timer prints it: time of day truncated to 1/10,000 s (1/100 s for the
    keypad channels C0M/C1M). `start_number` None prints `?0000`; flag 'c' prints a cancellation."""
    if len(channel) not in (2, 3) or channel[0] != "C" or channel[1] not in "012345678" \
            or channel[2:] not in ("", "M"):
        raise ValueError(f"ALGE channels are C0-C8, optionally with M (keypad), not {channel!r}")
    if device_us < 0:
        raise ValueError(f"device time must not be negative, got {device_us}")
    tod = device_us % DAY_US
    if channel.endswith("M"):
        tod -= tod % 10_000
    return _line(_number(start_number, flag), channel, _clock(tod // 100, 4))


def encode_duration(start_number: int | None, kind: Kind, duration_us: int, flag: str = " ") -> bytes:
    """A computed line (RT, TT or SQ) as the timer prints it: truncated to 1/100 s."""
    if kind not in _COMPUTED_LABEL:
        raise ValueError(f"ALGE computes RT, TT and SQ lines only, not {kind!r}")
    if not 0 <= duration_us < 100 * 3_600_000_000:
        raise ValueError(f"an ALGE duration is 0 to 99:59:59.99, not {duration_us} us")
    return _line(_number(start_number, flag), _COMPUTED_LABEL[kind], _clock(duration_us // 10_000, 2))


def encode_new_number(start_number: int) -> bytes:
    """The `n` line the timer prints when a new start number is selected."""
    if not 0 <= start_number <= 9999:
        raise ValueError(f"ALGE start numbers are 0-9999, not {start_number}")
    return b"n%04d\r" % start_number


def _number(start_number: int | None, flag: str) -> bytes:
    if flag not in FLAGS or len(flag) != 1:
        raise ValueError(f"ALGE flags are {''.join(sorted(FLAGS))!r}, not {flag!r}")
    if start_number is None:
        if flag not in " ?":
            raise ValueError(f"a line without a start number is flagged '?', not {flag!r}")
        return b"?0000"
    if not 0 <= start_number <= 9999:
        raise ValueError(f"ALGE start numbers are 0-9999, not {start_number}")
    return b"%s%04d" % (flag.encode(), start_number)


def _clock(ticks: int, digits: int) -> bytes:
    """HH:MM:SS.f from a count of 10**-digits seconds."""
    scale = 10**digits
    seconds, frac = divmod(ticks, scale)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return b"%02d:%02d:%02d.%0*d" % (hh, mm, ss, digits, frac)


def _line(number: bytes, channel: str, clock: bytes) -> bytes:
    return b"%s %-3s %-13s 00\r" % (number, channel.encode(), clock)


def _two(field: bytes) -> int:
    if len(field) != 2 or field[0] not in _DIGITS or field[1] not in _DIGITS:
        raise ValueError(field)
    return int(field)


def _parse_time(field: bytes, max_hours: int) -> int:
    """`HH:MM:SS[.f{1,4}]` followed by padding spaces -> microseconds."""
    text = field.rstrip(b" ")
    if len(text) < 8 or text[2:3] != b":" or text[5:6] != b":":
        raise ValueError(field)
    hh, mm, ss = _two(text[0:2]), _two(text[3:5]), _two(text[6:8])
    if hh > max_hours or mm > 59 or ss > 59:
        raise ValueError(field)
    frac = text[8:]
    if frac:
        digits = frac[1:]
        if frac[:1] != b"." or not 1 <= len(digits) <= 4 or not set(digits) <= _DIGITS:
            raise ValueError(field)
        micros = int(digits.ljust(6, b"0"))
    else:
        micros = 0
    return ((hh * 60 + mm) * 60 + ss) * 1_000_000 + micros


class AlgeDecoder(LineDecoder):
    """Decodes ALGE Timy / TdC 8001 output lines into GateEvents (see the module docstring)."""

    protocol = PROTOCOL
    max_line = 80  # a 26-byte line plus up to 54 bytes of glued-on noise

    def __init__(self) -> None:
        super().__init__()
        self._seq = SeqCounter()
        self._clock = DayClock()

    def _lines(self, block: bytes, host_ns: int, events: list[GateEvent]) -> None:
        append, seq, clock = events.append, self._seq.next, self._clock
        for gap, line, flag, number, channel, hh, mm, ss, frac in _IMPULSES.findall(block):
            if gap and gap != b"\r":
                self._gap(gap, host_ns, events, bool(line))
            if not line:
                continue
            gate = channel[1] - 0x30
            tod = ((int(hh) * 60 + int(mm)) * 60 + int(ss)) * 1_000_000 + int(frac) * 100
            append(GateEvent(gate, seq(gate), clock(tod), host_ns, Kind.CANCEL if flag == b"c" else Kind.BREAK,
                             None if flag == b"?" else int(number), _CHANNEL_TEXT[channel], _FLAG_TEXT[flag], line))

    def parse_line(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        if len(line) == NUMBER_LINE_LEN and self._number_line(line):
            return
        if len(line) == LINE_LEN:
            events.append(self._event(line, host_ns))
            return
        # Longer than a frame: a valid line with noise in front of it, or nothing.
        for width in (LINE_LEN, NUMBER_LINE_LEN):
            if len(line) > width:
                try:
                    self.parse_line(line[-width:], host_ns, events)
                except (ValueError, IndexError):
                    continue
                self.dropped_bytes += len(line) - width
                return
        raise ValueError("not an ALGE line")

    @staticmethod
    def _number_line(line: bytes) -> bool:
        return line[0] == 0x6E and set(line[1:]) <= _DIGITS  # n0001

    def _event(self, line: bytes, host_ns: int) -> GateEvent:
        flag, number, channel = chr(line[0]), line[1:5], line[6:9]
        if flag not in FLAGS or not set(number) <= _DIGITS or line[5] != 0x20 or line[9] != 0x20 \
                or line[23] != 0x20:
            raise ValueError(line)
        _two(line[24:26])  # group: checked, not used
        start_number = None if flag == "?" else int(number)
        kind = _COMPUTED.get(channel)
        if kind is not None:
            gate, device_us = TIMER_GATE, _parse_time(line[10:23], 99)
        elif channel[0] == 0x43 and channel[1] in b"012345678" and channel[2] in b" M":  # C0-C8, M
            gate, device_us = channel[1] - 0x30, self._clock(_parse_time(line[10:23], 23))
            kind = Kind.CANCEL if flag == "c" else Kind.BREAK
        else:
            raise ValueError(line)
        return GateEvent(gate=gate, seq=self._seq.next(gate), device_us=device_us, host_ns=host_ns,
                         kind=kind, start_number=start_number, channel=channel.strip().decode(),
                         flag=flag.strip(), raw=line)
