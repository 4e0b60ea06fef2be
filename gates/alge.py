"""ALGE Timy / TdC 8001 RS-232 output: one fixed-column ASCII line per impulse, CR-terminated.

Sources: the ALGE TdC 8001 / Timy line layout as read by RaceHorology (github.com/RaceHorology/RaceHorology,
RaceHorologyLib/ALGETdC8001TimeMeasurement.cs: 9600 8N1, NewLine = CR, the columns below, the flags it
clears or ignores, the classement block; RaceHorologyLib/ALGETimy.cs: `RSM` reads the memory back, the
reply ends in an `ALGE-TIMING` footer), metarace (github.com/ndf-zz/metarace, src/metarace/timy.py:
`CHK1` lines of 26 + 2 checksum characters, the Timy's running impulse number in the number field, 38400
baud for the Timy in PC mode) and two real race sessions from a TdC 8001 (../shared/fixtures/alge-timy/)
plus four of its classement prints (../shared/fixtures/alge-classement/).

    yNNNNmCCC HH:MM:SS.zhtq GG      impulse: flag, number, course modifier, channel, time of day, group
     0001 RT  00:00:59.76   00      the timer's own computed run time (RT), total (TT), lap (SQ): 1/100 s
    yNNNNmCCC HH:MM:SS.zhtq         the original Timy: the same line without the group field
    yNNNNmCCC HH:MM:SS.zhtq GGss    CHK1: two checksum characters, 0x30 + each nibble of the byte sum
    n0001 / s0001                   a number selected at the finish / start: not an event
    C0011                           the Timy3 deletes memory time 11 (a cancel of that impulse)
    0001 c5 00:01:07.56 00          TrackTimer lane 5: a duration from the start, kept as a run time

    columns: [0] flag  [1:5] number  [5] ' ', or 'r'/'b' (parallel slalom red/blue course)  [6:9]
             channel  [10:23] time, left-aligned and space-padded, '.' or ',' before the fraction
             [24:26] group, lap or blank

Flags: ' ' valid, '?' no valid start number (start_number None), 'i' manual input, 't' a time
RaceHorology takes as valid, 'm' a time from memory and 'n' a time renumbered (both impulses, but a
time already seen is never given twice: a memory replay or an `RSM` reply fills gaps, it does not
double), 'c' cleared and 'd' deleted by disqualification (both cancel the earlier line with the same
number, channel and time: an impulse becomes a Kind.CANCEL event, a computed line keeps its kind and
flag). Channels: C0 start, C1 finish, C2-C8 intermediate, with an 'M' suffix (C0M, C1M) for keypad
times at 1/100 s; RT/TT/SQ/MT (with 'M': a keypad run) are durations; DTR/DTT (parallel-slalom
differences) are recognised and left out.

The number field is the start number when the timer has a start list, or the Timy's running impulse
counter in training mode (every impulse numbered in turn, so a start and its finish never share a
number). The decoder reports it as it stands; `numbering="impulse"` drops it from impulses (start_number
None), so reps are paired first in, first out. The same choice goes to gates.assembly with the session's
settings, which pairs by it ("auto": it tells the two apart by itself).

Recognised and kept out of the events without counting as dropped: blank lines, a classement print
(`CLASSEMENT:` to `ALGE TIMING`, whose ranked result lines do decode as run/total times), the footer
lines after an `ALGE TIMING`/`ALGE-TIMING`, the `RSM` echo, and the running time a Timy in PC-Timer mode
prints ten times a second between impulses (a line that is only a time).

Events: `gate` is the channel digit (C0 -> 0, C1M -> 1, C5 -> 5); computed lines belong to no channel
and carry TIMER_GATE. `device_us` is the time of day in microseconds plus 24 h per midnight passed, or
the duration for computed lines. `flag` is the flag character, '' for blank.

Resync: the format has no frame start byte, so a line that does not parse is dropped and counted. A
line longer than one frame whose last frame's worth of bytes parse is taken to be a valid line with
line noise glued in front of it: the line is kept, the noise counted in `dropped_bytes`.
"""

from __future__ import annotations

import re

from gates.codec import Encoder, LineDecoder
from gates.events import GateEvent, Kind
from gates.timeofday import DAY_US, HALF_DAY_US, DayClock, Recent

PROTOCOL = "alge-timy"
BAUD = 9600  # TdC 8001 and the Timy3's factory setting
RESEND_REQUEST = b"RSM\r"  # read the memory back (metarace timy.dumpall, RaceHorology ALGETimy)
TIMER_GATE = 9  # computed lines come from the timer itself, not a channel: one past C8
LINE_LEN = 26
NO_GROUP_LEN = 23
CHECKSUM_LEN = 28
SHORT_LEN = 5
FLAGS = frozenset(" ?mcdint")
CANCELS = frozenset("cd")
REMEMBERED = 4096  # impulses kept to recognise a repeat from memory, or a deletion by number
_BREAK = Kind.BREAK
_COMPUTED = {b"RT": Kind.RUN_TIME, b"TT": Kind.TOTAL_TIME, b"SQ": Kind.LAP, b"MT": Kind.RUN_TIME}
_COMPUTED_LABEL = {Kind.RUN_TIME: "RT", Kind.TOTAL_TIME: "TT", Kind.LAP: "SQ"}
_DIGITS = frozenset(b"0123456789")
_FOOTERS = (b"ALGE TIMING", b"ALGE-TIMING")
_FOOTER_LINES = 3  # model, version, date after the footer
_CLASSEMENT_LINES = 1000  # a classement print longer than this was never one
# A block of lines at once: (skipped bytes, then a whole plain impulse line, '.' or ',' before the
# fraction, with or without its CHK1 checksum) repeatedly, and what follows the last one. Such a line
# parses as `parse_line` would; the rest goes through `_gap`.
_IMPULSES = re.compile(
    rb"(.*?)(?:(?<![^\r\n])([ ?it](\d{4}) C[0-8][ M] ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)[.,](\d{4}) \d\d)"
    rb"([0-?]{2})?(?=[\r\n])|\Z)", re.DOTALL)
_LANE = re.compile(rb"(\d{4}) c(\d) (\d\d:\d\d:\d\d[.,]\d{1,4}) (\d\d| {2})")
_RUNNING = re.compile(rb" *(?:\d{1,2}:){0,2}\d{1,2}[.,]\d{1,4} *")
_CHECKSUMS = tuple(bytes((0x30 + (total >> 4), 0x30 + (total & 15))) for total in range(256))
_SIXTY = {b"%02d" % n: n for n in range(60)}
_FLAG_CHAR = {ord(flag): flag.strip() for flag in FLAGS}
_GATE_LABEL = {(0x30 + k) << 8 | ord(m): (k, f"C{k}{m.strip()}") for k in range(9) for m in " M"}
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


def gate_id(index: int, gates: int) -> int:
    """The inverse of `course_index`: C0 start, C1 finish, C2..C8 the intermediates in order."""
    return 0 if index == 0 else 1 if index == gates - 1 else index + 1


def checksum(line: bytes) -> bytes:
    """metarace's `timy_checksum`: the byte sum of the 26-byte line, each nibble as 0x30 + nibble."""
    return _CHECKSUMS[sum(line) & 0xFF]


def encode_impulse(start_number: int | None, channel: str, device_us: int, flag: str = " ", *,
                   decimal: str = ".", group: bool = True, with_checksum: bool = False) -> bytes:
    """One impulse line as the timer prints it: time of day truncated to 1/10,000 s (1/100 s for the
    keypad channels C0M/C1M). `start_number` None prints `?0000`; flag 'c' prints a cancellation.
    `decimal` ',' as in the Timy manuals, `group` False for the original Timy, `with_checksum` for CHK1."""
    if len(channel) not in (2, 3) or channel[0] != "C" or channel[1] not in "012345678" \
            or channel[2:] not in ("", "M"):
        raise ValueError(f"ALGE channels are C0-C8, optionally with M (keypad), not {channel!r}")
    if device_us < 0:
        raise ValueError(f"device time must not be negative, got {device_us}")
    tod = device_us % DAY_US
    if channel.endswith("M"):
        tod -= tod % 10_000
    return _line(_number(start_number, flag), channel, _clock(tod // 100, 4, decimal), group, with_checksum)


def encode_duration(start_number: int | None, kind: Kind, duration_us: int, flag: str = " ", *,
                    decimal: str = ".") -> bytes:
    """A computed line (RT, TT or SQ) as the timer prints it: truncated to 1/100 s."""
    if kind not in _COMPUTED_LABEL:
        raise ValueError(f"ALGE computes RT, TT and SQ lines only, not {kind!r}")
    if not 0 <= duration_us < 100 * 3_600_000_000:
        raise ValueError(f"an ALGE duration is 0 to 99:59:59.99, not {duration_us} us")
    return _line(_number(start_number, flag), _COMPUTED_LABEL[kind], _clock(duration_us // 10_000, 2, decimal))


def encode_short(letter: str, number: int) -> bytes:
    """A five-byte line: `n` (number selected at the finish), `s` (at the start), `C` (delete memory time)."""
    if letter not in ("n", "s", "C") or not 0 <= number <= 9999:
        raise ValueError(f"a short ALGE line is n, s or C and a number 0-9999, not {letter!r}{number}")
    return b"%s%04d\r" % (letter.encode(), number)


def encode_new_number(start_number: int) -> bytes:
    """The `n` line the timer prints when a new start number is selected."""
    return encode_short("n", start_number)


class AlgeEncoder(Encoder):
    """Impulses to lines for one simulated timer. `numbering`: "impulse" (the Timy's running counter,
    as in training mode without a start list), "start" (each event's start number) or "none" (`?0000`)."""

    def __init__(self, numbering: str = "impulse", decimal: str = ",", with_checksum: bool = True,
                 group: bool = True, first_number: int = 1) -> None:
        if numbering not in ("impulse", "start", "none"):
            raise ValueError(f"ALGE numbering is impulse, start or none, not {numbering!r}")
        self.numbering, self.decimal, self.with_checksum, self.group = numbering, decimal, with_checksum, group
        self._next = first_number

    def event(self, event: GateEvent) -> bytes:
        if event.kind is not Kind.BREAK:
            raise ValueError(f"an ALGE timer prints impulses, not {event.kind!r}")
        if self.numbering == "impulse":
            number: int | None = self._next
            self._next = (self._next + 1) % 10_000
        else:
            number = event.start_number if self.numbering == "start" else None
        return encode_impulse(number, event.channel or f"C{event.gate}", event.device_us, decimal=self.decimal,
                              group=self.group, with_checksum=self.with_checksum)


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


def _clock(ticks: int, digits: int, decimal: str = ".") -> bytes:
    """HH:MM:SS.f from a count of 10**-digits seconds."""
    if decimal not in (".", ","):
        raise ValueError(f"the decimal separator is '.' or ',', not {decimal!r}")
    scale = 10**digits
    seconds, frac = divmod(ticks, scale)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return b"%02d:%02d:%02d%s%0*d" % (hh, mm, ss, decimal.encode(), digits, frac)


def _line(number: bytes, channel: str, clock: bytes, group: bool = True, with_checksum: bool = False) -> bytes:
    body = b"%s %-3s %-13s" % (number, channel.encode(), clock)
    if not group:
        return body + b"\r"
    body += b" 00"
    return body + (checksum(body) if with_checksum else b"") + b"\r"


def _two(field: bytes) -> int:
    if len(field) != 2 or field[0] not in _DIGITS or field[1] not in _DIGITS:
        raise ValueError(field)
    return int(field)


def _parse_time(field: bytes, max_hours: int) -> int:
    """`HH:MM:SS[.f{1,4}]` (or `,` before the fraction) followed by padding spaces -> microseconds."""
    text = field.rstrip(b" ")
    if len(text) < 8 or text[2:3] != b":" or text[5:6] != b":":
        raise ValueError(field)
    hh, mm, ss = _two(text[0:2]), _two(text[3:5]), _two(text[6:8])
    if hh > max_hours or mm > 59 or ss > 59:
        raise ValueError(field)
    frac = text[8:]
    if frac:
        digits = frac[1:]
        if frac[:1] not in (b".", b",") or not 1 <= len(digits) <= 4 or not set(digits) <= _DIGITS:
            raise ValueError(field)
        micros = int(digits.ljust(6, b"0"))
    else:
        micros = 0
    return ((hh * 60 + mm) * 60 + ss) * 1_000_000 + micros


class AlgeDecoder(LineDecoder):
    """Decodes ALGE Timy / TdC 8001 output lines into GateEvents (see the module docstring)."""

    protocol = PROTOCOL
    max_line = 80  # a 31-byte classement line plus room for glued-on noise

    def __init__(self, numbering: str = "auto") -> None:
        super().__init__()
        if numbering not in ("auto", "start", "impulse"):
            raise ValueError(f"numbering is auto, start or impulse, not {numbering!r}")
        self.numbering = numbering
        self.repeats = 0  # impulses received again (from memory, an RSM reply) and left out
        self._seqs: dict[int, int] = {}  # gate -> its next 16-bit seq (the format carries none)
        self._clock = DayClock()
        self._seen: Recent[tuple[str, int, int | None], None] = Recent(REMEMBERED)  # (channel, time, number)
        self._classement = 0  # lines left in a classement print being read (0: not in one)
        self._footer = 0  # footer lines still expected after an ALGE TIMING line

    def _lines(self, block: bytes, host_ns: int, events: list[GateEvent]) -> None:
        # `_impulse` and the day clock for a plain impulse, inlined: this loop is the decoder's hot
        # path. Times mostly only grow, so one later than any seen cannot repeat one (no look-up).
        # Around a line that takes the slow path, where the clock and the newest time stand is
        # stored back and read again.
        append, seqs, clock, seen = events.append, self._seqs, self._clock, self._seen
        keep_number, most = self.numbering != "impulse", 2 * REMEMBERED
        latest, newest, inside = clock.latest, seen.newest, self._classement or self._footer
        latest_tod = -DAY_US if latest is None else latest % DAY_US  # the time of day the clock stands at
        for gap, line, number, hh, mm, ss, frac, check in _IMPULSES.findall(block):
            if gap and gap != b"\r":
                clock.latest, seen.newest = latest, newest
                self._gap(gap, host_ns, events, bool(line))
                latest, newest, inside = clock.latest, seen.newest, self._classement or self._footer
                latest_tod = -DAY_US if latest is None else latest % DAY_US
            if not line:
                continue
            if check:
                if _CHECKSUMS[sum(line) & 0xFF] != check:
                    inside = True  # a bad checksum: the slow path drops and counts it
                line += check
            if inside:
                clock.latest, seen.newest = latest, newest
                self._line(line, host_ns, events)
                latest, newest, inside = clock.latest, seen.newest, self._classement or self._footer
                latest_tod = -DAY_US if latest is None else latest % DAY_US
                continue
            tod = ((_SIXTY[hh] * 60 + _SIXTY[mm]) * 60 + _SIXTY[ss]) * 1_000_000 + int(frac) * 100
            ahead = tod - latest_tod
            if 0 <= ahead < HALF_DAY_US:  # later the same day: the usual case, no modulo needed
                device_us = latest = latest + ahead
                latest_tod = tod
            elif latest is None:
                device_us = latest = latest_tod = tod
            else:
                device_us = latest + (tod - latest + HALF_DAY_US) % DAY_US - HALF_DAY_US
                if device_us > latest:
                    latest, latest_tod = device_us, tod
                elif device_us < 0:
                    device_us += DAY_US
            gate, label = _GATE_LABEL[line[7] << 8 | line[8]]
            start_number = None if line[0] == 0x3F else int(number)  # '?': no valid start number
            key = (label, device_us, start_number)
            if device_us > newest:
                newest = device_us
            elif key in seen:
                self.repeats += 1
                continue
            seen[key] = None
            if len(seen) > most:
                seen.forget_older()
            n = seqs.get(gate, 0)
            seqs[gate] = (n + 1) & 0xFFFF
            append(GateEvent(gate, n, device_us, host_ns, _BREAK, start_number if keep_number else None,
                             label, _FLAG_CHAR[line[0]], line))
        clock.latest, seen.newest = latest, newest

    def parse_line(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        footer = self._footer
        try:
            self._parse(line, host_ns, events)
        except (ValueError, IndexError):
            if self._classement or footer:  # the print's titles and footer: part of it, not noise
                self._footer = max(0, footer - 1)
                return
            raise
        if self._footer == footer:  # a line of the format ends the footer
            self._footer = 0

    def _parse(self, line: bytes, host_ns: int, events: list[GateEvent]) -> None:
        text = line.strip(b" ")
        if not text or text == b"RSM":
            return
        if self._classement:
            self._classement -= 1
        if line.startswith(b"CLASSEMENT:"):
            self._classement = _CLASSEMENT_LINES
            return
        if text in _FOOTERS:
            self._classement, self._footer = 0, _FOOTER_LINES + 1  # this line and the ones after it
            return
        n = len(line)
        if n == SHORT_LEN and self._short(line, host_ns, events):
            return
        if n in (LINE_LEN, NO_GROUP_LEN):
            self._frame(line, host_ns, events)
            return
        if n == CHECKSUM_LEN and line[26] >> 4 == 3 and line[27] >> 4 == 3:
            if checksum(line[:LINE_LEN]) != line[26:]:
                raise ValueError("checksum")
            self._frame(line[:LINE_LEN], host_ns, events, raw=line)
            return
        if n == LINE_LEN + 5 and line[26] == 0x20 and set(line[27:]) <= _DIGITS:  # a ranked classement line
            self._frame(line[:LINE_LEN], host_ns, events, computed_only=True, raw=line)
            return
        m = _LANE.fullmatch(line)
        if m is not None:
            number, lane, time, _ = m.groups()
            events.append(GateEvent(TIMER_GATE, self._next_seq(TIMER_GATE), _parse_time(time, 99), host_ns,
                                    Kind.RUN_TIME, int(number), f"c{lane.decode()}", "", line))
            return
        if _RUNNING.fullmatch(line):
            return
        # Longer than a frame: a valid line with noise in front of it, or nothing.
        for width in (CHECKSUM_LEN, LINE_LEN, NO_GROUP_LEN, SHORT_LEN):
            if n > width and line[-width:].strip(b" "):
                try:
                    before = len(events)
                    self._parse(line[-width:], host_ns, events)
                except (ValueError, IndexError):
                    continue
                if width == SHORT_LEN and len(events) == before and line[-width] not in b"nsC":
                    continue
                self.dropped_bytes += n - width
                return
        raise ValueError("not an ALGE line")

    def _short(self, line: bytes, host_ns: int, events: list[GateEvent]) -> bool:
        """n0001 / s0001 (a number selected), C0011 (the Timy3 deletes memory time 11)."""
        letter = line[0]
        if letter not in b"nsC" or not set(line[1:]) <= _DIGITS:
            return False
        if letter == 0x43:  # C: the latest impulse with that number, if it still stands
            number = int(line[1:])
            for channel, device_us, seen_number in reversed(self._seen):
                if seen_number == number:
                    self._forget(channel, device_us, number)
                    gate = ord(channel[1]) - 0x30
                    events.append(GateEvent(gate, self._next_seq(gate), device_us, host_ns, Kind.CANCEL, number,
                                            channel, "C", line))
                    break
        return True

    def _frame(self, line: bytes, host_ns: int, events: list[GateEvent], computed_only: bool = False,
               raw: bytes | None = None) -> None:
        """One line of the impulse layout; `raw` is the line as received, where it carries more (CHK1)."""
        raw = line if raw is None else raw
        flag, number, channel = chr(line[0]), line[1:5], line[6:9]
        if flag not in FLAGS or not set(number) <= _DIGITS or line[5] not in b" rb" or line[9] != 0x20:
            raise ValueError(line)
        if len(line) == LINE_LEN:
            if line[23] != 0x20:
                raise ValueError(line)
            if line[24:26] != b"  ":  # group, lap or blank: checked, not used
                _two(line[24:26])
        start_number = None if flag == "?" else int(number)
        kind = _COMPUTED.get(channel[:2]) if channel[2] in b" M" else None
        if kind is not None:
            events.append(GateEvent(TIMER_GATE, self._next_seq(TIMER_GATE), _parse_time(line[10:23], 99), host_ns,
                                    kind, start_number, channel.strip().decode(), flag.strip(), raw))
            return
        if channel[:2] == b"DT" and channel[2] in b"RT " and not computed_only:
            _parse_time(line[10:23], 99)  # a parallel-slalom difference time: checked, not an event
            return
        if computed_only or channel[0] != 0x43 or channel[1] not in b"012345678" or channel[2] not in b" M":
            raise ValueError(line)
        self._impulse(channel[1] - 0x30, _parse_time(line[10:23], 23), flag.strip(), start_number,
                      _CHANNEL_TEXT[channel], raw, host_ns, events)

    def _impulse(self, gate: int, tod: int, flag: str, number: int | None, channel: str, line: bytes,
                 host_ns: int, events: list[GateEvent]) -> None:
        device_us = self._clock(tod)
        if flag in CANCELS:
            self._forget(channel, device_us, number)
            kind = Kind.CANCEL
        else:
            key = (channel, device_us, number)
            if key in self._seen:
                self.repeats += 1
                return
            self._seen.remember(key, None, device_us)
            kind = Kind.BREAK
        if self.numbering == "impulse":
            number = None
        events.append(GateEvent(gate, self._next_seq(gate), device_us, host_ns, kind, number, channel, flag, line))

    def _next_seq(self, gate: int) -> int:
        seq = self._seqs.get(gate, 0)
        self._seqs[gate] = (seq + 1) & 0xFFFF
        return seq

    def _forget(self, channel: str, device_us: int, number: int | None) -> None:
        self._seen.pop((channel, device_us, number), None)
        self._seen.pop((channel, device_us, None), None)
