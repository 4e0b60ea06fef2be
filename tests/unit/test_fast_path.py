"""Every decoder's fast path (one regex pass over a whole block of bytes) against its line-by-line or
frame-by-frame path: random streams of valid, out-of-range and corrupted frames, line noise and
garbage, cut into random chunks, must give the same events (raw bytes and receive times included),
the same control frames and the same dropped byte and frame counts. The batch assembler is held to
feeding events one at a time the same way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates import alge, chronopic, gateline, microgate, wichro
from gates.assembly import RepAssembler
from gates.codec import Decoder, GateStatus, LineDecoder
from gates.course import Course
from gates.events import Kind
from gates.protocols import get
from support.profiles import examples

pytestmark = pytest.mark.slow  # hundreds of generated streams per test: seconds each

# the profile's own count: generating the streams is nine tenths of the time, and the nightly `thorough`
# profile tries twenty times as many
STREAMS = examples(100)
BLOCK_PATTERNS = [gateline._FRAMES, alge._IMPULSES, microgate._EXTENDED, wichro._LINES, chronopic._FRAMES]


def line_by_line(decoder_class: type[LineDecoder]) -> type[LineDecoder]:
    """The same decoder with its fast path switched off."""
    return type(f"LineByLine{decoder_class.__name__}", (decoder_class,), {"_lines": LineDecoder._lines})


class FrameByFrameChronopic(chronopic.ChronopicDecoder):
    def _frames(self, buf: bytes, host_ns: int, events: list) -> int:
        return 0


def run(decoder: Decoder, chunks: list[bytes]) -> tuple:
    events, control = [], []
    for host_ns, chunk in enumerate(chunks, 1):
        events += [(e, e.raw) for e in decoder.feed(chunk, host_ns)]
        control += decoder.pop_control()
    return events, control, decoder.dropped_bytes, decoder.dropped_frames


@st.composite
def chunked(draw, frames: st.SearchStrategy[bytes], noise: bytes) -> list[bytes]:
    """A stream of frames and noise, a few bytes overwritten with noise, cut at random points."""
    junk = st.binary(max_size=12) | st.text(alphabet=noise.decode("latin-1"), max_size=12).map(
        lambda t: t.encode("latin-1"))
    stream = bytearray(b"".join(draw(st.lists(frames | junk, max_size=40))))
    for _ in range(draw(st.integers(0, 3))):
        if stream:
            stream[draw(st.integers(0, len(stream) - 1))] = draw(st.sampled_from(noise))
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    return [bytes(stream[a:b]) for a, b in zip([0, *cuts], [*cuts, len(stream)])]


def same_both_ways(fast: Decoder, reference: Decoder, chunks: list[bytes]) -> None:
    assert run(fast, chunks) == run(reference, chunks)


# -- the formats ---------------------------------------------------------------------------------

gateline_frames = st.one_of(
    st.builds(gateline.encode_event, st.integers(1, 255), st.integers(0, 0xFFFF), st.integers(0, (1 << 64) - 1),
              st.sampled_from([Kind.BREAK, Kind.RESTORE])),
    st.builds(lambda g, s, u, b, ok: gateline.encode_status(GateStatus(g, s, u, b, ok)), st.integers(1, 255),
              st.integers(0, 0xFFFF), st.integers(0, (1 << 64) - 1), st.integers(0, 100), st.booleans()),
    st.builds(gateline.encode_resend, st.integers(1, 255), st.integers(0, 0xFFFF)),
    # well-formed frames with a field out of range, and a good checksum
    st.builds(lambda g, s, u, k: gateline._frame(b"GT,%d,%d,%d,%s" % (g, s, u, k)), st.integers(0, 999),
              st.integers(0, 99999), st.sampled_from([0, (1 << 64) - 1, 1 << 64, 10**20 - 1]), st.sampled_from(b"BRX")
              .map(lambda c: bytes([c]))),
    st.builds(lambda g, b: gateline._frame(b"GS,%d,1,2,%d,1" % (g, b)), st.integers(0, 300), st.integers(0, 999)),
)


class BulkGateline(gateline.GatelineDecoder):
    bulk_bytes = 0  # checksums from the prefix XOR however short the block


@STREAMS
@given(chunked(gateline_frames, b"$GTSR,*0123456789ABF\r\n x"), st.sampled_from([gateline.GatelineDecoder,
                                                                                 BulkGateline]))
def test_gateline_fast_path_is_the_line_by_line_decoder(chunks, fast):
    same_both_ways(fast(), line_by_line(gateline.GatelineDecoder)(), chunks)


alge_frames = st.one_of(
    st.builds(alge.encode_impulse, st.integers(0, 9999), st.sampled_from([f"C{k}{m}" for k in range(9) for m in ("", "M")]),
              st.integers(0, 3 * alge.DAY_US), st.sampled_from(" mcdint")),
    st.builds(lambda n, k, t, dec, grp, chk: alge.encode_impulse(n, f"C{k}", t, decimal=dec, group=grp,
                                                                 with_checksum=chk and grp),
              st.integers(0, 30), st.integers(0, 8), st.integers(0, 3 * alge.DAY_US), st.sampled_from(".,"),
              st.booleans(), st.booleans()),
    st.builds(alge.encode_short, st.sampled_from("nsC"), st.integers(0, 30)),
    st.sampled_from([b"CLASSEMENT:\r", b"  ALGE TIMING\r", b"  ALGE-TIMING\r", b"   TdC  8001\r", b"RUN TIME\r",
                     b" 0001 RTM 00:00:13.39   00 0001\r", b"  0:00:12.3\r", b"0001 c5 00:01:07.56 00\r"]),
    st.builds(alge.encode_impulse, st.none(), st.sampled_from(["C0", "C1", "C2"]), st.integers(0, 3 * alge.DAY_US)),
    st.builds(alge.encode_duration, st.integers(0, 9999), st.sampled_from([Kind.RUN_TIME, Kind.TOTAL_TIME, Kind.LAP]),
              st.integers(0, 10**9)),
    st.builds(alge.encode_new_number, st.integers(0, 9999)),
    # any two digits in the clock's fields, in range or not
    st.builds(lambda flag, n, k, hh, mm, ss, f: b"%s%04d C%d  %02d:%02d:%02d.%04d 00\r" % (flag, n, k, hh, mm, ss, f),
              st.sampled_from([b" ", b"?", b"x"]), st.integers(0, 9999), st.integers(0, 9), st.integers(0, 99),
              st.integers(0, 99), st.integers(0, 99), st.integers(0, 9999)),
)


@STREAMS
@given(chunked(alge_frames, b" ?mcdint0123456789C:.,\r\nRTn"))
def test_alge_fast_path_is_the_line_by_line_decoder(chunks):
    same_both_ways(alge.AlgeDecoder(), line_by_line(alge.AlgeDecoder)(), chunks)


def _spaced_number(line: bytes, field: bytes) -> bytes:
    return line[:12] + field + line[17:]


microgate_frames = st.one_of(
    st.builds(microgate.encode_event, st.integers(0, 255), st.integers(0, 3 * alge.DAY_US),
              st.none() | st.integers(0, 99999), st.sampled_from("0PAQ"), st.integers(0, 999),
              st.sampled_from([microgate.EXTENDED, microgate.STATIC])),
    st.builds(_spaced_number, st.builds(microgate.encode_event, st.integers(0, 255), st.integers(0, 10**10)),
              st.sampled_from([b"   12", b"12   ", b" 1 2 ", b"     ", b"+0012"])),
    st.just(b"\x14  00012P0955123456000   000\n"),
    st.builds(microgate.encode_net_time, st.integers(0, 255), st.integers(0, 10**10), st.none() | st.integers(0, 99999),
              st.booleans()),
)


@STREAMS
@given(chunked(microgate_frames, b"\x10\x12\x14 0123456789PAQ12\r\n"))
def test_microgate_fast_path_is_the_line_by_line_decoder(chunks):
    same_both_ways(microgate.MicrogateDecoder(), line_by_line(microgate.MicrogateDecoder)(), chunks)


wichro_frames = st.one_of(
    st.builds(wichro.encode_event, st.integers(0, wichro.MAX_INT32), st.integers(0, wichro.MAX_INT32 * 1000),
              st.sampled_from([Kind.BREAK, Kind.RESTORE])),
    st.builds(lambda p, t, s: b"%d;%d;%d\n" % (p, t, s), st.integers(0, 10**10), st.integers(0, 10**10),
              st.integers(0, 2)),
    st.builds(lambda line: b" " + line.rstrip(b"\n") + b"\t\r\n", st.builds(wichro.encode_event, st.integers(0, 9),
                                                                           st.integers(0, 10**6))),
)


@STREAMS
@given(chunked(wichro_frames, b"0123456789;\r\n \t-"))
def test_wichro_fast_path_is_the_line_by_line_decoder(chunks):
    same_both_ways(wichro.WichroDecoder(), line_by_line(wichro.WichroDecoder)(), chunks)


chronopic_frames = st.one_of(
    st.builds(chronopic.encode_edge, st.integers(0, 1), st.integers(0, chronopic.MAX_TICKS)),
    st.builds(chronopic.encode_status, st.integers(0, 1)),
    # counts whose bytes look like frame starts, so a frame cut off by a chunk hides another one
    st.builds(chronopic.encode_edge, st.integers(0, 1), st.sampled_from([0x450000, 0x450100, 0x580100, 0x455801])),
)


@STREAMS
@given(chunked(chronopic_frames, b"XE\x00\x01\x02\xff"))
def test_chronopic_fast_path_is_the_frame_by_frame_decoder(chunks):
    same_both_ways(chronopic.ChronopicDecoder(), FrameByFrameChronopic(), chunks)


# -- the batch assembler -------------------------------------------------------------------------

COURSE = Course.parse("0,10,20,30")


@STREAMS
@given(st.sampled_from(["gateline", "alge-timy", "microgate", "wichro", "chronopic"]),
       st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3_000_000), st.sampled_from([Kind.BREAK, Kind.RESTORE,
                                                                                           Kind.CANCEL]),
                          st.none() | st.integers(1, 3)), max_size=60))
def test_batch_assembly_is_event_by_event_assembly(name, steps):
    from gates.events import GateEvent

    t, events = 0, []
    for gate, dt, kind, number in steps:
        t += dt
        events.append(GateEvent(gate, 0, t, 0, kind, number))
    protocol = get(name)
    batch, single = (RepAssembler(COURSE, protocol, ["A", "B"], timeout_us=5_000_000) for _ in range(2))
    one_by_one = [rep for event in events for rep in single.feed(event)] + single.flush()
    assert batch.feed_all(events) + batch.flush() == one_by_one
    assert (batch.debounced, batch.strays, batch.reps_finished) == (single.debounced, single.strays,
                                                                    single.reps_finished)


@examples(100)
@given(data=st.binary(max_size=300), pattern=st.sampled_from(BLOCK_PATTERNS))
def test_a_block_pattern_matches_wherever_a_search_starts(data, pattern):
    """A pass over a block ends in a match from any position, so bytes of another format cost linear
    time: a pattern that can fail makes `findall` retry at every byte (quadratic; chronopic's once
    took a minute over a 200 kB gateline capture during format detection)."""
    for pos in range(len(data) + 1):
        assert pattern.match(data, pos) is not None
