"""Every documented Timy / TdC line shape, the flags' meanings, classement prints and the Timy's own
impulse numbering, from the public references each test names."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gates import protocols
from gates.alge import (TIMER_GATE, AlgeDecoder, AlgeEncoder, checksum, encode_duration, encode_impulse,
                        encode_short)
from gates.assembly import RepAssembler
from gates.course import Course
from gates.events import GateEvent, Kind
from gates.timeofday import DAY_US
from support.profiles import examples
from support.shared_fixtures import ALGE_CLASSEMENTS, needs_alge_classements

PROPS = examples(150)
ALGE = protocols.get("alge-timy")


def tod(text: str) -> int:
    hh, mm, rest = text.replace(",", ".").split(":")
    seconds, _, frac = rest.partition(".")
    return ((int(hh) * 60 + int(mm)) * 60 + int(seconds)) * 1_000_000 + int(frac.ljust(6, "0"))


def decode(data: bytes, **options) -> tuple[list[GateEvent], AlgeDecoder]:
    decoder = AlgeDecoder(**options)
    return decoder.feed(data) + decoder.finish(), decoder


def shape(events: list[GateEvent]) -> list[tuple]:
    return [(e.kind, e.start_number, e.channel, e.flag, e.device_us) for e in events]


# --- RaceHorology's parser tests ------------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    (b" 0035 C0M 21:46:36.3900 00", (Kind.BREAK, 35, "C0M", "", tod("21:46:36.39"))),
    (b" 0035 C0  21:46:36.3910 00", (Kind.BREAK, 35, "C0", "", tod("21:46:36.391"))),
    (b"?0034 C1M 21:46:48.3300 00", (Kind.BREAK, None, "C1M", "?", tod("21:46:48.33"))),
    (b"?0034 C1M 21:46:48.123  00", (Kind.BREAK, None, "C1M", "?", tod("21:46:48.123"))),
    (b"?0034 C1M 21:46:48.12   00", (Kind.BREAK, None, "C1M", "?", tod("21:46:48.12"))),
    (b"?0034 C1M 21:46:48.1    00", (Kind.BREAK, None, "C1M", "?", tod("21:46:48.1"))),
    (b"t0003 C1  16:01:56.6585 00", (Kind.BREAK, 3, "C1", "t", tod("16:01:56.6585"))),  # ALGE WTN
    (b" 0001 RTM 00:00:20.1    00", (Kind.RUN_TIME, 1, "RTM", "", 20_100_000)),
    (b"d0035 C0  21:46:36.3910 00", (Kind.CANCEL, 35, "C0", "d", tod("21:46:36.391"))),  # disqualified
    (b"c0035 C0  21:46:36.3910 00", (Kind.CANCEL, 35, "C0", "c", tod("21:46:36.391"))),  # cleared
])
def test_racehorology_parser_lines(line, expected):
    """github.com/RaceHorology/RaceHorology, RaceHorologyLibTest/ALGETdC8001Tests.cs (ParserTest,
    ParserAndTransferToTimemeasurementDataTest): `d` and `c` clear the time, `t` and `RTM` are times."""
    events, decoder = decode(line + b"\r")
    assert shape(events) == [expected] and decoder.dropped_frames == 0


def test_a_number_selected_is_not_an_event():
    """ALGETdC8001Tests.cs: `n0034` is a start number selected, no time."""
    events, decoder = decode(b"n0034\rs0035\r")
    assert events == [] and decoder.dropped_frames == 0


# --- line shapes from the Timy manuals, as the issue lists them ------------------------------------

def test_comma_decimals_no_group_and_a_blank_group():
    """The Timy manuals write `15:44:00,5499`; the original Timy prints no group field; the group may be
    blank ("GG ... group, lap or blank")."""
    lines = [b" 0001 C0  15:44:00,5499 00", b" 0002 C1  15:44:04,1234", b" 0003 C0  15:45:00.0001   "]
    events, decoder = decode(b"\r".join(lines) + b"\r")
    assert shape(events) == [(Kind.BREAK, 1, "C0", "", tod("15:44:00.5499")),
                             (Kind.BREAK, 2, "C1", "", tod("15:44:04.1234")),
                             (Kind.BREAK, 3, "C0", "", tod("15:45:00.0001"))]
    assert decoder.dropped_frames == 0


def test_chk1_lines_carry_metaraces_checksum_and_a_bad_one_is_dropped():
    """github.com/ndf-zz/metarace, src/metarace/timy.py: a 28-byte line is 26 + two checksum characters,
    the byte sum of the 26 & 0xFF, each nibble + 0x30 (`timy_checksum`, `timy_getsum`)."""
    body = b" 0051 C0  08:44:20.1228 00"
    total = sum(body) & 0xFF
    assert checksum(body) == bytes((0x30 + (total >> 4), 0x30 + (total & 15)))
    events, decoder = decode(body + checksum(body) + b"\r")
    assert shape(events) == [(Kind.BREAK, 51, "C0", "", tod("08:44:20.1228"))]
    bad = body + bytes((checksum(body)[0], 0x30 + (checksum(body)[1] - 0x2F) % 16)) + b"\r"
    events, decoder = decode(bad)
    assert events == [] and decoder.dropped_frames == 1


def test_parallel_slalom_lines():
    """RaceHorology's parser reads [5] as the course modifier ('r' red, 'b' blue) and skips DT lines."""
    data = b" 0016rC0  10:00:00.0000 00\r 0017bC0  10:00:00.0100 00\r 0016 DTR 00:00:00.41   00\r" \
           b" 0016 DTT 00:00:01.02   00\r"
    events, decoder = decode(data)
    assert [(e.start_number, e.channel) for e in events] == [(16, "C0"), (17, "C0")]
    assert decoder.dropped_frames == 0


def test_tracktimer_lane_lines_are_durations_not_times_of_day():
    events, decoder = decode(b"0001 c5 00:01:07.56 00\r")
    assert shape(events) == [(Kind.RUN_TIME, 1, "c5", "", 67_560_000)] and events[0].gate == TIMER_GATE
    assert decoder.dropped_frames == 0


def test_pc_timer_running_time_between_impulses_is_kept_out_and_not_bad():
    """A Timy2 in PC-Timer mode prints the running time ten times a second between impulses."""
    running = b"".join(b"  0:00:%02d.%d\r" % (s, d) for s in range(3) for d in range(10))
    data = b" 0001 C0  10:00:00,0000 00\r" + running + b" 0002 C1  10:00:03,0100 00\r"
    events, decoder = decode(data)
    assert [e.start_number for e in events] == [1, 2] and decoder.dropped_frames == 0
    assert protocols.detect(data * 20) is ALGE


# --- flags: memory, deletion, renumbering ---------------------------------------------------------

def test_a_memory_replay_never_doubles_and_fills_a_gap():
    live = b" 0011 C0  09:00:00.0000 00\r 0013 C0  09:01:00.0000 00\r"
    memory = b"m0011 C0  09:00:00.0000 00\rm0012 C1  09:00:05.1234 00\rm0013 C0  09:01:00.0000 00\r"
    events, decoder = decode(live + memory)
    assert [(e.start_number, e.flag) for e in events] == [(11, ""), (13, ""), (12, "m")]
    assert decoder.repeats == 2 and decoder.dropped_frames == 0


def test_the_timy3_memo_sequence_renumbers():
    """`m0011 ...`, then `C0011` deletes that memory time, then `n0014 C0 ...` gives the same time number
    14: one impulse in the end, under its new number."""
    data = b"m0011 C0  09:00:00.0000 00\rC0011\rn0014 C0  09:00:00.0000 00\r"
    events, decoder = decode(data)
    assert shape(events) == [(Kind.BREAK, 11, "C0", "m", tod("09:00:00")),
                             (Kind.CANCEL, 11, "C0", "C", tod("09:00:00")),
                             (Kind.BREAK, 14, "C0", "n", tod("09:00:00"))]
    assembler = RepAssembler(Course((0, 30)), ALGE, numbering="start")
    assembler.feed_all(events)
    assert assembler.open_reps == 1 and decoder.dropped_frames == 0


def test_an_rsm_reply_with_its_footer_is_not_noise():
    """github.com/RaceHorology/RaceHorology, RaceHorologyLib/ALGETimy.cs: after `RSM` the reply ends in
    `  ALGE-TIMING`, `  TIMY V 1982` and a date line."""
    reply = b"RSM\r 0001 C0  10:00:00.0000 00\r 0002 C1  10:00:04.0000 00\r  ALGE-TIMING\r  TIMY V 1982\r" \
            b"20-10-04  16:54\r"
    events, decoder = decode(reply)
    assert [e.start_number for e in events] == [1, 2] and decoder.dropped_frames == 0
    assert ALGE.resend_request == b"RSM\r"


# --- classement prints ------------------------------------------------------------------------------

@needs_alge_classements
@pytest.mark.parametrize("path", ALGE_CLASSEMENTS, ids=lambda p: p.name)
def test_real_classement_prints_decode_their_ranked_times(path):
    """RaceHorologyLibTest/TestDataBases/ALGE-Classement/*.txt (github.com/RaceHorology/RaceHorology): a
    TdC 8001's own result lists. Every ranked line is kept, nothing is bad, and it is detected as ALGE."""
    data = path.read_bytes()
    events, decoder = decode(data)
    ranked = [line for line in data.splitlines() if line[:1] == b" " and line[1:5].isdigit()]
    assert len(events) == len(ranked) == 4
    assert all(e.kind in (Kind.RUN_TIME, Kind.TOTAL_TIME) for e in events)
    assert decoder.dropped_frames == decoder.dropped_bytes == 0
    assert protocols.detect(data) is ALGE
    first = ranked[0]
    assert events[0].start_number == int(first[1:5]) and events[0].device_us == tod(first[10:21].decode())


@needs_alge_classements
def test_analyze_takes_a_classement_print(capsys):
    from monitor.cli.main import main

    path = next(p for p in ALGE_CLASSEMENTS if "Run1" in p.name)
    assert main(["analyze", str(path), "--json"]) == 0
    assert '"protocol": "alge-timy"' in capsys.readouterr().out


# --- the Timy's impulse numbering -------------------------------------------------------------------

SLALOM_LOG = [  # github.com/amayers1/ww-canoe-kayak-slalom, src/com/tcay/slalom/timingDevices/alge/AlgeTimyEmulator.java
    " 0051 C0  08:44:20.1228 00", " 0052 C0  08:45:20.8695 00", " 0053 C0  08:46:20.4208 00",
    " 0054 C1  08:46:21.8395 00", " 0055 C0  08:47:17.8448 00", " 0056 C1  08:48:09.6585 00",
    " 0057 C0  08:48:22.3612 00", " 0058 C1  08:48:53.1813 00", " 0059 C0  08:49:20.2855 00",
    " 0060 C1  08:50:04.6776 00", " 0061 C0  08:50:20.1138 00", " 0062 C1  08:50:36.6704 00",
]


def slalom_events(**options) -> list[GateEvent]:
    return decode("\r".join(SLALOM_LOG).encode() + b"\r", **options)[0]


@pytest.mark.parametrize("numbering", ["auto", "impulse"])
def test_impulse_numbers_pair_first_in_first_out_with_several_on_course(numbering):
    """A Timy in training mode logged by SlalomApp: impulses 0051-0062, three boats on course before the
    first finish. SlalomApp paired them by its own start order and printed `ESTOP B=75 Elapsed=168.79`,
    `B=76 152.76`, `B=77 166.83`, `B=78 134.31` for finishes 0056, 0058, 0060, 0062: first in, first out."""
    assembler = RepAssembler(Course((0, 500)), ALGE, roster=["A", "B", "C", "D", "E"], numbering=numbering)
    reps = assembler.feed_all(slalom_events())
    assert [(r.athlete, r.time_us) for r in reps] == [
        ("A", 121_716_700), ("B", 168_789_000), ("C", 152_760_500), ("D", 166_832_800), ("E", 134_309_200)]
    assert assembler.numbering == "impulse" and assembler.strays == 0


def test_the_decoder_can_drop_the_impulse_count_and_start_numbering_pairs_by_number():
    assert {e.start_number for e in slalom_events(numbering="impulse")} == {None}
    assembler = RepAssembler(Course((0, 500)), ALGE, numbering="start")
    reps = assembler.feed_all(slalom_events()) + assembler.flush()
    assert all(r.number == 0 for r in reps) and assembler.strays == 5  # no rep; every finish a stray


def test_start_numbers_are_still_start_numbers():
    """A start list: a start and its finish share the number (the real TdC captures do, too)."""
    data = b" 0007 C0  10:00:00.0000 00\r 0009 C0  10:00:20.0000 00\r 0007 C1  10:00:04.0000 00\r" \
           b" 0009 C1  10:00:24.5000 00\r"
    assembler = RepAssembler(Course((0, 30)), ALGE)
    reps = assembler.feed_all(decode(data)[0])
    assert [(r.athlete, r.time_us) for r in reps] == [("#7", 4_000_000), ("#9", 4_500_000)]
    assert assembler.numbering == "start"


def test_a_double_trigger_kept_apart_by_its_impulse_number_is_absorbed():
    data = b" 0001 C0  10:00:00.0000 00\r 0002 C0  10:00:00.0800 00\r 0003 C1  10:00:04.2000 00\r"
    assembler = RepAssembler(Course((0, 30)), ALGE, roster=["Ann"])
    reps = assembler.feed_all(decode(data)[0])
    assert [(r.athlete, r.time_us) for r in reps] == [("Ann", 4_200_000)] and assembler.debounced == 1


# --- the encoder and properties over every line shape ------------------------------------------------

def test_the_encoder_numbers_impulses_in_turn_like_a_timy_in_training_mode():
    encoder = AlgeEncoder(first_number=51)
    lines = [encoder.event(GateEvent(gate, 0, tod(t))) for gate, t in ((0, "08:44:20.1228"), (1, "08:44:24.5"))]
    assert lines[0] == b" 0051 C0  08:44:20,1228 00" + checksum(b" 0051 C0  08:44:20,1228 00") + b"\r"
    assert lines[1][:26] == b" 0052 C1  08:44:24,5000 00"
    assert encode_short("C", 11) == b"C0011\r"


CHANNELS = [f"C{k}" for k in range(9)] + ["C0M", "C1M"]
lines = st.one_of(
    st.builds(lambda n, ch, t, f, dec, grp, chk: encode_impulse(n, ch, t, f, decimal=dec, group=grp,
                                                                with_checksum=chk and grp),
              st.integers(0, 9999), st.sampled_from(CHANNELS), st.integers(0, DAY_US - 1),
              st.sampled_from(" itmn"), st.sampled_from(".,"), st.booleans(), st.booleans()),
    st.builds(lambda n, k, t, dec: encode_duration(n, k, t, decimal=dec), st.integers(0, 9999),
              st.sampled_from([Kind.RUN_TIME, Kind.TOTAL_TIME, Kind.LAP]), st.integers(0, 3_600_000_000),
              st.sampled_from(".,")),
    st.builds(encode_short, st.sampled_from("ns"), st.integers(0, 9999)),
    st.just(b"0001 c5 00:01:07.56 00\r"), st.just(b"  0:00:12.3\r"), st.just(b" 0016 DTR 00:00:00.41   00\r"),
)


@PROPS
@given(st.lists(lines, max_size=25), st.lists(st.binary(max_size=30), min_size=25, max_size=25),
       st.lists(st.integers(0, 3000), max_size=10))
def test_every_line_shape_survives_noise_lines_and_any_split(items, junk, cuts):
    junk = [j.replace(b"\r", b"").replace(b"\n", b"") for j in junk]
    for j in junk:
        assume(not j or decode(j + b"\r")[1].dropped_frames == 1)
    clean = b"".join(items)
    expected, clean_decoder = decode(clean)
    assert clean_decoder.dropped_frames == 0
    noisy = b"".join(item + (j + b"\r" if j else b"") for item, j in zip(items, junk))
    decoder = AlgeDecoder()
    events = []
    bounds = sorted(min(c, len(noisy)) for c in cuts)
    for a, b in zip([0, *bounds], [*bounds, len(noisy)]):
        events += decoder.feed(noisy[a:b])
    events += decoder.finish()
    assert shape(events) == shape(expected)
    assert decoder.dropped_frames == sum(1 for item, j in zip(items, junk) if j)


@PROPS
@given(st.integers(0, 9999), st.sampled_from(CHANNELS), st.integers(0, DAY_US - 1), st.sampled_from(".,"),
       st.booleans(), st.booleans())
def test_impulse_round_trip_in_every_shape(number, channel, device_us, decimal, group, with_checksum):
    line = encode_impulse(number, channel, device_us, decimal=decimal, group=group, with_checksum=with_checksum and group)
    [event], decoder = decode(line)
    resolution = 10_000 if channel.endswith("M") else 100
    assert (event.start_number, event.channel, event.device_us) == (number, channel, device_us - device_us % resolution)
    assert decoder.dropped_frames == 0
