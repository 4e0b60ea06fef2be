"""Every entry of the protocol registry keeps the codec contract: what its encoder writes its decoder
reads back (on the course positions the channel mapping gives, both ways), random bytes never raise and
stay bounded, the end of the stream gives up a last unterminated frame, and a capture is detected as
its own format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates import protocols
from gates.codec import LineDecoder
from gates.events import GateEvent, Kind
from support.profiles import examples

PROTOCOLS = sorted(protocols.PROTOCOLS)
T0 = 9 * 3_600_000_000  # 09:00 on a time-of-day clock
GATES = 4
FAST = examples(100)


def session(proto: protocols.Protocol, reps: int = 3, start_us: int = T0) -> list[GateEvent]:
    """Breaks (and restores, where the format has them) down a 4-gate course, one rep a minute."""
    out, seq = [], {}
    for rep in range(reps):
        for index in range(GATES):
            gate = proto.gate_id(index, GATES)
            t = start_us + rep * 60_000_000 + index * 1_400_000
            for kind, dt in [(Kind.BREAK, 0)] + ([(Kind.RESTORE, 90_000)] if proto.restores else []):
                n = seq[gate] = seq.get(gate, -1) + 1
                out.append(GateEvent(gate, n & 0xFFFF, t + dt, kind=kind))
    return out


def encode(proto: protocols.Protocol, events: list[GateEvent]) -> bytes:
    encoder = proto.encoder()
    return b"".join(encoder.event(e) for e in events)


def decode(proto: protocols.Protocol, data: bytes) -> list[GateEvent]:
    decoder = proto.decoder()
    return decoder.feed(data) + decoder.finish()


@pytest.mark.parametrize("name", PROTOCOLS)
def test_encode_decode_round_trip_on_the_course(name):
    proto = protocols.get(name)
    sent = session(proto)
    got = decode(proto, encode(proto, sent))
    assert [e.kind for e in got] == [e.kind for e in sent]
    assert [e.device_us - got[0].device_us for e in got] == [e.device_us - sent[0].device_us for e in sent]
    if proto.sequential:
        return
    positions = [proto.course_index(e, GATES) for e in got if e.kind is Kind.BREAK]
    assert positions == [i for _ in range(3) for i in range(GATES)]  # gate_id and course_index are inverses


@pytest.mark.parametrize("name", PROTOCOLS)
def test_end_of_stream_gives_up_a_last_frame_without_its_terminator(name):
    proto = protocols.get(name)
    data = encode(proto, session(proto))
    whole = decode(proto, data)
    decoder = proto.decoder()
    cut = data.rstrip(b"\r\n") if isinstance(decoder, LineDecoder) else data
    events = decoder.feed(cut)
    assert isinstance(decoder, LineDecoder) <= (len(events) == len(whole) - 1)
    events += decoder.finish()
    assert [(e.gate, e.device_us, e.kind) for e in events] == [(e.gate, e.device_us, e.kind) for e in whole]
    assert decoder.finish() == []  # nothing is left over for a second end
    later = encode(proto, session(proto, start_us=T0 + 600_000_000))
    assert len(decoder.feed(later)) == len(whole)  # the next stream is not glued to the last one
    assert decoder.dropped_frames == 0


@pytest.mark.parametrize("name", PROTOCOLS)
def test_a_capture_is_detected_as_its_own_format(name):
    proto = protocols.get(name)
    assert protocols.detect(encode(proto, session(proto, reps=4))) is proto


@pytest.mark.parametrize("name", PROTOCOLS)
def test_registry_entry_is_complete(name):
    proto = protocols.get(name)
    assert proto.baud > 0 and proto.description and proto.decoder().protocol == name
    assert proto.resend >= bool(proto.resend_request)
    ids = {proto.gate_id(i, GATES) for i in range(GATES)}
    assert len(ids) == (1 if proto.single_input else GATES)  # one id per course gate, or one input for all
    assert 1 <= proto.max_gates <= 255 and proto.resolution_us > 0


@FAST
@given(st.sampled_from(PROTOCOLS), st.binary(max_size=1500), st.lists(st.integers(0, 1500), max_size=8))
def test_random_bytes_in_random_pieces_never_raise_and_stay_bounded(name, data, cuts):
    decoder = protocols.get(name).decoder()
    bounds = sorted(cuts)
    for a, b in zip([0, *bounds], [*bounds, len(data)]):
        decoder.feed(data[a:b])
        if isinstance(decoder, LineDecoder):
            assert len(decoder._partial) <= decoder.max_line
    decoder.finish()
    assert 0 <= decoder.dropped_bytes <= len(data)


@FAST
@given(st.sampled_from(PROTOCOLS), st.binary(max_size=300))
def test_after_garbage_and_an_end_the_next_stream_decodes_whole(name, garbage):
    proto = protocols.get(name)
    clean = encode(proto, session(proto))
    decoder = proto.decoder()
    decoder.feed(garbage)
    decoder.finish()
    assert len(decoder.feed(clean) + decoder.finish()) == len(decode(proto, clean))
