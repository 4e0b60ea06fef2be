"""Wichro codec: `photocell;timeMs;status` lines as Chronojump's wichroCapture.cs reads them."""

from hypothesis import given
from hypothesis import strategies as st

from gates.events import GateEvent, Kind
from gates.protocols import get
from gates.wichro import MAX_INT32, WichroDecoder, course_index, encode_event
from support.profiles import examples

FAST = examples(200)


def decode_all(data: bytes) -> tuple[list[GateEvent], WichroDecoder]:
    decoder = WichroDecoder()
    return decoder.feed(data), decoder


def feed_in_pieces(decoder: WichroDecoder, data: bytes, cuts: list[int]) -> list[GateEvent]:
    out, last = [], 0
    for cut in sorted(cuts) + [len(data)]:
        out += decoder.feed(data[last:cut])
        last = max(last, cut)
    return out


def test_the_line_from_the_source_comment():
    # wichroCapture.cs: "Line example: 5;215;O  this event means: At photocell 5, 215 ms" (status now 0/1)
    out, decoder = decode_all(b"5;215;0\n5;1215;1\n")
    assert out == [GateEvent(gate=5, seq=0, device_us=215_000, kind=Kind.BREAK),
                   GateEvent(gate=5, seq=1, device_us=1_215_000, kind=Kind.RESTORE)]
    assert decoder.dropped_bytes == decoder.dropped_frames == 0


def test_line_ends_and_surrounding_whitespace_are_accepted():
    out, decoder = decode_all(b"0;10;0\r\n 1;20;0 \n2;30;0\r3;40;0\r\n")
    assert [(e.gate, e.device_us) for e in out] == [(0, 10_000), (1, 20_000), (2, 30_000), (3, 40_000)]
    assert decoder.dropped_frames == 0


def test_other_lines_are_dropped_and_counted():
    bad = [b"5;215;O", b"Wifi-Controller-4.9", b"-1;215;0", b"5;-215;0", b"5;215;2", b"5;215", b"5;215;0;1",
           b"5;2 15;0", b"5;%d;0" % (MAX_INT32 + 1), b";215;0", b"5;;0"]
    out, decoder = decode_all(b"\n".join(bad) + b"\n7;99;0\n")
    assert [e.gate for e in out] == [7]
    assert decoder.dropped_frames == len(bad)


def test_overlong_line_is_dropped_not_accumulated():
    decoder = WichroDecoder()
    decoder.feed(b"1" * 10_000)
    assert len(decoder._partial) <= WichroDecoder.max_line
    assert decoder.feed(b";5;0\n4;5;0\n") == [GateEvent(4, 0, 5000)]
    assert decoder.dropped_frames == 1


def test_photocell_k_is_course_position_k():
    positions = [course_index(GateEvent(gate=k, seq=0, device_us=0), 4) for k in range(6)]
    assert positions == [0, 1, 2, 3, None, None]
    proto = get("wichro")
    assert proto.course_index is course_index and proto.baud == 115200 and not proto.resend


def test_encoder_writes_whole_milliseconds():
    assert encode_event(3, 1_234_999) == b"3;1234;0\n"
    assert encode_event(3, 1_234_999, Kind.RESTORE) == b"3;1234;1\n"
    for bad in ((3, 0, Kind.CANCEL), (-1, 0, Kind.BREAK), (3, (MAX_INT32 + 1) * 1000, Kind.BREAK)):
        try:
            encode_event(*bad)
        except ValueError:
            continue
        raise AssertionError(f"encoded {bad}")


# -- properties --------------------------------------------------------------------------------------

events = st.builds(lambda gate, ms, kind: GateEvent(gate=gate, seq=0, device_us=ms * 1000, kind=kind),
                   st.integers(0, MAX_INT32), st.integers(0, MAX_INT32), st.sampled_from([Kind.BREAK, Kind.RESTORE]))


def with_seqs(evs: list[GateEvent]) -> list[GateEvent]:
    seen: dict[int, int] = {}
    out = []
    for e in evs:
        seq = seen.get(e.gate, 0)
        seen[e.gate] = seq + 1
        out.append(GateEvent(e.gate, seq & 0xFFFF, e.device_us, kind=e.kind))
    return out


def encode_all(evs: list[GateEvent]) -> bytes:
    return b"".join(encode_event(e.gate, e.device_us, e.kind) for e in evs)


@FAST
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=10))
def test_arbitrary_bytes_never_raise(data, cuts):
    decoder = WichroDecoder()
    feed_in_pieces(decoder, data, cuts)
    assert decoder.dropped_bytes <= len(data)
    assert len(decoder._partial) <= WichroDecoder.max_line


@FAST
@given(st.lists(st.tuples(events, st.binary(max_size=60).map(lambda b: b.replace(b";", b""))), max_size=30),
       st.sampled_from([b"\n", b"\r", b"\r\n"]))
def test_frames_interleaved_with_garbage_are_all_recovered(pairs, end):
    # No frame start byte: garbage ends in a line end (as line noise on a real link eventually does)
    # and holds no ';', so no part of it can pass for an event line.
    stream = b"".join(g + end + encode_event(e.gate, e.device_us, e.kind) for e, g in pairs)
    assert decode_all(stream)[0] == with_seqs([e for e, _ in pairs])


@FAST
@given(st.lists(events, max_size=30), st.lists(st.integers(0, 800), max_size=20))
def test_any_split_of_the_stream_gives_the_same_events(evs, cuts):
    decoder = WichroDecoder()
    assert feed_in_pieces(decoder, encode_all(evs), cuts) == with_seqs(evs)
    assert decoder.dropped_bytes == decoder.dropped_frames == 0


@FAST
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, MAX_INT32 * 1000 + 999)), max_size=30))
def test_encode_decode_round_trip(changes):
    out = decode_all(b"".join(encode_event(p, t) for p, t in changes))[0]
    assert [(e.gate, e.device_us, e.kind) for e in out] == [(p, t - t % 1000, Kind.BREAK) for p, t in changes]
