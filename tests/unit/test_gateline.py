"""gateline codec: the frames of DESIGN.md, exactly, and a decoder that survives anything."""

from functools import reduce
from operator import xor

from hypothesis import given
from hypothesis import strategies as st

from gates.codec import GateStatus, ResendRequest
from gates.events import GateEvent, Kind
from gates.gateline import GatelineDecoder, checksum, encode_event, encode_resend, encode_status
from support.profiles import examples

FAST = examples(200)

events = st.builds(
    GateEvent, gate=st.integers(1, 255), seq=st.integers(0, 0xFFFF), device_us=st.integers(0, (1 << 64) - 1),
    kind=st.sampled_from([Kind.BREAK, Kind.RESTORE]),
)


def encode(e: GateEvent) -> bytes:
    return encode_event(e.gate, e.seq, e.device_us, e.kind)


def decode_all(data: bytes) -> tuple[list[GateEvent], GatelineDecoder]:
    decoder = GatelineDecoder()
    return decoder.feed(data), decoder


def test_event_frame_matches_the_design_text():
    body = b"GT,3,17,123456789,B"
    expected = b"$%s*%02X\r\n" % (body, reduce(xor, body))
    assert encode_event(3, 17, 123456789) == expected
    assert decode_all(expected)[0] == [GateEvent(3, 17, 123456789)]


def test_status_and_resend_frames_go_to_control():
    status = GateStatus(gate=2, last_seq=40, device_us=5_000_000, battery_pct=87, beam_ok=True)
    decoder = GatelineDecoder()
    assert decoder.feed(encode_status(status) + encode_resend(4, 65535)) == []
    assert decoder.pop_control() == [status, ResendRequest(4, 65535)]
    assert decoder.pop_control() == []


def test_bad_checksum_bad_fields_and_garbage_are_counted_and_skipped():
    good = encode_event(1, 1, 1000)
    bad_cs = good.replace(b"*", b"*0")[:-4] + b"\r\n"
    out, decoder = decode_all(b"noise" + good + bad_cs + b"$GT,0,1,5,B*00\r\n" + b"$GT,1,-1,5,B*1E\r\n" + good)
    assert out == [GateEvent(1, 1, 1000)] * 2
    assert decoder.dropped_frames == 3
    assert decoder.dropped_bytes >= 5
    # field validation: gate 0, seq over 16 bits, unknown kind, lower-case checksum digits
    for body in (b"GT,0,1,5,B", b"GT,1,65536,5,B", b"GT,1,1,5,X", b"GT,256,1,5,B", b"GT,1,1,+5,B"):
        line = b"$%s*%02X\r\n" % (body, checksum(body))
        assert decode_all(line)[0] == [], body
    body = next(b for b in (b"GT,1,%d,5,B" % n for n in range(100)) if b"%02x" % checksum(b) != b"%02X" % checksum(b))
    assert decode_all(b"$%s*%02x\r\n" % (body, checksum(body)))[0] == []


def test_overlong_line_is_dropped_not_accumulated():
    decoder = GatelineDecoder()
    decoder.feed(b"$" + b"9" * 10_000)
    assert len(decoder._partial) <= GatelineDecoder.max_line
    assert decoder.feed(b"\r\n" + encode_event(1, 2, 3)) == [GateEvent(1, 2, 3)]
    assert decoder.dropped_frames >= 1


def test_an_overlong_line_arriving_in_pieces_is_one_dropped_frame():
    decoder = GatelineDecoder()
    for _ in range(5):
        decoder.feed(b"$" + b"9" * 90)
    assert decoder.feed(b"\r\n" + encode_event(1, 2, 3)) == [GateEvent(1, 2, 3)]
    assert decoder.dropped_frames == 1 and decoder.dropped_bytes == 5 * 91


def test_checksum_is_plain_xor():
    for body in (b"", b"A", b"GT,1,2,3,B", bytes(range(256)) * 3):
        assert checksum(body) == reduce(xor, body, 0)


@FAST
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=10))
def test_arbitrary_bytes_never_raise(data, cuts):
    decoder = GatelineDecoder()
    last = 0
    for cut in sorted(cuts) + [len(data)]:
        decoder.feed(data[last:cut])
        last = max(last, cut)
    assert decoder.dropped_bytes <= len(data)
    assert len(decoder._partial) <= GatelineDecoder.max_line


@FAST
@given(st.lists(st.tuples(events, st.binary(max_size=40)), max_size=30))
def test_frames_interleaved_with_garbage_are_all_recovered(pairs):
    # any garbage, even noise that itself begins with `$`, glued straight onto the next frame
    stream = b"".join(g + encode(e) for e, g in pairs)
    out, decoder = decode_all(stream)
    assert out == [e for e, _ in pairs]
    assert decoder.dropped_bytes <= sum(len(g) for _, g in pairs)


@FAST
@given(st.lists(events, max_size=30), st.lists(st.integers(0, 3000), max_size=20))
def test_any_split_of_the_stream_gives_the_same_events(evs, cuts):
    stream = b"".join(encode(e) for e in evs)
    decoder = GatelineDecoder()
    out, last = [], 0
    for cut in sorted(cuts) + [len(stream)]:
        out += decoder.feed(stream[last:cut])
        last = max(last, cut)
    assert out == evs
    assert decoder.dropped_bytes == decoder.dropped_frames == 0


@FAST
@given(events)
def test_encode_decode_round_trip(e):
    assert decode_all(encode(e))[0] == [e]


@FAST
@given(st.builds(GateStatus, gate=st.integers(1, 255), last_seq=st.integers(0, 0xFFFF),
                 device_us=st.integers(0, (1 << 64) - 1), battery_pct=st.integers(0, 100), beam_ok=st.booleans()))
def test_status_round_trip(status):
    decoder = GatelineDecoder()
    decoder.feed(encode_status(status))
    assert decoder.pop_control() == [status]
