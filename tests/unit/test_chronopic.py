"""Chronopic codec: frames as the firmware sends them, the device clock summed from edge-to-edge counts."""

from hypothesis import given
from hypothesis import strategies as st

from gates.chronopic import (SATURATED, TICK_US, ChronopicDecoder, ChronopicEncoder, encode_edge,
                             encode_status)
from gates.codec import GateStatus
from gates.events import GateEvent, Kind
from gates.protocols import get
from support.profiles import examples

FAST = examples(200)


def decode_all(data: bytes) -> tuple[list[GateEvent], ChronopicDecoder]:
    decoder = ChronopicDecoder()
    return decoder.feed(data), decoder


def feed_in_pieces(decoder: ChronopicDecoder, data: bytes, cuts: list[int]) -> list[GateEvent]:
    out, last = [], 0
    for cut in sorted(cuts) + [len(data)]:
        out += decoder.feed(data[last:cut])
        last = max(last, cut)
    return out


def test_frame_layout_from_the_firmware():
    # 'X', state, TIMESTAMP_HH, TIMESTAMP_H, TIMESTAMP_L: 0x003039 = 12345 ticks of 8 us
    out, decoder = decode_all(b"X\x01\x00\x00\x00" + b"X\x00\x00\x30\x39")
    assert out == [GateEvent(gate=1, seq=0, device_us=0, kind=Kind.BREAK),
                   GateEvent(gate=1, seq=1, device_us=12345 * 8, kind=Kind.RESTORE)]
    assert decoder.dropped_bytes == decoder.dropped_frames == 0


def test_counts_since_the_previous_edge_add_up_to_a_device_clock():
    deltas = [0, 125_000, 1_250, 500_000, 0xFEFFFF]  # 1 s, 10 ms, 4 s, just under saturation
    out, _ = decode_all(b"".join(encode_edge(i % 2, d) for i, d in enumerate(deltas)))
    total, expected = 0, []
    for d in deltas:
        total += d
        expected.append(total * TICK_US)
    assert [e.device_us for e in out] == expected
    assert [e.kind for e in out] == [Kind.RESTORE, Kind.BREAK] * 2 + [Kind.RESTORE]
    assert [e.seq for e in out] == [0, 1, 2, 3, 4]
    assert all(e.flag == "" for e in out)


def test_a_saturated_count_is_flagged_as_a_lower_bound():
    out, _ = decode_all(encode_edge(1, 0) + encode_edge(0, 0xFF1234))
    assert out[1].flag == "saturated"
    assert out[1].device_us == 0xFF1234 * TICK_US


def test_status_reply_goes_to_control():
    decoder = ChronopicDecoder()
    assert decoder.feed(encode_status(0)) == []
    assert decoder.pop_control() == [GateStatus(gate=1, last_seq=0xFFFF, device_us=0, battery_pct=100, beam_ok=True)]
    decoder.feed(encode_edge(1, 0) + encode_edge(0, 1000) + encode_status(1))
    assert decoder.pop_control() == [GateStatus(gate=1, last_seq=1, device_us=8000, battery_pct=100, beam_ok=False)]


def test_garbage_is_skipped_counted_once_per_run_and_resynced():
    frame = encode_edge(1, 77)
    out, decoder = decode_all(b"\x00\xffX\x07E\x05" + frame + b"XX" + frame)
    assert [e.device_us for e in out] == [77 * TICK_US, 154 * TICK_US]
    assert decoder.dropped_bytes == 8
    assert decoder.dropped_frames == 2


def test_frame_split_across_reads():
    decoder = ChronopicDecoder()
    frame = encode_edge(1, 0x010203)
    assert decoder.feed(frame[:1]) == []
    assert decoder.feed(frame[1:4]) == []
    assert decoder.feed(frame[4:]) == [GateEvent(1, 0, 0x010203 * TICK_US)]


def test_encoder_counts_like_the_firmware():
    enc = ChronopicEncoder()
    assert enc.edge(1, 5_000_007) == encode_edge(1, 0)  # the first edge after reset reports 0
    assert enc.edge(0, 5_000_007 + 10_000) == encode_edge(0, 1250)
    assert enc.edge(1, 5_000_007 + 10_000 + 300 * 1_000_000) == b"X\x01\xff" + ((300_000_000 // 8) & 0xFFFF).to_bytes(2, "big")
    for bad in ((2, 0), (0, -1), (1, 0x1000000)):
        try:
            encode_edge(*bad)
        except ValueError:
            continue
        raise AssertionError(f"encoded {bad}")
    try:
        enc.edge(0, 0)
    except ValueError:
        pass
    else:
        raise AssertionError("an edge before the previous one was encoded")


def test_registered_as_a_sequential_format():
    proto = get("chronopic")
    assert proto.sequential and proto.baud == 9600 and not proto.resend
    assert isinstance(proto.decoder(), ChronopicDecoder)


# -- properties --------------------------------------------------------------------------------------

edges = st.lists(st.tuples(st.integers(0, 1), st.integers(0, SATURATED - 1)), max_size=40)


def encode_edges(es) -> bytes:
    return b"".join(encode_edge(s, d) for s, d in es)


@FAST
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=10))
def test_arbitrary_bytes_never_raise(data, cuts):
    decoder = ChronopicDecoder()
    feed_in_pieces(decoder, data, cuts)
    assert decoder.dropped_bytes <= len(data)
    assert len(decoder._buf) < 5


@FAST
@given(edges, st.lists(st.binary(max_size=50).map(lambda b: b.replace(b"X", b"").replace(b"E", b"")),
                       min_size=40, max_size=40))
def test_frames_interleaved_with_garbage_are_all_recovered(es, garbage):
    # No unique start byte ('X' can occur inside a count), so the garbage holds no 'X' or 'E' that
    # could pass for a frame start; everything else goes.
    stream = b"".join(g + encode_edge(s, d) for g, (s, d) in zip(garbage, es))
    assert decode_all(stream)[0] == decode_all(encode_edges(es))[0]


@FAST
@given(edges, st.lists(st.integers(0, 250), max_size=20))
def test_any_split_of_the_stream_gives_the_same_events(es, cuts):
    stream = encode_edges(es)
    decoder = ChronopicDecoder()
    assert feed_in_pieces(decoder, stream, cuts) == decode_all(stream)[0]
    assert decoder.dropped_bytes == decoder.dropped_frames == 0


@FAST
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 100_000_000)), max_size=40))
def test_encode_decode_round_trip(gaps):
    # edges at absolute device times (gaps under the 133 s saturation), through the firmware-style encoder
    enc, t, times = ChronopicEncoder(), 0, []
    stream = b""
    for state, gap in gaps:
        t += gap
        times.append(t)
        stream += enc.edge(state, t)
    out = decode_all(stream)[0]
    first_tick = times[0] // TICK_US if times else 0
    assert [e.device_us for e in out] == [(x // TICK_US - first_tick) * TICK_US for x in times]
    assert [e.kind for e in out] == [Kind.BREAK if s else Kind.RESTORE for s, _ in gaps]


def test_the_multitest_firmwares_answers_are_replies_not_dropped_bytes():
    """GNOME/chronojump, chronopic-firmware/chronopic-firmware-c/test_chronopic-firmware-multitest.py: `V`
    answers `1.1`, `J` answers `J`, `a` answers the debounce digit `5`; chronopic-firmware-multitest.c
    `send_error` answers `-1`."""
    decoder = ChronopicDecoder()
    events = decoder.feed(b"1.1" + b"J" + b"5" + b"-1" + encode_edge(1, 0) + b"J" + encode_edge(0, 1000))
    assert [e.kind for e in events] == [Kind.BREAK, Kind.RESTORE]
    assert decoder.dropped_bytes == decoder.dropped_frames == 0 and decoder.replies == 8
