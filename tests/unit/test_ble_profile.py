"""The gate BLE profile's records: the published layouts, exactly, and a decoder that survives anything."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.bleprofile import (
    CONTROL_UUID, EVENT_UUID, SERVICE_UUID, STATUS_UUID, ProfileDecoder, TimeSampleRequest, decode_control,
    encode_event, encode_resend, encode_status, encode_time_request,
)
from gates.codec import GateStatus, ResendRequest
from gates.events import GateEvent, Kind
from support.profiles import examples

FAST = examples(200)

events = st.builds(
    GateEvent, gate=st.integers(1, 255), seq=st.integers(0, 0xFFFF), device_us=st.integers(0, (1 << 64) - 1),
    kind=st.sampled_from([Kind.BREAK, Kind.RESTORE]),
)
statuses = st.builds(
    GateStatus, gate=st.integers(1, 255), last_seq=st.integers(0, 0xFFFF),
    device_us=st.integers(0, (1 << 64) - 1), battery_pct=st.integers(0, 100), beam_ok=st.booleans(),
)


def encode(e: GateEvent) -> bytes:
    return encode_event(e.gate, e.seq, e.device_us, e.kind)


def test_records_have_the_published_little_endian_layouts():
    assert encode_event(3, 0x0102, 0x1122334455667788, Kind.BREAK) == bytes.fromhex("03" "0201" "8877665544332211" "42")
    assert encode_event(3, 1, 5, Kind.RESTORE)[-1:] == b"R"
    status = GateStatus(gate=7, last_seq=0xBEEF, device_us=1, battery_pct=87, beam_ok=True)
    assert encode_status(status) == bytes.fromhex("07" "EFBE" "0100000000000000" "57" "01")
    assert encode_resend(9, 0x1234) == bytes.fromhex("01" "09" "3412")
    assert encode_time_request() == b"\x02"


def test_uuids_are_one_128_bit_family():
    uuids = [SERVICE_UUID, EVENT_UUID, STATUS_UUID, CONTROL_UUID]
    assert len(set(uuids)) == 4
    assert {u[8:] for u in uuids} == {SERVICE_UUID[8:]}


@FAST
@given(st.lists(events, min_size=1, max_size=20), st.integers(0, 2**63))
def test_event_notifications_round_trip_one_or_many_records(evs, host_ns):
    decoder = ProfileDecoder()
    one_by_one = [e for ev in evs for e in decoder.feed(encode(ev), host_ns)]
    packed = decoder.feed(b"".join(map(encode, evs)), host_ns)
    expected = [GateEvent(e.gate, e.seq, e.device_us, host_ns, e.kind) for e in evs]
    assert one_by_one == packed == expected
    assert [e.raw for e in packed] == [encode(e) for e in evs]
    assert decoder.dropped_frames == 0


@FAST
@given(statuses, st.integers(0, 2**63))
def test_status_round_trips(status, host_ns):
    decoded = ProfileDecoder().feed_status(encode_status(status), host_ns)
    assert decoded == GateStatus(status.gate, status.last_seq, status.device_us, status.battery_pct,
                                 status.beam_ok, host_ns)


@FAST
@given(st.binary(max_size=64))
def test_arbitrary_notifications_never_raise_and_every_dropped_byte_is_counted(data):
    decoder = ProfileDecoder()
    got = decoder.feed(data)
    status = decoder.feed_status(data)
    assert len(got) * 12 + decoder.dropped_bytes == len(data) + (0 if status else len(data))
    if len(data) != 13:
        assert status is None


def test_malformed_records_are_dropped_and_counted():
    decoder = ProfileDecoder()
    good = encode_event(1, 1, 1000)
    bad_kind = struct.pack("<BHQB", 1, 2, 1000, ord("X"))
    gate_zero = struct.pack("<BHQB", 0, 3, 1000, ord("B"))
    assert decoder.feed(good + bad_kind + gate_zero + good) == [GateEvent(1, 1, 1000)] * 2
    assert (decoder.dropped_frames, decoder.dropped_bytes) == (2, 24)
    assert decoder.feed(good + b"\x00") == []  # not a whole number of records: the notification is torn
    assert decoder.feed_status(struct.pack("<BHQBB", 1, 1, 1, 101, 1)) is None  # battery over 100 %
    assert decoder.feed_status(struct.pack("<BHQBB", 1, 1, 1, 50, 2)) is None  # beam flag not 0/1
    assert decoder.dropped_frames == 5


@FAST
@given(st.integers(1, 255), st.integers(0, 0xFFFF))
def test_control_writes_round_trip(gate, seq):
    assert decode_control(encode_resend(gate, seq)) == ResendRequest(gate, seq)
    assert decode_control(encode_time_request()) == TimeSampleRequest()


@FAST
@given(st.binary(max_size=8))
def test_any_other_control_write_is_refused_with_value_error(data):
    try:
        request = decode_control(data)
    except ValueError:
        return
    if isinstance(request, TimeSampleRequest):
        assert data == encode_time_request()
    else:
        assert data == encode_resend(request.gate, request.from_seq)


def test_encoders_refuse_what_the_records_cannot_carry():
    for bad in (lambda: encode_event(0, 1, 1), lambda: encode_event(256, 1, 1), lambda: encode_event(1, 1, -1),
                lambda: encode_event(1, 1, 1 << 64), lambda: encode_event(1, 1, 1, Kind.RUN_TIME),
                lambda: encode_resend(0, 1),
                lambda: encode_status(GateStatus(1, 1, 1, battery_pct=101, beam_ok=True))):
        with pytest.raises(ValueError):
            bad()
    assert encode_event(1, 0x1FFFF, 1)[1:3] == b"\xff\xff"  # seq wraps at 16 bits, as in gateline
