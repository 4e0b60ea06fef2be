"""Microgate codec: lines built from RaceHorology's documented layout, and a decoder that survives anything."""

from hypothesis import given
from hypothesis import strategies as st

from gates.assembly import RepAssembler
from gates.course import Course
from gates.events import GateEvent, Kind
from gates.microgate import (
    EXTENDED,
    REDUCED,
    STATIC,
    TIMER_GATE,
    MicrogateDecoder,
    course_index,
    encode_event,
    encode_net_time,
    request,
)
from gates.protocols import get
from gates.timeofday import DAY_US, DayClock
from support.profiles import examples

FAST = examples(200)


def layout_line(line_type: int, start_number: str, channel: str, flag: str, time: str, group: str = "000",
                mode: str = " ") -> bytes:
    """An extended (or static) line field by field, the way RaceHorology's MicrogateV2Test builds one:
    40 characters, spaces where the parser reads nothing (and the mode byte, blank unless given)."""
    line = [" "] * 40
    line[0], line[5] = chr(line_type), mode
    line[12:17], line[17:20], line[26:29], line[29], line[30:40] = start_number, group, channel, flag, time
    return "".join(line).encode() + b"\n"


def reduced_line(start_number: str, flag: str, time: str, lap: str = "000") -> bytes:
    line = [" "] * 26
    line[0] = chr(REDUCED)
    line[3:8], line[8], line[9:19], line[23:26] = start_number, flag, time, lap
    return "".join(line).encode() + b"\n"


def decode_all(data: bytes) -> tuple[list[GateEvent], MicrogateDecoder]:
    decoder = MicrogateDecoder()
    return decoder.feed(data), decoder


def feed_in_pieces(decoder: MicrogateDecoder, data: bytes, cuts: list[int]) -> list[GateEvent]:
    out, last = [], 0
    for cut in sorted(cuts) + [len(data)]:
        out += decoder.feed(data[last:cut])
        last = max(last, cut)
    return out


def tod(h: int, m: int, s: int, frac: int = 0) -> int:
    return ((h * 60 + m) * 60 + s) * 1_000_000 + frac * 100


def test_extended_line_from_the_documented_layout():
    # RaceHorology's test values: start number 7, start channel, valid, 08:12:34.5678
    out, decoder = decode_all(layout_line(EXTENDED, "00007", "000", "0", "0812345678"))
    assert out == [GateEvent(gate=0, seq=0, device_us=tod(8, 12, 34, 5678), kind=Kind.BREAK, start_number=7,
                             channel="000", flag="0")]
    assert decoder.dropped_bytes == decoder.dropped_frames == 0


def test_start_intermediate_finish_and_per_gate_sequence_numbers():
    lines = [layout_line(EXTENDED, "00012", ch, "0", t) for ch, t in
             (("000", "1000000000"), ("001", "1000021234"), ("255", "1000043210"), ("000", "1001000000"))]
    out, _ = decode_all(b"".join(lines))
    assert [(e.gate, e.channel, e.seq, e.device_us) for e in out] == [
        (0, "000", 0, tod(10, 0, 0)), (1, "001", 0, tod(10, 0, 2, 1234)), (255, "255", 0, tod(10, 0, 4, 3210)),
        (0, "000", 1, tod(10, 1, 0))]


def test_disqualification_codes_decode_as_cancels_carrying_the_flag():
    for flag in "PAQ":
        out, decoder = decode_all(layout_line(EXTENDED, "00009", "255", flag, "0812345678"))
        assert [(e.kind, e.flag, e.start_number) for e in out] == [(Kind.CANCEL, flag, 9)]
        assert decoder.dropped_frames == 0


def test_net_time_frames_are_kept_as_data_like_alge_run_times():
    """Info `1` (run time) and `2` (total net time) frames: RadioSender reads the extended frame's info
    field and leaves net-time frames out of its impulses (github.com/EdoardoTona/RadioSender,
    RadioSender/Hosts/Source/Microgate/MicrogateMessageProcessor.cs, `IsNetTime`); here they are data,
    not bad frames, and an athlete's rep still comes from the start and finish impulses."""
    data = (layout_line(EXTENDED, "00008", "000", "0", "1000000000")
            + layout_line(EXTENDED, "00008", "255", "0", "1000045123")
            + layout_line(EXTENDED, "00008", "255", "1", "0000045123")  # the run: 4.5123 s
            + layout_line(EXTENDED, "00008", "255", "2", "0001052246"))  # two runs: 1:05.2246
    out, decoder = decode_all(data)
    assert [(e.gate, e.kind, e.device_us, e.start_number, e.channel, e.flag) for e in out[2:]] == [
        (TIMER_GATE, Kind.RUN_TIME, 4_512_300, 8, "255", "1"), (TIMER_GATE, Kind.TOTAL_TIME, 65_224_600, 8, "255", "2")]
    assert decoder.dropped_frames == decoder.dropped_bytes == 0
    reps = RepAssembler(Course((0, 30)), get("microgate")).feed_all(out)
    assert [(r.athlete, r.time_us, r.valid) for r in reps] == [("#8", 4_512_300, True)]
    bad, decoder = decode_all(layout_line(EXTENDED, "00008", "255", "1", "0000605123"))  # 60 s
    assert bad == [] and decoder.dropped_frames == 1


def test_offline_frames_are_impulses_as_they_happen_and_a_reply_without_a_record_is_skipped():
    """The mode byte, Microgate's "identifier reply" (REI2 Transmission protocol, doc R2U_3_1079_001_E
    v1.07.9; transcripts at manualzilla.com/doc/5812092, mwitty.com/content.php?id=5812092): `O`
    on-line and `F` off-line records are both sent by the timer itself as they happen, so an off-line
    start and finish make a rep, and a static response repeating one is no second impulse; `Z` (no
    record for the request) is neither an impulse nor a bad frame, whatever its other fields hold."""
    start = encode_event(0, tod(10, 0, 0), 8, mode="O")
    finish = encode_event(255, tod(10, 0, 4, 5123), 8, mode="F")
    assert start[5:6] == b"O" and finish[5:6] == b"F"
    repeat = encode_event(255, tod(10, 0, 4, 5123), 8, line_type=STATIC, mode="E")
    blank = layout_line(STATIC, " " * 5, " " * 3, " ", " " * 10, mode="Z")
    none = encode_event(0, 0, line_type=STATIC, mode="Z") + blank
    out, decoder = decode_all(start + finish + repeat + none)
    assert [(e.gate, e.kind, e.start_number) for e in out] == [(0, Kind.BREAK, 8), (255, Kind.BREAK, 8)]
    assert decoder.repeats == 1 and decoder.dropped_frames == decoder.dropped_bytes == 0
    reps = RepAssembler(Course((0, 30)), get("microgate")).feed_all(out)
    assert [(r.athlete, r.time_us, r.valid) for r in reps] == [("#8", 4_512_300, True)]
    for line_type, mode in ((EXTENDED, "Z"), (EXTENDED, "R"), (STATIC, "F"), (EXTENDED, "OF")):
        try:
            encode_event(0, 0, line_type=line_type, mode=mode)
        except ValueError:
            continue
        raise AssertionError(f"encoded mode {mode!r} on line type {line_type:#x}")


def test_undocumented_flag_and_bad_fields_are_dropped_and_counted():
    bad = [
        layout_line(EXTENDED, "00007", "000", "x", "0812345678"),  # flag RaceHorology rejects too
        layout_line(EXTENDED, "00007", "000", "0", "2412345678"),  # hour 24
        layout_line(EXTENDED, "00007", "000", "0", "0860345678"),  # minute 60
        layout_line(EXTENDED, "00007", "256", "0", "0812345678"),  # channel beyond 255
        layout_line(EXTENDED, "00007", "0 1", "0", "0812345678"),
        layout_line(EXTENDED, "     ", "000", "0", "0812345678"),  # no start number at all
        layout_line(EXTENDED, "00007", "000", "0", "0812345678", group="0x0"),
        layout_line(EXTENDED, "00007", "000", "0", "0812345678")[:35] + b"\n",  # cut short
    ]
    good = layout_line(EXTENDED, "00007", "255", "0", "0812345678")
    out, decoder = decode_all(b"".join(bad) + good)
    assert [e.gate for e in out] == [255]
    assert decoder.dropped_frames == len(bad)


def test_start_number_padding_and_zero():
    out, _ = decode_all(layout_line(EXTENDED, "   42", "000", "0", "0000000000")
                        + layout_line(EXTENDED, "00000", "000", "0", "0000000001"))
    assert [e.start_number for e in out] == [42, None]


def test_reduced_lines_are_skipped_without_counting():
    skipped = reduced_line("00007", "0", "0812345678") + reduced_line("00007", "0", "0812345678", lap="001")
    out, decoder = decode_all(skipped)
    assert out == []
    assert decoder.dropped_bytes == decoder.dropped_frames == 0
    out, decoder = decode_all(reduced_line("0000x", "0", "0812345678") + layout_line(STATIC, "00007", "000", "0", "99"))
    assert out == [] and decoder.dropped_frames == 2


def test_a_static_response_fills_a_gap_and_never_doubles_an_impulse():
    """RaceHorology's MicrogateV2Test (github.com/richter-l/RaceHorology,
    RaceHorologyLibTest/MicrogateV2Test.cs) builds static responses in the extended layout: start
    number 7, channels 000 and 255, 08:12:34.5678. Received live, then stored and sent again on the
    static request, the live one counts once and the one missed while the cable was out is added."""
    live = layout_line(EXTENDED, "00007", "000", "0", "0812345678")
    reply = layout_line(STATIC, "00007", "000", "0", "0812345678") + layout_line(STATIC, "00007", "255", "0",
                                                                                "0812445678")
    out, decoder = decode_all(live + reply)
    assert [(e.gate, e.start_number, e.device_us, e.kind) for e in out] == [
        (0, 7, tod(8, 12, 34, 5678), Kind.BREAK), (255, 7, tod(8, 12, 44, 5678), Kind.BREAK)]
    assert decoder.repeats == 1 and decoder.dropped_frames == 0


def test_the_static_request_asks_for_every_channel_of_the_run():
    """`BuildImportRequest` in RaceHorologyLibTest/MicrogateV2Test.cs (github.com/richter-l/RaceHorology):
    DC1, `R 000000000*251`, the run in three digits, `000S`, CR."""
    assert request(1) == b"\x11R 000000000*251001000S\r"
    assert request(123) == b"\x11R 000000000*251123000S\r"


def test_annulled_cancels_and_clock_lines_are_not_impulses():
    """RaceHorology's MicrogateV2TimeMeasurement.cs takes `a` with the valid flags and syncs its clock from
    `D` lines (github.com/RaceHorology/RaceHorology, RaceHorologyLib/MicrogateV2TimeMeasurement.cs)."""
    data = (layout_line(EXTENDED, "00003", "255", "0", "1000000000")
            + layout_line(EXTENDED, "00003", "255", "a", "1000000000")
            + layout_line(EXTENDED, "00000", "000", "D", "1000010000"))
    out, decoder = decode_all(data)
    assert [(e.kind, e.flag) for e in out] == [(Kind.BREAK, "0"), (Kind.CANCEL, "a")]
    assert decoder.dropped_frames == 0


def test_longer_lines_crlf_and_noise_in_front_of_a_frame():
    line = layout_line(EXTENDED, "00003", "255", "0", "1112131415")
    longer = line[:-1] + b"   00012345 trailing fields\r\n"
    other = layout_line(EXTENDED, "00004", "255", "0", "1112131415")
    out, decoder = decode_all(b"\x00\xffnoise" + longer + b"junk" + other)
    assert [e.device_us for e in out] == [tod(11, 12, 13, 1415)] * 2
    assert decoder.dropped_bytes == len(b"\x00\xffnoise") + len(b"junk")


def test_midnight_wraps_like_a_time_of_day_clock():
    lines = [layout_line(EXTENDED, "00001", "000", "0", "2359599000"),
             layout_line(EXTENDED, "00001", "255", "0", "0000011000"),
             layout_line(EXTENDED, "00002", "000", "0", "2359599500")]  # a late line from before midnight
    out, _ = decode_all(b"".join(lines))
    assert [e.device_us for e in out] == [tod(23, 59, 59, 9000), DAY_US + tod(0, 0, 1, 1000), tod(23, 59, 59, 9500)]


def test_day_clock_never_goes_below_day_zero():
    clock = DayClock()
    assert clock(tod(0, 0, 5)) == tod(0, 0, 5)
    assert clock(tod(23, 59, 59)) == tod(23, 59, 59)  # not -6 s: the clock starts on day 0
    assert clock(tod(0, 0, 9)) == tod(0, 0, 9)


def test_course_index_start_finish_and_intermediates():
    def at(channel: int, gates: int) -> int | None:
        return course_index(GateEvent(gate=channel, seq=0, device_us=0), gates)

    assert [at(ch, 4) for ch in (0, 1, 2, 3, 255, 17)] == [0, 1, 2, None, 3, None]
    assert [at(ch, 2) for ch in (0, 1, 255)] == [0, None, 1]


def test_net_time_encoder_writes_the_duration_where_the_time_of_day_goes():
    assert encode_net_time(255, 4_512_399, 8) == layout_line(EXTENDED, "00008", "255", "1", "0000045123")
    assert encode_net_time(255, 26 * 3_600_000_000 + 61_000_000, 8, total=True) == \
        layout_line(EXTENDED, "00008", "255", "2", "2601010000")
    for bad in (-1, 100 * 3_600_000_000):
        try:
            encode_net_time(255, bad)
        except ValueError:
            continue
        raise AssertionError(f"encoded {bad}")


def test_encoder_writes_the_documented_layout_and_rejects_what_does_not_fit():
    assert encode_event(0, tod(8, 12, 34, 5678) + 99, start_number=7) == layout_line(EXTENDED, "00007", "000", "0",
                                                                                     "0812345678")
    assert encode_event(255, DAY_US + 5, 12, flag="A", group=3, line_type=STATIC) == \
        layout_line(STATIC, "00012", "255", "A", "0000000000", group="003")
    for bad in (dict(channel=256), dict(flag="x"), dict(start_number=100000), dict(line_type=REDUCED)):
        args = dict(channel=0, device_us=0) | bad
        try:
            encode_event(**args)
        except ValueError:
            continue
        raise AssertionError(f"encoded {bad}")


def test_overlong_line_is_dropped_not_accumulated():
    decoder = MicrogateDecoder()
    decoder.feed(bytes([EXTENDED]) + b"9" * 10_000)
    assert len(decoder._partial) <= MicrogateDecoder.max_line
    line = layout_line(EXTENDED, "00001", "000", "0", "0000000000")
    assert len(decoder.feed(b"more of it" + line)) == 1
    assert decoder.dropped_frames == 1


# -- properties --------------------------------------------------------------------------------------

impulses = st.tuples(st.sampled_from([0, 1, 2, 7, 255]), st.integers(0, 99999), st.sampled_from("0PAQ"))


@st.composite
def sessions(draw, max_size=25):
    """Impulses at increasing device times from day 0 on, gaps under 12 h (so the clock can unwrap them)."""
    n = draw(st.integers(0, max_size))
    t = draw(st.integers(0, DAY_US - 1))
    out = []
    for _ in range(n):
        out.append((*draw(impulses), t))
        t += draw(st.integers(100, DAY_US // 2 - 1000))  # a gap of 12 h (after truncation) is ambiguous
    return out


def encode_session(session) -> bytes:
    return b"".join(encode_event(ch, t, n, flag) for ch, n, flag, t in session)


@FAST
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=10))
def test_arbitrary_bytes_never_raise(data, cuts):
    decoder = MicrogateDecoder()
    feed_in_pieces(decoder, data, cuts)
    assert decoder.dropped_bytes <= len(data)
    assert len(decoder._partial) <= MicrogateDecoder.max_line


@FAST
@given(sessions(), st.lists(st.binary(max_size=300), min_size=25, max_size=25))
def test_frames_interleaved_with_garbage_are_all_recovered(session, garbage):
    # any garbage at all: every frame begins with its line-type byte, which ends whatever came before
    clean = decode_all(encode_session(session))[0]
    stream = b"".join(g + encode_event(ch, t, n, flag) for g, (ch, n, flag, t) in zip(garbage, session))
    assert decode_all(stream)[0] == clean
    assert len(clean) == len(session)


@FAST
@given(sessions(), st.lists(st.tuples(st.integers(0, 255), st.integers(0, 100 * 3_600_000_000 - 1), st.booleans()),
                            max_size=25), st.lists(st.integers(0, 3000), max_size=20))
def test_net_time_frames_among_impulses_are_all_kept_in_any_split(session, net_times, cuts):
    nets = [encode_net_time(ch, d, total=total) for ch, d, total in net_times]
    stream = b"".join(encode_event(ch, t, n, flag) + (nets[i] if i < len(nets) else b"")
                      for i, (ch, n, flag, t) in enumerate(session))
    decoder = MicrogateDecoder()
    out = feed_in_pieces(decoder, stream, cuts) + decoder.finish()
    kept = [(e.kind, e.device_us) for e in out if e.gate == TIMER_GATE]
    assert kept == [(Kind.TOTAL_TIME if total else Kind.RUN_TIME, d - d % 100)
                    for _, d, total in net_times[:len(session)]]
    assert len(out) - len(kept) == len(session)
    assert decoder.dropped_bytes == decoder.dropped_frames == 0


@FAST
@given(sessions(), st.lists(st.integers(0, 1500), max_size=20))
def test_any_split_of_the_stream_gives_the_same_events(session, cuts):
    stream = encode_session(session)
    decoder = MicrogateDecoder()
    assert feed_in_pieces(decoder, stream, cuts) == decode_all(stream)[0]
    assert decoder.dropped_bytes == decoder.dropped_frames == 0


@FAST
@given(sessions())
def test_encode_decode_round_trip(session):
    out = decode_all(encode_session(session))[0]
    assert [(e.gate, e.channel, e.start_number, e.flag, e.kind, e.device_us) for e in out] == [
        (ch, "%03d" % ch, n or None, flag, Kind.BREAK if flag == "0" else Kind.CANCEL, t - t % 100)
        for ch, n, flag, t in session]


def test_status_codes_become_the_reps_flags():
    """P, A and Q carry a run's status, not a time (RaceHorology's MicrogateV2TimeMeasurement.cs maps them
    to its disqualification codes 1-3, github.com/RaceHorology/RaceHorology): did not start, did not
    finish, disqualified become the rep's dns / dnf / dsq flag, and such a rep does not count."""
    data = (layout_line(EXTENDED, "00008", "000", "0", "1000000000")
            + layout_line(EXTENDED, "00008", "255", "0", "1000045000")
            + layout_line(EXTENDED, "00008", "255", "A", "1000050000")  # #8's finished run: did not finish
            + layout_line(EXTENDED, "00009", "000", "0", "1001000000")
            + layout_line(EXTENDED, "00009", "000", "Q", "1001010000")  # #9, still on course: disqualified
            + layout_line(EXTENDED, "00010", "000", "P", "1002000000"))  # #10 never started: no rep to flag
    assembler = RepAssembler(Course((0, 30)), get("microgate"))
    reps = assembler.feed_all(decode_all(data)[0])
    assert [(r.athlete, r.number, sorted(r.flags), r.valid) for r in reps] == [
        ("#8", 1, [], True), ("#8", 1, ["dnf"], False), ("#9", 0, ["dsq", "incomplete"], False)]
    assert assembler.open_reps == 0
