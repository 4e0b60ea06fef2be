"""Events and control frames in the order they were on the wire, and what `Recovery` makes of a
reader that fell behind: a heartbeat sent before events it reads after them is no restart.

The codec properties follow the sans-IO contract of h11 (python-hyper/h11, h11/_connection.py:
`receive_data` then `next_event` hands events out one at a time, in the order the bytes carried
them, however the bytes were split).
"""

from hypothesis import given
from hypothesis import strategies as st

from drivers.recovery import GIVE_UP_NS, RESTART_BACK_US, Recovery
from gates import chronopic, protocols
from gates.codec import GateStatus, ResendRequest
from gates.events import GateEvent, Kind
from gates.gateline import GatelineDecoder, encode_event, encode_resend, encode_status
from support.profiles import examples

gateline_frames = st.one_of(
    st.builds(GateEvent, gate=st.integers(1, 255), seq=st.integers(0, 0xFFFF),
              device_us=st.integers(0, (1 << 64) - 1), kind=st.sampled_from([Kind.BREAK, Kind.RESTORE])),
    st.builds(GateStatus, gate=st.integers(1, 255), last_seq=st.integers(0, 0xFFFF),
              device_us=st.integers(0, (1 << 64) - 1), battery_pct=st.integers(0, 100), beam_ok=st.booleans()),
    st.builds(ResendRequest, gate=st.integers(1, 255), from_seq=st.integers(0, 0xFFFF)),
)


def wire(frame) -> bytes:
    if isinstance(frame, GateEvent):
        return encode_event(frame.gate, frame.seq, frame.device_us, frame.kind)
    if isinstance(frame, GateStatus):
        return encode_status(frame)
    return encode_resend(frame.gate, frame.from_seq)


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def same(frame):
    """A frame as the wire carries it: without what the decoder adds (raw bytes, arrival time)."""
    if isinstance(frame, GateEvent):
        return frame.gate, frame.seq, frame.device_us, frame.kind
    return frame


@examples(200)
@given(st.lists(st.tuples(gateline_frames, st.binary(max_size=12)), max_size=250),
       st.lists(st.integers(0, 1 << 20), max_size=12))
def test_gateline_frames_come_out_in_wire_order_however_the_bytes_are_split(frames, cuts):
    """Garbage between frames included; a long stream also takes the decoder's bulk path (4 kB)."""
    data = b"".join(b"\r\n" + noise.replace(b"\r", b"").replace(b"\n", b"") + b"\r\n" + wire(frame)
                    for frame, noise in frames)
    decoder = GatelineDecoder()
    out = [f for piece in pieces(data, cuts) for f in decoder.feed_in_order(piece)]
    out += decoder.feed_in_order(b"\r\n")
    assert [same(f) for f in out] == [same(f) for f, _ in frames]
    assert decoder.control == []


@examples(100)
@given(st.sampled_from(sorted(protocols.PROTOCOLS)), st.binary(max_size=3000),
       st.lists(st.integers(0, 3000), max_size=10))
def test_any_bytes_in_order_are_what_feed_and_pop_control_give(name, data, cuts):
    """For every codec: random bytes never raise, and the wire-order feed returns exactly the events
    and control frames of the plain one, so a source may use either."""
    plain, ordered = (protocols.get(name).decoder() for _ in range(2))
    events, controls = [], []
    out = []
    for piece in pieces(data, cuts):
        events += plain.feed(piece)
        controls += plain.pop_control()
        out += ordered.feed_in_order(piece)
    assert [f for f in out if isinstance(f, GateEvent)] == events
    assert [f for f in out if not isinstance(f, GateEvent)] == controls
    assert (ordered.dropped_bytes, ordered.dropped_frames) == (plain.dropped_bytes, plain.dropped_frames)


def test_a_decoder_that_cannot_place_its_control_frames_puts_them_after_its_events():
    decoder = chronopic.ChronopicDecoder()
    out = decoder.feed_in_order(chronopic.encode_status(0) + chronopic.encode_edge(1, 100))
    assert [type(f) for f in out] == [GateEvent, GateStatus]


def test_control_frames_left_by_a_plain_feed_come_first():
    decoder = GatelineDecoder()
    status = GateStatus(1, 4, 9_000_000, 90, True)
    decoder.feed(encode_status(status))
    out = decoder.feed_in_order(encode_event(1, 5, 9_100_000))
    assert [same(f) for f in out] == [status, (1, 5, 9_100_000, Kind.BREAK)]


# -- Recovery, read late --------------------------------------------------------------------------

def ev(gate, seq, device_us):
    return GateEvent(gate, seq, device_us, kind=Kind.BREAK)


def test_heartbeats_and_events_of_a_long_backlog_in_wire_order_are_no_restart():
    """Sixty seconds of one gate read at once: a heartbeat a second, an event between each two."""
    r = Recovery(restarts=True)
    out = []
    for second in range(60):
        out += r.heartbeat(1, second - 1 if second else 0xFFFF, 0, second * 1_000_000)[0]
        out += r.event(ev(1, second, second * 1_000_000 + 500_000), 0)[0]
    assert r.restarted == [] and r.lost == 0 and [e.seq for e in out] == list(range(60))


def test_a_heartbeat_overtaken_by_a_resend_answer_is_compared_with_the_event_it_names():
    """The gate answered a resend with events it had sent after a heartbeat still on its way: the
    heartbeat names seq 3, so seq 4-9's later clocks say nothing about it."""
    r = Recovery(restarts=True)
    r.heartbeat(1, 0xFFFF, 0, 1_000_000)
    for seq in (0, 1, 2, 3):
        r.event(ev(1, seq, 2_000_000 + seq * 100_000), 0)
    for seq in range(4, 10):  # the answer, ahead of the heartbeat sent after seq 3
        r.event(ev(1, seq, 9_000_000 + seq * 100_000), 0)
    r.heartbeat(1, 3, 0, 2_400_000)
    assert r.restarted == []
    r.heartbeat(1, 0xFFFF, 0, 2_400_000 - RESTART_BACK_US - 1)  # behind its own previous heartbeat
    assert r.restarted == [1]


def test_a_heartbeat_behind_the_event_it_names_is_a_restart():
    r = Recovery(restarts=True)
    for seq in range(5):
        r.event(ev(1, seq, 50_000_000 + seq), 0)
    r.heartbeat(1, 2, 0, 300_000)  # the new numbering's seq 2, on a clock near 0
    assert r.restarted == [1]


def test_a_hole_given_up_on_that_arrives_after_all_is_late_not_a_restart():
    r = Recovery(restarts=True)
    r.event(ev(1, 0, 1_000_000), 0)
    r.event(ev(1, 2, 3_000_000), 0)  # seq 1 is missing
    released, _ = r.tick(GIVE_UP_NS + 1)
    assert [e.seq for e in released] == [2] and r.lost == 1
    r.event(ev(1, 3, 4_000_000), GIVE_UP_NS + 2)
    assert r.event(ev(1, 1, 2_000_000), GIVE_UP_NS + 3) == ([], [])  # already counted lost
    assert r.restarted == [] and r.lost == 1
