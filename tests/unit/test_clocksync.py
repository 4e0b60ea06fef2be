"""ClockSync against clocks we know: offset, drift, jittered and late deliveries, reboots, outliers."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.clocksync import ClockSync
from gates.events import GateEvent

FAST = settings(max_examples=60, deadline=None)
FLOOR_US = 7_500  # the link's minimum delay: stays in the mapping, the same for every gate


class Gate:
    """A gate clock: device_us = offset + t * (1 + drift), t in true µs since the session start."""

    def __init__(self, offset_us: int, drift_ppm: float) -> None:
        self.offset_us, self.drift = offset_us, drift_ppm * 1e-6

    def device_us(self, t_us: float) -> int:
        return self.offset_us + int(t_us * (1 + self.drift))  # exact for any 64-bit offset


def heartbeats(sync, clock, gate, rng, seconds, rate_hz=10, start_s=0.0, late=0.05):
    """Fresh samples with delay = floor + U(0, 42.5 ms), a share retried late, delivered in order."""
    last = 0.0
    t = start_s * 1e6
    while t < (start_s + seconds) * 1e6:
        delay = FLOOR_US + rng.uniform(0, 42_500) + (rng.uniform(50_000, 200_000) if rng.random() < late else 0)
        last = max(last, t + delay)
        sync.add(clock, gate.device_us(t), int(last * 1000))
        t += 1e6 / rate_hz
    return t


def mapped_error_us(sync, clock, gate, t_us):
    return sync.session_us(clock, gate.device_us(t_us)) - t_us - FLOOR_US


@pytest.mark.parametrize("offset_us", [987_654_321, 2**63 + 12_345])  # a clock anywhere in 64 bits
def test_constant_delay_recovers_offset_and_drift_exactly(offset_us):
    sync, gate = ClockSync(), Gate(offset_us, 73.0)
    for i in range(200):
        t = i * 100_000
        sync.add("g", gate.device_us(t), (t + FLOOR_US) * 1000)
    assert abs(mapped_error_us(sync, "g", gate, 20_000_000)) <= 2
    state = sync.state("g")
    assert abs(state.drift_ppm - 73.0) < 0.1
    assert state.synced and state.epoch == 0 and state.outliers == 0 and state.samples == 200


@FAST
@given(st.integers(0, 2**63), st.floats(-100, 100), st.integers(0, 2**32))
def test_jittered_deliveries_map_within_a_millisecond_after_two_minutes(offset, drift, seed):
    rng, sync, gate = random.Random(seed), ClockSync(), Gate(offset, drift)
    end = heartbeats(sync, 1, gate, rng, 120)
    assert abs(mapped_error_us(sync, 1, gate, end)) < 1_000
    assert sync.state(1).synced


def test_splits_between_independent_clocks_come_out_of_the_mapping():
    rng, sync = random.Random(4), ClockSync()
    gates = [Gate(rng.randrange(2**36), rng.uniform(-100, 100)) for _ in range(4)]
    for i, gate in enumerate(gates):
        heartbeats(sync, i, gate, rng, 90)
    truth = [90e6, 91.8e6, 93.0e6, 94.1e6]  # an athlete passing the gates
    times = [sync.align(i, GateEvent(i + 1, 0, g.device_us(t), int((t + 20_000) * 1000))).device_us
             for i, (g, t) in enumerate(zip(gates, truth))]
    for k in range(1, 4):
        assert abs((times[k] - times[0]) - (truth[k] - truth[0])) < 1_500


def test_late_deliveries_never_move_the_envelope():
    rng, sync, gate = random.Random(1), ClockSync(), Gate(5_000_000, -40.0)
    end = heartbeats(sync, "g", gate, rng, 60, late=0.0)
    before = sync.session_us("g", gate.device_us(end))
    for i in range(300):  # a resend burst: old events, seconds late
        t = end - 5e6 + i * 10_000
        sync.add("g", gate.device_us(t), int((end + 2e6) * 1000), fresh=False)
    assert sync.session_us("g", gate.device_us(end)) == before


def test_reboot_opens_a_new_epoch_not_a_three_hour_split():
    rng, sync = random.Random(2), ClockSync()
    gate = Gate(3 * 3600 * 10**6, 20.0)  # up for three hours
    end = heartbeats(sync, "g", gate, rng, 60)
    rebooted = Gate(-int(end + 5e6), 20.0)  # power cycle: the clock reads 0 five seconds later
    end2 = heartbeats(sync, "g", rebooted, rng, 60, start_s=end / 1e6 + 5)
    assert sync.state("g").epoch == 1
    assert abs(mapped_error_us(sync, "g", rebooted, end2)) < 2_000


def test_events_between_a_reboot_and_its_confirmation_map_through_the_new_epoch():
    rng, sync = random.Random(3), ClockSync(confirm=3)
    gate = Gate(3 * 3600 * 10**6, 0.0)
    end = heartbeats(sync, "g", gate, rng, 30)
    rebooted = Gate(-int(end), 0.0)
    sync.add("g", rebooted.device_us(end + 100_000), int((end + 110_000) * 1000))  # first heartbeat after boot
    event = GateEvent(1, 0, rebooted.device_us(end + 300_000), int((end + 320_000) * 1000))
    assert sync.state("g").epoch == 0
    assert abs(sync.align("g", event).device_us - (end + 300_000)) < 60_000  # within the jitter, not hours


def test_a_lone_wild_sample_is_an_outlier_not_an_epoch():
    rng, sync, gate = random.Random(5), ClockSync(), Gate(10**9, 50.0)
    end = heartbeats(sync, "g", gate, rng, 30)
    before = sync.session_us("g", gate.device_us(end))
    sync.add("g", gate.device_us(end) + 3_600_000_000, int((end + 20_000) * 1000))  # a clock reading an hour ahead
    end = heartbeats(sync, "g", gate, rng, 5, start_s=end / 1e6)
    state = sync.state("g")
    assert (state.epoch, state.outliers) == (0, 1)
    assert abs(sync.session_us("g", gate.device_us(end)) - before - (end - (end - 5e6))) < 50_000


def test_an_event_earlier_than_any_delivery_allows_is_counted_and_not_fitted():
    rng, sync, gate = random.Random(6), ClockSync(), Gate(0, 0.0)
    end = heartbeats(sync, "g", gate, rng, 30)
    before = sync.session_us("g", gate.device_us(end))
    sync.add("g", gate.device_us(end) + 10_000_000, int(end * 1000), fresh=False)
    assert sync.state("g").outliers == 1
    assert sync.session_us("g", gate.device_us(end)) == before


def test_gates_sharing_a_clock_share_one_fit():
    rng, sync, timer = random.Random(7), ClockSync(), Gate(42, 30.0)
    heartbeats(sync, "timer", timer, rng, 20)
    t0, t1 = 20e6, 22.5e6
    a = sync.align("timer", GateEvent(1, 0, timer.device_us(t0), int((t0 + 9_000) * 1000)))
    b = sync.align("timer", GateEvent(2, 0, timer.device_us(t1), int((t1 + 30_000) * 1000)))
    assert sync.clocks() == ["timer"]
    # one clock: the split is the timer's own difference, corrected by the fitted drift only
    assert abs((b.device_us - a.device_us) - (timer.device_us(t1) - timer.device_us(t0))) < 250


def test_state_reports_what_the_gate_strip_needs():
    rng, sync, gate = random.Random(8), ClockSync(), Gate(0, -60.0)
    sync.add("g", gate.device_us(0), FLOOR_US * 1000)
    early = sync.state("g")
    assert (early.samples, early.synced) == (1, False)
    heartbeats(sync, "g", gate, rng, 60)
    state = sync.state("g")
    assert state.synced and state.samples > 500 and 55 < state.span_s <= 60
    assert abs(state.drift_ppm + 60) < 20
    assert 10_000 < state.residual_us < 40_000  # the median jitter of U(0, 42.5 ms) plus retries
    assert 0 < state.error_us < 1_000


def test_old_samples_leave_the_window():
    rng, sync, gate = random.Random(9), ClockSync(window_us=10_000_000), Gate(0, 0.0)
    heartbeats(sync, "g", gate, rng, 30, rate_hz=5)
    state = sync.state("g")
    assert state.span_s <= 11 and state.samples <= 56  # trimmed a batch at a time, 10 % over at most
