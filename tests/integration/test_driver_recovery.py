"""Recovery: the per-gate seq bookkeeping that lets a reconnecting reader lose nothing via `$GR`."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.recovery import Recovery, unwrap
from gates.codec import ResendRequest
from gates.events import GateEvent

SECOND = 1_000_000_000


def ev(gate: int, seq: int, device_us: int | None = None) -> GateEvent:
    return GateEvent(gate, seq & 0xFFFF, seq * 1000 if device_us is None else device_us)


def test_in_order_events_pass_straight_through():
    r = Recovery()
    for seq in range(5):
        out, asks = r.event(ev(1, seq), 0)
        assert out == [ev(1, seq)] and asks == []
    assert (r.missing, r.lost, r.duplicates) == (0, 0, 0)


def test_a_gap_asks_for_the_hole_and_holds_later_events_until_it_is_filled():
    r = Recovery()
    r.event(ev(1, 0), 0)
    out, asks = r.event(ev(1, 3), 10)
    assert out == [] and asks == [ResendRequest(1, 1)]
    assert r.missing == 2 and r.holding
    out, asks = r.event(ev(2, 0, 3500), 20)  # another gate's event waits too: order is across gates
    assert out == [] and asks == []
    # the gate answers from seq 1 on, including what we already have
    assert r.event(ev(1, 1), 30) == ([], [])
    out, _ = r.event(ev(1, 2), 40)
    assert out == [ev(1, 1), ev(1, 2), ev(1, 3), ev(2, 0, 3500)]  # device-time order
    assert r.event(ev(1, 3), 50) == ([], [])
    assert r.duplicates == 1 and r.missing == 0 and not r.holding


def test_a_heartbeat_ahead_of_what_we_saw_reveals_a_lost_last_event():
    r = Recovery()
    r.event(ev(4, 7), 0)
    out, asks = r.heartbeat(4, 8, 10)
    assert asks == [ResendRequest(4, 8)] and r.missing == 1
    out, _ = r.event(ev(4, 8), 20)
    assert out == [ev(4, 8)]
    assert r.heartbeat(4, 8, 30) == ([], [])


def test_first_heartbeat_sets_a_baseline_so_older_events_are_not_fetched():
    r = Recovery()
    assert r.heartbeat(1, 41, 0) == ([], [])
    out, asks = r.event(ev(1, 42), 10)
    assert out == [ev(1, 42)] and asks == []
    # a gate that has sent nothing reports 65535, the seq before 0: its event 0 is still expected
    r.heartbeat(2, 0xFFFF, 0)
    out, asks = r.event(ev(2, 1), 10)
    assert asks == [ResendRequest(2, 0)] and out == []


def test_a_resumed_gate_known_only_by_its_baseline_is_asked_from_there():
    r = Recovery()
    r.seed([(1, 3)], baselines=[(2, 0xFFFF), (1, 2)])
    asks = r.connected(0)
    assert sorted(asks, key=lambda a: a.gate) == [ResendRequest(1, 4), ResendRequest(2, 0)]


def test_flush_releases_what_was_held_and_counts_open_holes_as_lost():
    r = Recovery()
    r.event(ev(1, 0), 0)
    r.event(ev(1, 3), 0)
    assert r.flush() == [ev(1, 3)]
    assert r.lost == 2 and not r.holding


def test_reconnect_asks_every_gate_from_its_next_seq_and_holds_until_all_have_reported():
    r = Recovery()
    r.seed([(1, 0), (2, 0), (1, 1), (2, 2)])  # gate 2's seq 1 never arrived before the crash
    asks = r.connected(0)
    assert sorted(asks, key=lambda a: a.gate) == [ResendRequest(1, 2), ResendRequest(2, 1)]
    out, _ = r.event(ev(1, 2), 10)
    assert out == []
    out, _ = r.event(ev(2, 1), 20)
    assert out == []  # gate 1 may still have more: nobody has reported yet
    r.heartbeat(1, 2, 30)
    out, _ = r.heartbeat(2, 2, 40)
    assert out == [ev(2, 1), ev(1, 2)]
    assert not r.holding


def test_a_hole_that_never_fills_is_lost_after_give_up_and_the_rest_flows_on():
    r = Recovery(give_up_ns=5 * SECOND)
    r.event(ev(1, 0), 0)
    r.event(ev(1, 2), 0)
    out, asks = r.tick(SECOND)
    assert out == [] and asks == [ResendRequest(1, 1)]  # asked again after a second
    out, asks = r.tick(6 * SECOND)
    assert out == [ev(1, 2)] and r.lost == 1 and r.missing == 0


def test_a_gate_that_never_reports_after_reconnect_stops_holding_after_give_up():
    r = Recovery(give_up_ns=5 * SECOND)
    r.event(ev(1, 0), 0)
    r.event(ev(2, 0), 0)
    r.disconnected()
    r.connected(SECOND)
    r.heartbeat(1, 0, SECOND)
    out, _ = r.event(ev(1, 1), SECOND)
    assert out == []
    out, _ = r.tick(7 * SECOND)
    assert out == [ev(1, 1)] and r.lost == 0


def test_holes_beyond_the_gates_buffer_are_lost_at_once():
    r = Recovery(window=8)
    r.event(ev(1, 0), 0)
    out, asks = r.event(ev(1, 20), 0)
    assert r.lost == 11 and r.missing == 8 and asks == [ResendRequest(1, 12)]


def test_seq_wraps_at_16_bits():
    assert unwrap(0, 65535) == 65536
    assert unwrap(65535, 65536) == 65535
    r = Recovery()
    r.event(ev(1, 65534), 0)
    assert r.event(ev(1, 65535), 0)[0] == [ev(1, 65535)]
    assert r.event(ev(1, 0, 99_000_000), 0)[0] == [ev(1, 0, 99_000_000)]
    assert r.missing == 0


@settings(max_examples=150, deadline=None)
@given(
    gates=st.integers(1, 4),
    n=st.integers(1, 120),
    drops=st.sets(st.integers(0, 479), max_size=200),
    outage=st.one_of(st.none(), st.tuples(st.integers(0, 479), st.integers(1, 60))),
)
def test_a_lossy_link_with_a_resending_gate_delivers_every_event_once_in_order(gates, n, drops, outage):
    """Events of `gates` gates interleaved; the link drops `drops` and everything in an outage; the
    gates answer resend requests from their buffers. Whatever was lost, all arrive once, in order."""
    stream = [ev(1 + i % gates, i // gates, i) for i in range(n * gates)]
    device: dict[int, list[GateEvent]] = {}
    r = Recovery()
    got: list[GateEvent] = []
    now = 0

    def answer(asks: list[ResendRequest]) -> None:
        pending = list(asks)
        while pending:
            ask = pending.pop(0)
            for e in device.get(ask.gate, []):
                if e.seq >= ask.from_seq:
                    out, more = r.event(e, now)
                    got.extend(out)
                    pending += more

    for gate in range(1, gates + 1):  # gates report (65535: nothing sent yet) before the first rep
        r.heartbeat(gate, 0xFFFF, now)
    down = range(outage[0], outage[0] + outage[1]) if outage else range(0)
    for i, e in enumerate(stream):
        now += 1000
        device.setdefault(e.gate, []).append(e)
        if i in down:
            if i == down.start:
                r.disconnected()
            continue
        if down and i == down.stop:
            answer(r.connected(now))
        if i in drops:
            continue
        out, asks = r.event(e, now)
        got.extend(out)
        answer(asks)
    if down and len(stream) <= down.stop:
        answer(r.connected(now))
    for gate, events in device.items():  # heartbeats: each gate says where it stands
        now += 1000
        out, asks = r.heartbeat(gate, events[-1].seq, now)
        got.extend(out)
        answer(asks)
    out, asks = r.tick(now + 2 * SECOND)
    got.extend(out)
    answer(asks)
    assert sorted(got, key=lambda e: e.device_us) == stream  # every event, once
    for gate in device:
        seqs = [e.seq for e in got if e.gate == gate]
        assert seqs == sorted(seqs)
    assert r.lost == 0 and r.missing == 0 and not r.holding
