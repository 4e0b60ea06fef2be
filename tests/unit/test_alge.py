"""ALGE Timy / TdC 8001 codec: real race captures, every line shape, encoders, midnight, resync."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gates import protocols
from gates.alge import (
    TIMER_GATE,
    AlgeDecoder,
    course_index,
    encode_duration,
    encode_impulse,
    encode_new_number,
)
from gates.timeofday import DAY_US, HALF_DAY_US
from gates.events import DURATION_KINDS, GateEvent, Kind
from support.profiles import examples
from support.shared_fixtures import ALGE_CAPTURES as FIXTURES
from support.shared_fixtures import needs_alge_captures

PROPS = examples(150)


def tod(text: str) -> int:
    """`HH:MM:SS.ffff` -> microseconds."""
    hms, frac = text.split(".")
    h, m, s = (int(x) for x in hms.split(":"))
    return ((h * 60 + m) * 60 + s) * 1_000_000 + int(frac.ljust(6, "0"))


def decode(data: bytes) -> tuple[list[GateEvent], AlgeDecoder]:
    decoder = AlgeDecoder()
    return decoder.feed(data), decoder


def paired_run_times(events: list[GateEvent]) -> list[tuple[int, int]]:
    """(start number, run time truncated to 1/100 s) for every finish impulse, in stream order.

    A finish pairs with the latest start of the same number still standing: a `c` line cancels the
    impulse it repeats, manual `i` impulses count like any other, `?` impulses belong to no one.
    """
    starts: dict[int, list[int]] = {}
    run_times = []
    for e in events:
        n = e.start_number
        if n is None or e.kind in DURATION_KINDS:
            continue
        if e.channel in ("C0", "C0M"):
            if e.kind is Kind.CANCEL:
                starts[n].remove(e.device_us)
            else:
                starts.setdefault(n, []).append(e.device_us)
        elif e.channel in ("C1", "C1M") and e.kind is Kind.BREAK:
            elapsed = e.device_us - starts[n][-1]
            run_times.append((n, elapsed - elapsed % 10_000))
    return run_times


# --- the real captures ---------------------------------------------------------------------------

@needs_alge_captures
def test_there_are_two_captures():
    assert [p.name for p in FIXTURES] == ["ALGETdC8001-202002020841.dump", "ALGETdC8001-202002021133.dump"]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_captures_decode_without_a_dropped_line(path):
    data = path.read_bytes()
    events, decoder = decode(data)
    lines = data.splitlines()
    number_lines = [line for line in lines if line.startswith(b"n")]
    assert decoder.dropped_frames == 0 and decoder.dropped_bytes == 0
    assert len(events) == len(lines) - len(number_lines)
    assert [e.raw for e in events] == [line for line in lines if not line.startswith(b"n")]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_pairing_starts_with_finishes_reproduces_every_printed_run_time(path):
    events, _ = decode(path.read_bytes())
    printed = [(e.start_number, e.device_us) for e in events if e.kind is Kind.RUN_TIME and e.flag != "c"]
    assert len(printed) > 120
    assert paired_run_times(events) == printed


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_a_cleared_run_time_repeats_the_one_it_withdraws(path):
    events, _ = decode(path.read_bytes())
    latest: dict[int, int] = {}
    for e in events:
        if e.kind is Kind.RUN_TIME and e.flag == "c":
            assert latest[e.start_number] == e.device_us
        elif e.kind is Kind.RUN_TIME:
            latest[e.start_number] = e.device_us


@needs_alge_captures
def test_total_times_are_the_sum_of_each_numbers_standing_run_times():
    events, _ = decode(FIXTURES[0].read_bytes())
    runs: dict[int, list[int]] = {}
    totals = 0
    for e in events:
        if e.kind is Kind.RUN_TIME:
            if e.flag == "c":
                runs[e.start_number].remove(e.device_us)
            else:
                runs.setdefault(e.start_number, []).append(e.device_us)
        elif e.kind is Kind.TOTAL_TIME and e.flag != "c":
            assert e.device_us == sum(runs[e.start_number])
            totals += 1
    assert totals == 61


@needs_alge_captures
def test_the_correction_sequence_in_the_first_capture():
    """Lines 515-538: #43's finish is cleared with its RT and TT, then re-entered by hand (`i`), and
    #44 is given the same hand-entered finish time."""
    lines = FIXTURES[0].read_bytes().splitlines(keepends=True)
    events, _ = decode(b"".join(lines[514:538]))
    corrections = [(e.flag, e.start_number, e.channel, e.kind) for e in events if e.flag]
    assert corrections == [
        ("c", 43, "C1", Kind.CANCEL), ("c", 43, "RT", Kind.RUN_TIME), ("c", 43, "TT", Kind.TOTAL_TIME),
        ("i", 43, "C1", Kind.BREAK), ("i", 43, "RT", Kind.RUN_TIME), ("i", 43, "TT", Kind.TOTAL_TIME),
        ("i", 44, "C1", Kind.BREAK), ("i", 44, "RT", Kind.RUN_TIME), ("i", 44, "TT", Kind.TOTAL_TIME),
    ]
    cancel = next(e for e in events if e.kind is Kind.CANCEL)
    assert cancel.device_us == tod("11:02:00.3564") and cancel.gate == 1


# --- every line shape --------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    (b" 0999 C0  10:03:32.6834 00", GateEvent(0, 0, tod("10:03:32.6834"), 0, Kind.BREAK, 999, "C0", "")),
    (b" 0999 C1  10:04:21.4217 00", GateEvent(1, 0, tod("10:04:21.4217"), 0, Kind.BREAK, 999, "C1", "")),
    (b"?0300 C0  08:53:39.4922 00", GateEvent(0, 0, tod("08:53:39.4922"), 0, Kind.BREAK, None, "C0", "?")),
    (b" 0001 C0M 09:00:38.7600 00", GateEvent(0, 0, tod("09:00:38.76"), 0, Kind.BREAK, 1, "C0M", "")),
    (b"c0001 C0M 09:00:38.7600 00", GateEvent(0, 0, tod("09:00:38.76"), 0, Kind.CANCEL, 1, "C0M", "c")),
    (b"i0096 C0  12:16:38.5795 00", GateEvent(0, 0, tod("12:16:38.5795"), 0, Kind.BREAK, 96, "C0", "i")),
    (b"m0007 C4  12:16:38.5795 00", GateEvent(4, 0, tod("12:16:38.5795"), 0, Kind.BREAK, 7, "C4", "m")),
    (b"d0007 C1M 12:16:38.5700 00", GateEvent(1, 0, tod("12:16:38.57"), 0, Kind.CANCEL, 7, "C1M", "d")),
    (b" 0999 RT  00:00:48.73   00", GateEvent(TIMER_GATE, 0, 48_730_000, 0, Kind.RUN_TIME, 999, "RT", "")),
    (b"c0043 RT  00:01:06.10   00", GateEvent(TIMER_GATE, 0, 66_100_000, 0, Kind.RUN_TIME, 43, "RT", "c")),
    (b"i0043 TT  00:01:49.15   00", GateEvent(TIMER_GATE, 0, 109_150_000, 0, Kind.TOTAL_TIME, 43, "TT", "i")),
    (b" 0012 SQ  00:00:31.07   00", GateEvent(TIMER_GATE, 0, 31_070_000, 0, Kind.LAP, 12, "SQ", "")),
    (b" 0012 RT  01:02:03.4    00", GateEvent(TIMER_GATE, 0, 3_723_400_000, 0, Kind.RUN_TIME, 12, "RT", "")),
])
def test_each_line_shape(line, expected):
    for terminator in (b"\r", b"\n", b"\r\n"):
        events, decoder = decode(line + terminator)
        assert events == [expected] and events[0].raw == line
        assert decoder.dropped_frames == decoder.dropped_bytes == 0


def test_a_new_start_number_line_is_neither_an_event_nor_dropped():
    events, decoder = decode(b"n0001\rn0000\r")
    assert events == [] and decoder.dropped_frames == decoder.dropped_bytes == 0


@pytest.mark.parametrize("line", [
    b" 0999 C9  10:03:32.6834 00",  # no channel 9
    b" 0999 C0X 10:03:32.6834 00",
    b"x0999 C0  10:03:32.6834 00",  # unknown flag
    b" 09a9 C0  10:03:32.6834 00",
    b" 0999 C0  24:03:32.6834 00",  # time of day past midnight
    b" 0999 C0  10:60:32.6834 00",
    b" 0999 C0  10:03:32;6834 00",
    b" 0999 C0  10:03:32.68345 0",
    b" 0999 C0  10:03:32.6834 0x",
    b" 0999 C0  10:03:32.6834  0",
    b"\xff0999 C0  10:03:32.6834 00",
    b"n00x1",
    b"N0001",
])
def test_malformed_lines_are_dropped_and_counted(line):
    events, decoder = decode(line + b"\r")
    assert events == [] and decoder.dropped_frames == 1 and decoder.dropped_bytes == len(line)


def test_a_line_with_noise_glued_in_front_is_recovered():
    line = b" 0001 C0  10:04:55.6513 00"
    events, decoder = decode(b"\x00\xfe4:5" + line + b"\rzz n0002\r")
    assert [e.raw for e in events] == [line] and events[0].device_us == tod("10:04:55.6513")
    assert decoder.dropped_frames == 0 and decoder.dropped_bytes == 5 + 3


def test_an_overlong_line_is_dropped_whole():
    line = b" 0001 C0  10:04:55.6513 00"
    events, decoder = decode(b"#" * 200 + line + b"\r" + line + b"\r")
    assert len(events) == 1 and decoder.dropped_bytes == 200 + len(line)


def test_sequence_numbers_count_per_gate():
    data = b"".join(encode_impulse(n, ch, 3_600_000_000 + n) for n, ch in
                    [(1, "C0"), (2, "C0"), (1, "C1"), (1, "C0M"), (2, "C1")])
    data += encode_duration(2, Kind.RUN_TIME, 5_000_000)
    events, _ = decode(data)
    assert [(e.gate, e.seq) for e in events] == [(0, 0), (0, 1), (1, 0), (0, 2), (1, 1), (TIMER_GATE, 0)]


# --- midnight ------------------------------------------------------------------------------------

def test_midnight_wrap_and_a_correction_from_before_midnight():
    events, _ = decode(encode_impulse(5, "C0", tod("23:59:58.0000"))
                       + encode_impulse(5, "C1", tod("00:00:09.1234"))
                       + encode_impulse(5, "C0", tod("23:59:58.0000"), flag="c")
                       + encode_impulse(6, "C0", tod("00:00:30.0000")))
    assert [e.device_us for e in events] == [
        tod("23:59:58.0000"), DAY_US + tod("00:00:09.1234"), tod("23:59:58.0000"), DAY_US + tod("00:00:30.0")]


def test_a_manual_time_a_little_earlier_is_not_a_new_day():
    events, _ = decode(encode_impulse(43, "C1", tod("11:02:00.3564"))
                       + encode_impulse(43, "C1", tod("11:01:49.1146"), flag="i"))
    assert [e.device_us for e in events] == [tod("11:02:00.3564"), tod("11:01:49.1146")]


@PROPS
@given(st.integers(0, DAY_US - 1), st.lists(st.integers(0, HALF_DAY_US - 1_000), max_size=30))
def test_device_time_keeps_counting_across_midnights(t0, steps):
    times = [t0]
    for step in steps:
        times.append(times[-1] + step)
    events, _ = decode(b"".join(encode_impulse(i, "C2", t) for i, t in enumerate(times)))
    assert [e.device_us for e in events] == [t - t % 100 for t in times]


# --- encoders ------------------------------------------------------------------------------------

def test_encoders_print_what_the_timer_prints():
    assert encode_impulse(1, "C0", tod("10:04:55.6513") + 99) == b" 0001 C0  10:04:55.6513 00\r"
    assert encode_impulse(1, "C0M", tod("09:00:38.7699")) == b" 0001 C0M 09:00:38.7600 00\r"
    assert encode_impulse(None, "C1", DAY_US + tod("09:06:42.7183")) == b"?0000 C1  09:06:42.7183 00\r"
    assert encode_impulse(43, "C1", tod("11:02:00.3564"), "c") == b"c0043 C1  11:02:00.3564 00\r"
    assert encode_duration(1, Kind.RUN_TIME, 59_769_999) == b" 0001 RT  00:00:59.76   00\r"
    assert encode_duration(43, Kind.TOTAL_TIME, 109_150_000, "i") == b"i0043 TT  00:01:49.15   00\r"
    assert encode_new_number(1) == b"n0001\r"


@pytest.mark.parametrize("call", [
    lambda: encode_impulse(1, "C9", 0),
    lambda: encode_impulse(1, "RT", 0),
    lambda: encode_impulse(10_000, "C0", 0),
    lambda: encode_impulse(1, "C0", -1),
    lambda: encode_impulse(1, "C0", 0, "x"),
    lambda: encode_impulse(None, "C0", 0, "c"),
    lambda: encode_duration(1, Kind.BREAK, 0),
    lambda: encode_duration(1, Kind.RUN_TIME, 100 * 3_600_000_000),
    lambda: encode_new_number(-1),
])
def test_encoders_refuse_what_the_timer_cannot_print(call):
    with pytest.raises(ValueError):
        call()


CHANNELS = [f"C{k}" for k in range(9)] + ["C0M", "C1M"]


@PROPS
@given(st.one_of(st.none(), st.integers(0, 9999)), st.sampled_from(CHANNELS), st.integers(0, DAY_US - 1),
       st.sampled_from(" ?mcdi"))
def test_impulse_round_trip(number, channel, device_us, flag):
    assume(number is not None or flag in " ?")
    [event], decoder = decode(encode_impulse(number, channel, device_us, flag))
    resolution = 10_000 if channel.endswith("M") else 100
    assert event.device_us == device_us - device_us % resolution
    flag = "?" if number is None else flag
    assert event.start_number == (None if flag == "?" else number)
    assert (event.channel, event.gate, event.flag) == (channel, int(channel[1]), flag.strip())
    assert event.kind is (Kind.CANCEL if flag in "cd" else Kind.BREAK)
    assert decoder.dropped_frames == 0


@PROPS
@given(st.integers(0, 9999), st.sampled_from(sorted(DURATION_KINDS)), st.integers(0, 100 * 3_600_000_000 - 1),
       st.sampled_from(" ?mcdi"))
def test_duration_round_trip(number, kind, duration_us, flag):
    [event], _ = decode(encode_duration(number, kind, duration_us, flag))
    assert (event.kind, event.device_us, event.gate) == (kind, duration_us - duration_us % 10_000, TIMER_GATE)
    assert event.start_number == (None if flag == "?" else number)


# --- course positions and the registry -----------------------------------------------------------

@pytest.mark.parametrize(("line", "gates", "index"), [
    (b" 0001 C0  10:00:00.0000 00", 4, 0),
    (b" 0001 C0M 10:00:00.0000 00", 4, 0),
    (b" 0001 C1  10:00:00.0000 00", 4, 3),
    (b" 0001 C1M 10:00:00.0000 00", 2, 1),
    (b" 0001 C2  10:00:00.0000 00", 4, 1),
    (b" 0001 C3  10:00:00.0000 00", 4, 2),
    (b" 0001 C4  10:00:00.0000 00", 4, None),  # would stand on or past the finish
    (b" 0001 C2  10:00:00.0000 00", 2, None),
    (b"c0001 C0  10:00:00.0000 00", 4, 0),  # a cancel sits where the impulse it takes back sat
    (b" 0001 RT  00:00:05.00   00", 4, None),
])
def test_course_index(line, gates, index):
    [event], _ = decode(line + b"\r")
    assert course_index(event, gates) == index


@needs_alge_captures
def test_registered_and_detected():
    proto = protocols.get("alge-timy")
    assert (proto.baud, proto.resend, proto.resend_request, proto.course_index) == (9600, True, b"RSM\r", course_index)
    assert isinstance(proto.decoder(), AlgeDecoder)
    assert protocols.detect(FIXTURES[1].read_bytes()[:2000]) is proto


# --- properties of the byte stream ---------------------------------------------------------------

valid_lines = st.one_of(
    st.builds(lambda n, ch, t, f: encode_impulse(n, ch, t, f), st.integers(0, 9999), st.sampled_from(CHANNELS),
              st.integers(0, DAY_US - 1), st.sampled_from(" ?mcdi")),
    st.builds(lambda n, k, t: encode_duration(n, k, t), st.integers(0, 9999), st.sampled_from(sorted(DURATION_KINDS)),
              st.integers(0, 3_600_000_000)),
    st.builds(encode_new_number, st.integers(0, 9999)),
).map(lambda line: line[:-1])  # terminators are drawn separately
terminators = st.sampled_from([b"\r", b"\n", b"\r\n"])
noise = st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")).filter(bool)


def _is_dropped(line: bytes) -> bool:
    events, decoder = decode(line + b"\r")
    return not events and decoder.dropped_frames == 1


@PROPS
@given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=8))
def test_arbitrary_bytes_never_raise(data, cuts):
    decoder = AlgeDecoder()
    pieces = [data[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(data)])]
    for piece in pieces:
        decoder.feed(piece)
    assert 0 <= decoder.dropped_bytes <= len(data)


@PROPS
@given(st.lists(st.tuples(valid_lines, terminators, st.one_of(st.none(), noise)), min_size=1, max_size=20))
def test_valid_lines_between_noise_lines_are_all_recovered(items):
    for _, _, junk in items:
        assume(junk is None or _is_dropped(junk))
    clean = b"".join(line + end for line, end, _ in items)
    noisy = b"".join(line + end + (b"" if junk is None else junk + end) for line, end, junk in items)
    expected, _ = decode(clean)
    events, decoder = decode(noisy)
    assert events == expected
    junks = [junk for _, _, junk in items if junk is not None]
    assert decoder.dropped_frames == len(junks) and decoder.dropped_bytes == sum(map(len, junks))


@PROPS
@given(st.lists(st.tuples(valid_lines, terminators, st.one_of(st.none(), noise)), min_size=1, max_size=20),
       st.lists(st.integers(0, 2000), max_size=10))
def test_splitting_the_stream_anywhere_gives_the_same_events(items, cuts):
    data = b"".join(line + end + (b"" if junk is None else junk + end) for line, end, junk in items)
    whole = AlgeDecoder()
    expected = whole.feed(data)
    decoder = AlgeDecoder()
    events = []
    bounds = sorted(min(c, len(data)) for c in cuts)
    for a, b in zip([0, *bounds], [*bounds, len(data)]):
        events += decoder.feed(data[a:b])
    assert events == expected
    assert [e.raw for e in events] == [e.raw for e in expected]
    assert (decoder.dropped_frames, decoder.dropped_bytes) == (whole.dropped_frames, whole.dropped_bytes)
